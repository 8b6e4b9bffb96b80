"""Every notebook in nbs/, run top to bottom in a real Jupyter kernel, one fresh kernel per notebook: the notebooks are
the tests of the code they export, and this is the one place that runs them.

A kernel is what readers, `jupyter nbconvert` and Colab use, and a few things behave differently there than in
`nbdev-test`'s in-process shell (display hooks, the inline matplotlib backend, fastai's HTML progress bars), so a kernel
is what runs them here. It leaves out exactly the cells `nbdev-test` would: those flagged with one of the project's
`tst_flags` (`slow`, `notest`), cells marked `#| eval: false`, and whole notebooks whose front matter says `skip_exec`.
Notebooks whose names start with `_` are scratch and are not run.
"""
from pathlib import Path

import pytest

nbformat = pytest.importorskip('nbformat')
nbclient = pytest.importorskip('nbclient')
from nbdev.config import get_config
from nbdev.test import nb_test_cells

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
NOTEBOOKS = sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith('_'))


def _skip_flags():
    flags = get_config(ROOT).tst_flags or ''
    return flags.split() if isinstance(flags, str) else list(flags)


def runnable_notebook(path:Path):
    "The notebook at `path` with only the cells nbdev-test would run (markdown kept, so errors point at familiar places)"
    keep = {c.idx_ for c in nb_test_cells(path, _skip_flags())}
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for i, c in enumerate(nb.cells) if c.cell_type != 'code' or i in keep]
    return nb, len(keep)


def test_flagged_cells_are_left_out(tmp_path):
    "Cells flagged `slow` or `notest`, or marked `eval: false`, are dropped; other code and markdown cells stay"
    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_markdown_cell('# T'), v4.new_code_cell('x = 1'),
                                v4.new_code_cell('#| slow\nraise RuntimeError'), v4.new_code_cell('#| notest\nraise RuntimeError'),
                                v4.new_code_cell('#| eval: false\nraise RuntimeError'), v4.new_code_cell('y = 2')])
    nbformat.write(nb, tmp_path/'probe.ipynb')
    kept, n_code = runnable_notebook(tmp_path/'probe.ipynb')
    assert [c.source for c in kept.cells] == ['# T', 'x = 1', 'y = 2'] and n_code == 2


@pytest.mark.parametrize('path', NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_in_kernel(path, monkeypatch):
    nb, n_code = runnable_notebook(path)
    if n_code == 0: pytest.skip(f'{path.name} has no cells to run')
    monkeypatch.setenv('IN_TEST', '1')  # as nbdev-test sets it; the kernel inherits the environment
    monkeypatch.setenv('MPLBACKEND', 'module://matplotlib_inline.backend_inline')
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name='python3', allow_errors=False,
                                     resources={'metadata': {'path': str(NBS)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on the first failing cell


@pytest.mark.parametrize('path', NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_opens_without_questions(path):
    "A kernel to start with (so Jupyter asks nothing), and an export cell that does nothing outside a clone of the project"
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.get('kernelspec', {}).get('name') == 'python3', 'no kernelspec: Jupyter would ask which kernel to use'
    if path.name != 'index.ipynb':
        assert 'if nbdev.config.is_nbdev(): nbdev.nbdev_export()' in nb.cells[-1].source, 'the last cell must be the guarded export'


def test_a_notebook_downloaded_alone_runs(tmp_path):
    "As after 'Download' or 'Open in Colab': the notebook on its own, far from the project, runs to its last cell"
    nb = nbformat.read(NBS/'90_storage.ipynb', as_version=4)  # every cell, the hidden export cell included
    (tmp_path/'90_storage.ipynb').write_text(nbformat.writes(nb))
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name='python3', resources={'metadata': {'path': str(tmp_path)}})
    client.execute()
    assert 'nbdev_export()' in nb.cells[-1].source and nb.cells[-1].execution_count  # the export cell ran...
    assert sorted(p.name for p in tmp_path.iterdir()) == ['90_storage.ipynb']  # ...and wrote nothing
