"""What every lesson chapter promises a reader, read from the notebooks themselves: links to run it in Colab (built from
the repository in pyproject.toml) and to read it beside the book and the course; and, in chapters 01 to 06, a Check
yourself section with questions whose answers are collapsed and exercises whose stubs call a checker.
"""
import json, re
from pathlib import Path

import pytest

import build_docs as bd
from mnist37 import exercises

ROOT = Path(__file__).resolve().parents[1]
BOOK = 'https://github.com/fastai/fastbook/blob/master/04_mnist_basics.ipynb'
COURSE = 'https://course.fast.ai/Lessons/lesson3.html'
CHAPTERS = sorted((ROOT/'nbs').glob('0[0-8]_*.ipynb')) + sorted((ROOT/'nbs').glob('1[0-9]_*.ipynb'))  # 09: the questionnaire
WITH_EXERCISES = [p for p in CHAPTERS if re.match(r'0[1-6]_|1\d_', p.name)]

def cells(path:Path) -> list: return [(c['cell_type'], ''.join(c['source']), c) for c in json.loads(path.read_text())['cells']]

def colab(path:Path) -> str:
    "The Colab address of notebook `path`, from the repository and branch in pyproject.toml"
    s = bd.settings()
    return f'https://colab.research.google.com/github/{s["repo"].removeprefix("https://github.com/")}/blob/{s["branch"]}/nbs/{path.name}'

@pytest.mark.parametrize('path', CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapter_links_to_colab_the_book_and_the_course(path):
    md = '\n'.join(src for kind, src, _ in cells(path) if kind == 'markdown')
    assert f'({colab(path)})' in md, f'{path.name}: no Colab link, or one that is not {colab(path)}'
    assert f'({BOOK})' in md and f'({COURSE})' in md

def test_every_colab_link_is_this_repository():
    "A Colab link anywhere in the notebooks opens a notebook of this repository, as pyproject.toml names it, that exists"
    for path in sorted((ROOT/'nbs').glob('*.ipynb')):
        for _, src, _ in cells(path):
            for url in re.findall(r'https://colab\.research\.google\.com/github/[^)\s]+', src):
                assert url == colab(ROOT/'nbs'/url.rsplit('/', 1)[-1]), f'{path.name}: {url}'
                assert (ROOT/'nbs'/url.rsplit('/', 1)[-1]).exists(), url

@pytest.mark.parametrize('path', WITH_EXERCISES, ids=[p.name for p in WITH_EXERCISES])
def test_check_yourself_section(path):
    "At least two predict-then-run questions with a collapsed answer, and two exercises whose stub calls a checker"
    cs = cells(path)
    start = next(i for i, (kind, src, _) in enumerate(cs) if kind == 'markdown' and re.search(r'^## Check yourself$', src, re.M))
    section = cs[start:]
    answers = sum(len(re.findall(r'<details><summary>Answer</summary>\n\n.+?\n\n</details>', src, re.S))
                  for kind, src, _ in section if kind == 'markdown')
    stubs = [(src, c) for kind, src, c in section if kind == 'code' and 'raise NotImplementedError' in src]
    assert answers >= 2 and len(stubs) >= 2, (answers, len(stubs))
    for src, cell in stubs:
        called = re.findall(r'^(check_\w+)\((\w+)\)$', src, re.M)
        assert len(called) == 1 and called[0][0] in exercises.__all__, f'a stub without its checker call:\n{src}'
        assert re.search(rf'^(def|class) {called[0][1]}\b', src, re.M), 'the checker is not given the stub above it'
        shown = ''.join(''.join(o.get('data', {}).get('text/plain', '')) for o in cell.get('outputs', []))
        assert shown == exercises.NOT_DONE, f'{path.name}: the saved output of a stub is {shown!r}'

def test_every_checker_has_its_exercise():
    used = {m for p in WITH_EXERCISES for _, src, _ in cells(p) for m in re.findall(r'^(check_\w+)\(', src, re.M)}
    assert used == {n for n in exercises.__all__ if n.startswith('check_')}
    assert 'check_learner' in ''.join(src for _, src, _ in cells(ROOT/'nbs'/'05_learner.ipynb'))  # the capstone
