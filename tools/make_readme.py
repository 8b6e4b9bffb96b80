"""Write README.md from nbs/index.ipynb.

nbdev-readme needs Quarto, which this project cannot install, so this does the same small job:
markdown cells as they are, visible code cells as Python blocks with their text output, links to
chapters pointed into `nbs/`. `tests/test_readme.py` checks that README.md is what this produces.
Usage: `python tools/make_readme.py` (writes README.md) or `--check` (exit 1 if it is stale).
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n'


def _directives(src: str) -> set:
    return {l[3:].strip() for l in src.splitlines() if l.startswith('#| ')}


def _text_output(outs) -> str:
    for o in outs:
        if o.get('output_type') == 'stream': return ''.join(o['text'])
        if 'data' in o and 'text/plain' in o['data']: return ''.join(o['data']['text/plain'])
    return ''


def render(nb_path: Path = ROOT/'nbs'/'index.ipynb') -> str:
    "README.md's text for the notebook at `nb_path`"
    parts = []
    for c in json.loads(nb_path.read_text())['cells']:
        src = ''.join(c['source']).strip()
        if c['cell_type'] == 'markdown':
            parts.append(re.sub(r'\]\((\d\d_\w+)\.ipynb\)', r'](nbs/\1.ipynb)', src))
        elif c['cell_type'] == 'code' and not _directives(src) & {'hide', 'echo: false', 'include: false'}:
            code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|'))
            parts.append(f'```python\n{code}\n```')
            if out := _text_output(c.get('outputs', [])).rstrip(): parts.append(f'    {out}'.replace('\n', '\n    '))
    return HEADER + '\n\n'.join(parts) + '\n'


if __name__ == '__main__':
    text, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if readme.read_text() != text: sys.exit('README.md is stale: run python tools/make_readme.py')
    else: readme.write_text(text)
