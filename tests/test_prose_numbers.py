"""A number quoted in a chapter's prose comes from that chapter's saved outputs, or the prose says it is approximate.

What counts as a quoted number: a decimal (0.9951, 11.7 million), a percentage, a duration (1:15), or a number with a
unit of measurement (30 s, 84 MB, 48 times), in digits or in words ("twenty seconds"). Numbers inside `code` and $math$
are not quotes, nor are the book's own figures when the text says so ("the book's 0.9971"), nor the few facts listed
in `ELSEWHERE` with where they come from.

- A plain number must be in the outputs saved in the same notebook, to the digits quoted (0.9951 matches 0.995093),
  above the text or further on in its own section (the cells it introduces).
- One marked as approximate ("about 93%", "about 0.2") must be within a quarter of such an output, or, for a
  percentage, within one in its last digit.
- A number with a unit matches only outputs with the same unit: seconds against seconds or a time column, MB against MB.
- A paragraph that names `tools/benchmark.py` may also quote its saved run, `tools/benchmark_predict.txt`.
"""
import json, math, re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT/'nbs').glob('0[0-8]_*.ipynb'))
QUOTING = CHAPTERS + [ROOT/'nbs'/'10_digits.ipynb']  # the chapters whose prose numbers are checked
BENCHMARK = ROOT/'tools'/'benchmark_predict.txt'

# Numbers that no cell of their own chapter prints. Each names where it comes from: another chapter (whose saved
# outputs must then show it), or a fact or a sum worked out in the text itself.
ELSEWHERE = {
    ('00_data', '12%'): 'history of MNIST: the best linear classifier in LeCun et al. 1998',
    ('00_data', '0.2%'): 'history of MNIST: the best error rates reported since',
    ('00_data', '3.0'): 'the version of the MNIST licence',
    ('02_sgd', '20 seconds'): 'the set-up of the made-up roller coaster data, `torch.arange(0, 20)`',
    ('02_sgd', '15 times'): 'the ratio of the first two gradients printed in step 4 (15.6, asserted there)',
    ('02_sgd', '200 times'): 'the ratio of the first and third gradients printed in step 4 (about 210)',
    ('02_sgd', '30,000 times'): 'the two learning rates in the code, 0.3 / 1e-5',
    ('03_linear', 'four times'): 'the two averages asserted below the text, 0.8 / 0.2',
    ('03_linear', '0.4956'): '1,010 / 2,038, worked out in the sentence',
    ('05_learner', 'ten times'): 'the two learning rates in the code, 0.1 / 1',
    ('05_learner', '0.005'): "the tolerance of the capstone's checker, `mnist37.exercises`",
    ('06_cnn', '0.9785'): '04_optimizer',
    ('06_cnn', '0.9828'): '05_learner',
    ('06_cnn', '148 times'): "e to the power 5, worked out in the sentence",
    ('07_models', '64 MB'): "the size limit `mnist37.kinds.MAX_MODEL_BYTES` (64 << 20)",
}

WORDS = {w: i for i, w in enumerate('zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen '
                                      'fifteen sixteen seventeen eighteen nineteen twenty'.split())}
WORDS.update(thirty=30, forty=40, fifty=50, sixty=60, seventy=70, eighty=80, ninety=90, hundred=100)
UNITS = {'s': 's', 'seconds': 's', 'second': 's', 'ms': 'ms', 'MB': 'MB', 'times': 'times', 'x': 'times'}
def unit_of(tail): return UNITS.get(tail.strip().split()[0]) if tail.strip() else None
APPROX = re.compile(r'\b(about|nearly|roughly|around|almost|under|over|some|within|at least|at most|more than|less than|'
                    r'close to)\s+(?:an?\s+)?$|[~≈]\s*$', re.I)  # right before the number
BOOK = re.compile(r"(book's|book:|book,)\s*(run:?\s*)?$", re.I)
NUM = r'\d+(?:,\d{3})*(?:\.\d+)?'
TIMES = r'\s+times(?=\s+(?:faster|slower|quicker|wider|narrower|larger|smaller|bigger|more|less|fewer|as)\b)'  # a ratio, not a count
TOKEN = re.compile(rf'(?P<dur>\b\d{{1,2}}:\d\d\b)'
                   rf'|(?P<num>(?<![\w.]){NUM})(?P<tail>%|\s*million\b|\s*(?:ms|MB)\b|\s+(?:s|seconds|second)\b|x\b|{TIMES})?'
                   rf'|\b(?P<word>(?:a )?(?:{"|".join(WORDS)}))(?P<wunit>\s+seconds|\s+MB\b|{TIMES})', re.I)

def plain(md):
    "Markdown without code spans, maths, link targets and HTML tags, which hold no quoted measurements"
    md = re.sub(r'\$\$.*?\$\$|\$[^$]*\$|`[^`]*`', ' ', md, flags=re.S)
    md = re.sub(r'\]\([^)]*\)', ']', md)
    return re.sub(r'<[^>]+>', ' ', md)

def book_columns(md):
    "Spans of a markdown table's cells that lie in a column headed 'book': the book's figures, quoted as such"
    spans, cols, pos = [], None, 0
    for line in md.splitlines(keepends=True):
        row = line.strip()
        if not (row.startswith('|') and row.endswith('|')): cols = None  # not in a table (any more)
        elif cols is None:  # a table's header row
            cols = [i for i, cell in enumerate(row.strip('|').split('|')) if cell.strip().lower().startswith('book')]
        elif row.strip('|- :'):  # a row of figures (the |---| line under the header has none)
            start = pos + line.index('|') + 1
            for i, cell in enumerate(row.strip('|').split('|')):
                if i in cols: spans.append((start, start + len(cell)))
                start += len(cell) + 1
        pos += len(line)
    return spans

def quotes(md):
    "Each quoted number in a markdown text: (as written, value, unit or None, decimals, approximate?, the book's?, context)"
    text = plain(md)
    book_spans = book_columns(text)
    for m in TOKEN.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        in_book_column = any(a <= m.start() < b for a, b in book_spans)
        if m['dur']:
            mins, secs = m['dur'].split(':'); value, unit, dec = int(mins) * 60 + int(secs), 's', 0
        elif m['word']:
            value, unit, dec = WORDS[m['word'].lower().removeprefix('a ')], unit_of(m['wunit']), 0
        else:
            tail = (m['tail'] or '').strip()
            if not tail and '.' not in m['num']: continue  # a count or a year: not a measurement
            if re.fullmatch(r'\d+\.\d+\.\d+.*', text[m.start():m.start() + 12].split()[0]): continue  # a version number
            value, dec = float(m['num'].replace(',', '')), len(m['num'].split('.')[1]) if '.' in m['num'] else 0
            unit = {'%': '%', 'million': 'million'}.get(tail) or unit_of(tail)
        yield (m[0], value, unit, dec, bool(APPROX.search(before)), in_book_column or bool(BOOK.search(before)),
               text[max(0, m.start() - 50):m.end() + 20].replace('\n', ' '))

def output_numbers(text):
    "(value, unit or None) for every number in an output text; a time column's 01:15 counts as 75 seconds"
    for m in re.finditer(r'\b(\d{1,2}):(\d\d)\b', text): yield int(m[1]) * 60 + int(m[2]), 's'
    for m in re.finditer(r'(?<![\w.])(-?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?)\s*(ms|s|MB|times|x)?\b', text):
        try: v = float(m[1].replace(',', ''))
        except ValueError: continue
        yield v, UNITS.get(m[2]) if m[2] else None

def cell_numbers(c):
    "Every number in the saved outputs of a code cell (a question's kept in its metadata), and the plain numbers in its code"
    if c['cell_type'] != 'code': return []
    pool = [(v, None) for v, _ in output_numbers(''.join(c['source']))]
    for o in c.get('outputs', []) + c.get('metadata', {}).get('mnist37', {}).get('outputs', []):
        texts = [o.get('text', '')] + [o.get('data', {}).get(k, '') for k in ('text/plain', 'text/html')]
        for t in texts: pool += output_numbers(re.sub(r'<[^>]+>', ' ', ''.join(t)))
    return pool

def notebook_pool(nb):
    "Every number in a notebook's code cells and their saved outputs"
    return [n for c in nb['cells'] for n in cell_numbers(c)]

def pool_for(cells, i):
    "The numbers a markdown cell may quote: those of the code before it and of the code further on in its own section"
    pool = [n for c in cells[:i] for n in cell_numbers(c)]
    for c in cells[i + 1:]:
        if c['cell_type'] == 'markdown' and ''.join(c['source']).lstrip().startswith('#'): break
        pool += cell_numbers(c)
    return pool

def benchmark_pool():
    "Numbers of the saved benchmark run, with the unit its row names"
    pool = []
    for line in BENCHMARK.read_text().splitlines()[1:]:
        unit = 'MB' if 'MB' in line else 's' if 'seconds' in line else None
        for m in re.finditer(r'(?<![\w.])(\d+(?:\.\d+)?)(x)?(?![\w.])', line.split(':', 1)[-1]):
            pool.append((float(m[1]), 'times' if m[2] else unit))
    return pool

def matches(value, unit, dec, approx, pool):
    "Whether a quoted number agrees with some number of `pool`"
    for o, ounit in pool:
        if unit in ('s', 'MB', 'times'):
            if ounit != unit: continue
        elif unit == 'ms':
            if ounit != 's': continue
            o = o * 1000
        elif unit == 'million': o = o / 1e6
        cands = [o, o * 100] if unit == '%' else [o]
        for c in cands:
            if approx and unit == '%' and abs(c - value) <= 10**-dec: return True  # "about 97%": 96 to 98
            if approx and unit != '%' and c and abs(c - value) <= 0.25 * abs(c): return True
            if not approx and math.isclose(round(c, dec), value, abs_tol=10**-(dec + 3)): return True
    return False

def mismatches(nb, stem):
    "The quoted numbers of a notebook that no saved output backs: `(cell id, as written, context)`"
    bad = []
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] != 'markdown': continue
        pool = pool_for(nb['cells'], i)
        md = ''.join(c['source'])
        for para in re.split(r'\n\s*\n', md):
            extra = benchmark_pool() if 'benchmark.py' in para else []
            for written, value, unit, dec, approx, book, ctx in quotes(para):
                source = ELSEWHERE.get((stem, written))
                if source in POOLS: extra = extra + POOLS[source]  # quoted from another chapter: that chapter's outputs
                elif book or source: continue
                if not matches(value, unit, dec, approx, pool + extra): bad.append((c.get('id'), written, ctx))
    return bad

POOLS = {p.stem: notebook_pool(json.loads(p.read_text())) for p in QUOTING}

@pytest.mark.parametrize('path', QUOTING, ids=lambda p: p.stem)
def test_prose_numbers_match_outputs(path):
    bad = mismatches(json.loads(path.read_text()), path.stem)
    assert not bad, f'{path.name}: numbers in the prose that no saved output shows:\n' + \
        '\n'.join(f'  cell {cid}: {w!r} in "...{ctx}..."' for cid, w, ctx in bad)

@pytest.mark.parametrize('old,new', [('0.9951', '0.9971'), ('1:15', '0:40'), ('48 times', '30 times'),
                                     ('0.8203', '0.8303')])
def test_a_changed_number_is_caught(old, new):
    "A quoted number that no longer matches the page fails the check: the issue's examples (chapters 04, 06), and 10's"
    path = next(p for p in QUOTING if p.stem in ('04_optimizer', '06_cnn', '10_digits') and old in p.read_text())
    nb = json.loads(path.read_text())
    assert not mismatches(nb, path.stem)
    for c in nb['cells']:
        if c['cell_type'] == 'markdown': c['source'] = [s.replace(old, new) for s in c['source']]
    assert any(w == new for _, w, _ in mismatches(nb, path.stem))

def test_book_columns():
    md = "Text 0.5.\n\n| | ours | book |\n|---|---|---|\n| a | 0.9677 | 0.9696 |\n\n| x | book |\n|---|---|\n| 1 | 0.25 |\n"
    assert sorted(md[a:b].strip() for a, b in book_columns(md)) == ['0.25', '0.9696']

def test_approximate_and_unit_rules():
    pool = [(0.9296, None), (31.0, 's'), (75, 's'), (874.0, 'MB')]
    assert matches(92, '%', 0, True, pool) and not matches(92, '%', 0, False, pool)  # "about 92%" but not "92%"
    assert matches(30, 's', 0, True, pool) and not matches(20, 's', 0, True, pool)  # "about twenty seconds" is caught
    assert not matches(874, 's', 0, False, pool)  # 874 MB is not 874 seconds
    assert [q[:6] for q in quotes("took 1:15, about twenty seconds, the book's 0.9971 and `0.5`")] == [
        ('1:15', 75, 's', 0, False, False), ('twenty seconds', 20, 's', 0, True, False),
        ('0.9971', 0.9971, None, 4, False, True)]

@pytest.mark.parametrize('path', CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_further_research(path):
    "Each lesson chapter's last markdown, just before the export cell, is its Further research: questions, no solutions"
    cells = json.loads(path.read_text())['cells']
    assert 'nbdev_export()' in ''.join(cells[-1]['source'])
    last_md = next(''.join(c['source']) for c in reversed(cells) if c['cell_type'] == 'markdown')
    assert last_md.startswith('## Further research\n') and '?' in last_md, f'{path.name}: ends with {last_md[:80]!r}'
    assert sum(''.join(c['source']).count('## Further research') for c in cells) == 1
