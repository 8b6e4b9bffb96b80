"""Each notebook runs where a reader opens it: Colab installs mnist37 from its first code cell, a download needs no
nbdev, and links between notebooks reach the website, while the website itself keeps relative links between its pages.
(tests/test_install.py runs two chapters in an environment with only the package and a kernel.)"""
import json, subprocess, sys, types
from pathlib import Path

import pytest

import build_docs as bd
import portable_nbs

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb'))


def test_every_notebook_is_portable():
    "What tools/portable_nbs.py writes is what is committed: run it after adding a notebook or a link"
    assert portable_nbs.main(check=True) == 0, 'run python tools/portable_nbs.py, then nbdev-clean'


def run_cell(src:str, monkeypatch, colab:bool) -> list:
    "Run a cell's source, and return the commands it ran"
    calls = []
    monkeypatch.setattr(subprocess, 'run', lambda cmd, **kw: calls.append(cmd))
    if colab: monkeypatch.setitem(sys.modules, 'google.colab', types.ModuleType('google.colab'))
    else: monkeypatch.delitem(sys.modules, 'google.colab', raising=False)
    exec(compile(src, 'cell', 'exec'), {})  # plain Python: tools that parse every cell (the solutions' test) read it too
    return calls


@pytest.mark.parametrize('path', NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_first_code_cell_installs_in_colab_only(path, monkeypatch):
    cells = json.loads(path.read_text())['cells']
    first = ''.join(next(c for c in cells if c['cell_type'] == 'code')['source'])
    assert run_cell(first, monkeypatch, colab=False) == []
    repo = bd.settings()['repo']
    assert run_cell(first, monkeypatch, colab=True) == [[sys.executable, '-m', 'pip', 'install', '-q', f'mnist37[lesson] @ git+{repo}']]


def test_links_to_notebooks_go_to_the_site_and_back():
    "In a notebook, a link to another chapter is its page on the site; on the site, it is a link between its own pages"
    md = lambda cs: '\n'.join(c['source'] if isinstance(c['source'], str) else ''.join(c['source']) for c in cs if c['cell_type'] == 'markdown')
    for path in NOTEBOOKS:
        assert not bd._re_rel_link.search(md(json.loads(path.read_text())['cells']).replace('](#', '')), path.name
    text = md(json.loads((ROOT/'nbs'/'05_learner.ipynb').read_text())['cells'])
    url = bd.settings()['docs_url']
    assert f']({url}sgd.html#the-seven-steps)' in text
    page = md(bd.read_page(ROOT/'nbs'/'05_learner.ipynb')['cells'])
    assert '](sgd.ipynb#the-seven-steps)' in page and f']({url}sgd.html' not in page
    assert f']({url}playground.html' in md(bd.read_page(ROOT/'nbs'/'02_sgd.ipynb')['cells'])  # not a notebook: left alone
