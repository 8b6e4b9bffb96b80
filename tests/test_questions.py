"""Predict-then-run questions (the Check yourself sections of chapters 01 to 06): saved without their outputs, which
tools/question_outputs.py keeps in the cell's metadata for the website. The site's side is in test_build_docs.py (the
build) and test_docs_site.py (hidden until clicked, in a browser)."""
import json, re, subprocess, sys
from pathlib import Path

import pytest

import question_outputs as qo

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT/'nbs').glob('*.ipynb') if not p.name.startswith('_'))

def _out(text, n=7): return {'output_type': 'execute_result', 'execution_count': n, 'metadata': {}, 'data': {'text/plain': [text]}}

def _cells(*specs):
    "Cells from `(kind, source, outputs)`"
    return [{'cell_type': k, 'id': f'c{i}', 'metadata': {}, 'source': s, **({'outputs': o, 'execution_count': 3} if k == 'code' else {})}
            for i, (k, s, o) in enumerate(specs)]

ANSWER = '<details><summary>Answer</summary>\n\n6\n\n</details>'

def test_questions_are_the_cells_just_above_an_answer():
    cells = _cells(('code', 'x = 2', []), ('code', ['x *', ' 3'], []), ('markdown', ANSWER, None),
                   ('markdown', 'text', None), ('markdown', ANSWER, None), ('code', 'x', []))
    assert qo.questions(cells) == [1]

def test_hide_moves_the_outputs_once(tmp_path):
    nb = {'cells': _cells(('code', 'x = 2', [_out('2')]), ('code', '2 * 3', [_out('6')]), ('markdown', ANSWER, None)),
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    path = tmp_path/'q.ipynb'
    path.write_text(json.dumps(nb))
    assert qo.hide_file(path) == 1
    cells = json.loads(path.read_text())['cells']
    assert cells[0]['outputs'] == [_out('2')]  # not a question: left alone
    assert (cells[1]['outputs'], cells[1]['execution_count']) == ([], None)
    assert qo.kept_outputs(cells[1]) == [_out('6', None)]
    before = path.read_text()
    assert qo.hide_file(path) == 0 and path.read_text() == before  # nothing to hide: what was kept stays
    cells[1]['source'] = '2 * 4'
    with pytest.raises(ValueError, match='was changed'): qo.kept_outputs(cells[1])

def test_command_fails_in_one_line(tmp_path):
    (tmp_path/'bad.ipynb').write_text('{not json')
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'question_outputs.py'), str(tmp_path/'bad.ipynb')],
                       capture_output=True, text=True)
    assert r.returncode == 1 and r.stdout == '' and len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stderr.startswith(f'question_outputs: {tmp_path/"bad.ipynb"}: ')

@pytest.mark.parametrize('path', NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_question_is_saved_with_its_output(path):
    "In every notebook, each question cell has no saved output, and its kept output came from the code it shows"
    cells = json.loads(path.read_text())['cells']
    asks = qo.questions(cells)
    if re.match(r'0[1-6]_', path.name): assert len(asks) >= 2, f'{path.name}: Check yourself has {len(asks)} questions'
    for i in asks:
        assert not cells[i]['outputs'], f'{path.name}: the question {qo.source(cells[i])!r} is saved with its output: run tools/question_outputs.py'
        assert qo.kept_outputs(cells[i]), f'{path.name}: {qo.source(cells[i])!r} kept an empty output'
