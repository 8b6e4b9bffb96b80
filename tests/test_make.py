"""The Makefile as a new user meets it: a missing tool is named in one line, and `make lab` works as root and saves
notebooks the way they are committed."""
import os, re, shutil, subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which('make')
pytestmark = pytest.mark.skipif(not MAKE, reason='no make')

def make(tmp_path:Path, *args, path:str, installed:bool=True) -> subprocess.CompletedProcess:
    "`make -n ARGS` on a copy of the Makefile (with .venv already made if `installed`), with only the tools in `path` on PATH"
    shutil.copy(ROOT/'Makefile', tmp_path)
    for name in ['pyproject.toml', 'docs/package.json', 'docs/package-lock.json']:
        (tmp_path/name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT/name, tmp_path/name)
    (tmp_path/'.venv'/'bin').mkdir(parents=True, exist_ok=True)
    if installed: (tmp_path/'.venv'/'bin'/'.installed').touch()
    env = {k: v for k, v in os.environ.items() if k not in ('MAKEFLAGS', 'MAKELEVEL', 'MFLAGS')}  # not a sub-make of `make test`
    return subprocess.run([MAKE, '-n', *args], cwd=tmp_path, capture_output=True, text=True, env={**env, 'PATH': path})

def tools(tmp_path:Path, *names) -> str:
    "A folder with only the commands `names`, for PATH"
    d = tmp_path/'tools'
    d.mkdir(exist_ok=True)
    for n in names: (d/n).symlink_to(shutil.which(n))
    return str(d)

def test_a_missing_tool_is_named_in_one_line(tmp_path):
    path = tools(tmp_path, 'bash', 'id', 'python3')  # no npm
    r = make(tmp_path, 'test', path=path)
    assert r.returncode != 0 and len(r.stderr.splitlines()) == 1 and 'npm not found' in r.stderr, r.stderr
    (tmp_path/'.venv'/'bin'/'.installed').unlink()
    r = make(tmp_path, 'install', 'PYTHON=python3.9-that-is-not-there', path=path, installed=False)
    assert r.returncode != 0 and len(r.stderr.splitlines()) == 1 and 'python3.9-that-is-not-there not found' in r.stderr, r.stderr

def test_the_readmes_two_commands_run_what_they_say(tmp_path):
    "`make reproduce` runs the command's reproduce into results/; `make test` runs every test on two workers"
    path = tools(tmp_path, 'bash', 'id', 'python3', 'npm')
    r = make(tmp_path, 'reproduce', path=path)
    assert r.returncode == 0 and r.stdout.splitlines() == ['.venv/bin/mnist37 reproduce --out results'], r.stdout + r.stderr
    r = make(tmp_path, 'test', path=path)
    assert r.returncode == 0 and re.fullmatch(r'\.venv/bin/pytest -n 2 .*\btests', r.stdout.splitlines()[-1]), r.stdout + r.stderr

def test_lab_runs_as_root_and_cleans_each_save(tmp_path, monkeypatch):
    "`make lab` passes --allow-root as root, and the save hook it gives JupyterLab turns a save into the committed file"
    r = make(tmp_path, 'lab', path=tools(tmp_path, 'bash', 'id', 'python3'))
    assert r.returncode == 0, r.stderr
    assert ('--allow-root' in r.stdout) == (os.geteuid() == 0)
    hook = re.search(r'--ContentsManager\.pre_save_hook=(\S+)', r.stdout)
    assert hook and re.search(r'^cd nbs ', r.stdout, re.M), r.stdout  # the hook is given paths relative to nbs/
    from jupyter_server.services.contents.filemanager import FileContentsManager
    shutil.copytree(ROOT/'nbs', tmp_path/'nbs', ignore=lambda d, names: [n for n in names if n != '03_linear.ipynb'])
    monkeypatch.chdir(tmp_path/'nbs')
    before = Path('03_linear.ipynb').read_text()
    for pre_save_hook in [hook[1], None]:
        cm = FileContentsManager(root_dir=str(tmp_path/'nbs'), **({'pre_save_hook': pre_save_hook} if pre_save_hook else {}))
        model = cm.get('03_linear.ipynb')
        model['content'].metadata.kernelspec.display_name = 'Python 3 (ipykernel)'  # what JupyterLab keeps in memory
        model['content'].metadata['language_info'] = {'name': 'python', 'version': '3.11.7'}
        cm.save(model, '03_linear.ipynb')
        saved = Path('03_linear.ipynb').read_text()
        if pre_save_hook: assert saved == before, 'saving through make lab changed the notebook'
        else: assert saved != before  # without the hook the same save leaves a diff: the check above can fail
