"""README.md is generated from nbs/index.ipynb; the two must not drift apart."""
import importlib.util, re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('make_readme', ROOT/'tools'/'make_readme.py')
make_readme = importlib.util.module_from_spec(spec); spec.loader.exec_module(make_readme)


def test_readme_matches_index_notebook():
    assert (ROOT/'README.md').read_text() == make_readme.render(), 'README.md is stale: run python tools/make_readme.py'


def test_readme_commands_are_the_ones_ci_and_make_use():
    readme, ci, makefile = (ROOT/'README.md').read_text(), (ROOT/'.ci'/'run').read_text(), (ROOT/'Makefile').read_text()
    for target in ('reproduce', 'test'):
        assert f'`make {target}`' in readme
        assert re.search(rf'^{target}:', makefile, re.M)
    assert ci.strip().splitlines()[-1] == 'make test'  # CI runs the README's own test command


def test_chapter_links_point_at_notebooks():
    links = re.findall(r'\]\((nbs/[^)]+\.ipynb)\)', (ROOT/'README.md').read_text())
    chapters = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT/'nbs').glob('[0-9][0-9]_*.ipynb'))
    assert links == chapters  # every chapter listed once, in order, and every link resolves
