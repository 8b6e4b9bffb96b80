"""README.md is generated from nbs/index.ipynb; the two must not drift apart, and it must work on PyPI too."""
import re
try: import tomllib
except ModuleNotFoundError: import tomli as tomllib  # Python 3.10: tomllib is 3.11's copy of tomli
from pathlib import Path

import make_readme

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT/'README.md').read_text()
URLS = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']['urls']

def test_readme_matches_index_notebook():
    assert README == make_readme.render(), 'README.md is stale: run python tools/make_readme.py'

def test_readme_commands_are_the_ones_ci_uses():
    "(What each command runs is checked on the Makefile itself, in test_make.py)"
    assert '`make reproduce`' in README and '`make test`' in README
    assert (ROOT/'.ci'/'run').read_text().strip().splitlines()[-1] == 'make test'  # CI runs the README's own test command

def test_links_are_absolute_and_reach_every_notebook():
    "PyPI shows the README away from the repository: every link is absolute, and the website is named"
    links = re.findall(r'\]\(([^)]+)\)', README)
    assert links and all(re.match(r'https?://', l) for l in links), [l for l in links if not re.match(r'https?://', l)]
    assert f'<{URLS["Documentation"]}>' in README
    nbs = [l.removeprefix(f'{URLS["Repository"]}/blob/main/') for l in links if l.endswith('.ipynb')]
    chapters = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT/'nbs').glob('[0-9][0-9]_*.ipynb'))
    assert nbs == chapters  # every numbered notebook listed once, in order, at the path it has in the repository

def test_python_snippets_run_as_pasted():
    "Each ```python block of the README, pasted in order into a fresh Python, runs and shows the output printed under it"
    import subprocess, sys
    blocks = re.findall(r'```python\n(.*?)```\n(?:\n((?:    [^\n]*\n)+))?', README, re.S)
    assert blocks, 'the README shows no Python'
    runner = ('import ast, sys\nns = {}\nfor src in sys.argv[1:]:\n'
              '    tree = ast.parse(src); last = tree.body.pop() if isinstance(tree.body[-1], ast.Expr) else None\n'
              '    exec(compile(tree, "<readme>", "exec"), ns)\n'
              '    print(repr(eval(compile(ast.Expression(last.value), "<readme>", "eval"), ns)) if last else "")\n'
              '    print("\\x00")\n')
    r = subprocess.run([sys.executable, '-c', runner, *[code for code, _ in blocks]], capture_output=True, text=True,
                       cwd=ROOT.parent, timeout=300)  # outside the checkout: the installed package, as a user has it
    assert r.returncode == 0, r.stderr
    shown = [re.sub(r'^    ', '', out, flags=re.M).strip() for _, out in blocks]
    assert [o.strip() for o in r.stdout.split('\x00')[:-1]] == shown

def test_ci_installs_and_tests_as_the_readme_says():
    "CI's test workflow installs with the README's CPU-only command and runs the Pythons the README promises; the site is deployed only after it"
    wf, deploy = (ROOT/'.github'/'workflows'/'test.yaml').read_text(), (ROOT/'.github'/'workflows'/'deploy.yaml').read_text()
    install = re.search(r'`(make install TORCH_INDEX=\S+)`', README)[1]
    assert f'run: {install}\n' in wf and f'run: {install}\n' in deploy and 'run: make test\n' in wf
    versions = re.findall(r'"(3\.\d+)"', re.search(r'python: \[(.*)\]', wf)[1])
    oldest = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']['requires-python'].removeprefix('>=')
    assert versions[0] == oldest and f'Python {versions[0]} to {versions[-1]}' in README, versions
    assert re.search(r'workflow_run:\n\s+workflows: \[test\]', deploy) and "conclusion == 'success'" in deploy
