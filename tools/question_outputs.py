"""Keep the outputs of the Check yourself questions out of sight: `python tools/question_outputs.py [NOTEBOOK ...]`.

A question asks the reader to guess what a cell shows before running it, so its notebook is saved without that cell's
output, and Jupyter shows it only once the reader runs the cell. The website still needs it, to show behind a "Show the
output" control, and the site is built from saved outputs without running anything. So this moves the outputs of each
question cell into the cell's metadata (`mnist37`: the outputs and the source they came from), which Jupyter does not
display and nbdev-clean keeps (`allowed_cell_metadata_keys` in pyproject.toml).

Run it after executing a notebook and before nbdev-clean; with no arguments it does every notebook in nbs/. A question is
a code cell followed at once by a markdown cell that opens with `<details><summary>Answer</summary>`.
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY = 'mnist37'  # the cell metadata key
ANSWER = '<details><summary>Answer</summary>'

def source(cell) -> str:
    "The text of `cell`, whether saved as one string or as a list of lines"
    s = cell.get('source', '')
    return s if isinstance(s, str) else ''.join(s)

def questions(cells:list) -> list:
    "The indices in `cells` of the questions: code cells whose next cell is a markdown answer block"
    return [i for i, (c, nxt) in enumerate(zip(cells, cells[1:])) if c['cell_type'] == 'code'
            and nxt['cell_type'] == 'markdown' and source(nxt).lstrip().startswith(ANSWER)]

def kept_outputs(cell) -> list:
    "The outputs kept for question `cell`; ValueError if there are none, or they came from other code"
    kept = cell.get('metadata', {}).get(KEY, {})
    if 'outputs' not in kept: raise ValueError('has no kept output: run it, then tools/question_outputs.py')
    if kept.get('source') != source(cell): raise ValueError('was changed since its output was kept: run it again, then tools/question_outputs.py')
    return kept['outputs']

def hide(nb:dict) -> int:
    "Move the outputs of each question cell of notebook `nb` into the cell's metadata; how many cells had outputs"
    n = 0
    for i in questions(nb['cells']):
        c = nb['cells'][i]
        if not c.get('outputs'): continue  # already hidden, or not run yet: what was kept stays
        outs = [{k: None if k == 'execution_count' else v for k, v in o.items()} for o in c['outputs']]  # as nbdev-clean
        c.setdefault('metadata', {})[KEY] = dict(source=source(c), outputs=outs)
        c['outputs'], c['execution_count'] = [], None
        n += 1
    return n

def hide_file(path:Path) -> int:
    "`hide` for the notebook file at `path`, written back atomically if anything changed"
    from fastcore.nbio import nb2str
    from mnist37.storage import atomic_write
    nb = json.loads(Path(path).read_text(encoding='utf-8'))
    n = hide(nb)
    if n:
        with atomic_write(path, 'w') as f: f.write(nb2str(nb))
    return n

def main(args:list) -> int:
    paths = [Path(a) for a in args] or sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith(('_', '.')))
    for p in paths:
        try: n = hide_file(p)
        except (OSError, ValueError, KeyError, TypeError) as e:
            print(f'question_outputs: {p}: {e}', file=sys.stderr); return 1
        if n: print(f'{p}: hid the outputs of {n} question cell{"s" * (n != 1)}')
    return 0

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
