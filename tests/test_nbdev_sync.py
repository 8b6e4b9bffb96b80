"""The committed modules are what nbdev-export makes of the notebooks, and the notebooks are clean."""
import shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _copy_project(dest: Path):
    for name in ('nbs', 'mnist37'): shutil.copytree(ROOT/name, dest/name, ignore=shutil.ignore_patterns('__pycache__'))
    for name in ('pyproject.toml', 'README.md'): shutil.copy(ROOT/name, dest/name)


def _tree(path: Path, glob: str) -> dict:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.glob(glob))}


def test_export_leaves_no_diff(tmp_path):
    _copy_project(tmp_path)
    subprocess.run([BIN/'nbdev-export'], cwd=tmp_path, check=True, capture_output=True)
    assert _tree(tmp_path/'mnist37', '**/*.py') == _tree(ROOT/'mnist37', '**/*.py'), \
        'mnist37/ differs from what nbdev-export makes: edit the notebook and run nbdev-export'


def test_notebooks_are_clean(tmp_path):
    _copy_project(tmp_path)
    subprocess.run([BIN/'nbdev-clean'], cwd=tmp_path, check=True, capture_output=True)
    assert _tree(tmp_path/'nbs', '*.ipynb') == _tree(ROOT/'nbs', '*.ipynb'), 'run nbdev-clean and commit the notebooks'
