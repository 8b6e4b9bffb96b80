"""The playground's "Draw any digit" experiment and the hand-drawn digit set (tests/fixtures/handwriting/, read by
tools/handwriting.py): digits drawn with the mouse in Chromium are read right by the ten-digit CNN, a drawn 3 and 7 by
every model, samples chosen with the keyboard are read as Python reads them, a missing file is named where it breaks.

The ten-digit models are mnist37/assets/cnn10.onnx and linear10.pt/.onnx. Tests that need them skip without them,
except in CI (`CI=true`), where that is a failure, as a missing browser is. Times are recorded in
screenshots/playground-budget.json, never asserted.
"""
import json, re, shutil, subprocess, sys
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from conftest import NO_HEADER, READY, SHOTS, draw, need, open_tab, record, without

import build_playground as bp
import handwriting as hw

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.xdist_group('docs_site')  # the worker that builds the site once (conftest.docs_built)


def assets():
    "The folder of the ten-digit models, once they are known to be there (else skip, or fail in CI)"
    from mnist37.storage import assets_dir
    missing = [f for f in ['cnn10.onnx', 'linear10.onnx', 'linear10.pt'] if not (assets_dir()/f).is_file()]
    need(not missing, f'the ten-digit models are not in {assets_dir()}: {", ".join(missing)}')
    return assets_dir()


# The hand-drawn set, without a browser

def test_handwriting_set_has_every_digit_in_several_shapes():
    "Ten files, three different shapes of each digit, each rendered four ways inside the canvas: 12 pictures a digit"
    shapes = hw.load_set()
    assert list(shapes) == [str(d) for d in range(10)]
    for d, ss in shapes.items():
        assert len(ss) >= 3 and len({s['name'] for s in ss}) == len(ss), d
        assert len({json.dumps(s['strokes']) for s in ss}) == len(ss), f'{d}: two shapes are the same strokes'
        for s in ss:
            for j, (pen, slant, size, wobble) in enumerate(hw.RENDERINGS):
                pts = np.concatenate([np.array(t) for t in hw.transform(s['strokes'], slant, size, wobble, seed=j)])
                assert (pts - pen / 2 >= 0).all() and (pts + pen / 2 <= hw.SIDE).all(), f'{d} {s["name"]}: off the canvas'
    assert len(shapes['1'][2]['strokes']) == 2  # the 1 with a base is drawn in two strokes, as people draw it

def test_handwriting_pictures_are_prepared_as_predict_prepares_a_photo():
    "Each picture is `preprocess` of the rendered strokes: a 28x28 digit, the same every time, different for each rendering"
    from mnist37.images import preprocess
    shape = hw.load_set()['4'][0]
    pics = [hw.prepared('4', shape, 0, j) for j in range(len(hw.RENDERINGS))]
    assert all(p.shape == (28, 28) and p.dtype == np.float32 and p.max() == 1 for p in pics)
    assert np.array_equal(pics[0], preprocess(hw.render(shape['strokes'], 22)))
    assert np.array_equal(pics[1], hw.prepared('4', shape, 0, 1)), 'not seeded'
    assert all(np.abs(a - b).mean() > 0.02 for i, a in enumerate(pics) for b in pics[i + 1:]), 'two renderings look alike'

def test_handwriting_tool_names_a_missing_model_in_one_line(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'handwriting.py'), '--assets', str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and r.stdout == ''
    assert r.stderr.count('\n') == 1 and 'cnn10.onnx is missing' in r.stderr, r.stderr

def test_handwriting_tool_reports_every_digit_for_both_models(tmp_path):
    "The tool's table: a row per digit with right/12 for cnn10 and linear10, and the overall accuracy"
    assets()
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'handwriting.py'), '--sheet', str(tmp_path/'set.png')],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    rows = re.findall(r'^\s+(\d)\s+(\d+)/(\d+)\s+(\d+)/(\d+)$', r.stdout, re.M)
    assert [row[0] for row in rows] == [str(d) for d in range(10)], r.stdout
    assert all(int(n1) == int(n2) == 12 and int(a) <= 12 and int(b) <= 12 for _, a, n1, b, n2 in rows), r.stdout
    assert (tmp_path/'set.png').is_file()
    print(r.stdout)  # shown with -s: the numbers the coordinator quotes come from `python tools/handwriting.py`


# What the build gives the page, without a browser

@pytest.fixture(scope='module')
def ten():
    return bp.ten_data()

def test_page_runs_the_contracts_models_under_their_names(ten):
    "The kinds, the class order and the row of samples come from the build; the linear model's weights from linear10.pt"
    from mnist37.kinds import KINDS
    assert ten['kinds'] == ['cnn10', 'linear10'] and set(ten['kinds']) == {k for k in KINDS if KINDS[k].scores == 10}
    assert ten['onnx'] == ['cnn10'] and ten['linear']['kind'] == 'linear10' and ten['vocab'] == [str(d) for d in range(10)]
    assert bp.page_data()[0]['kinds'] == ['linear', 'mlp', 'cnn'], 'the 3-vs-7 panel shows only the 3-vs-7 models'
    assert [s['label'] for s in ten['samples']] == ten['vocab'] and all(len(s['pixels']) == 784 for s in ten['samples'])
    js = ''.join(p.read_text() for p in bp.SRC.glob('*.js'))
    assert not re.search(r"'(cnn10|linear10)'", js), 'the JavaScript must read the model names from data.json'
    if (p := bp.ten_asset('linear10.pt')) is None: return
    import torch
    state = torch.load(p, weights_only=True)
    w = next(v for v in state.values() if tuple(v.shape) == (10, 784))
    assert np.array_equal(np.float32(ten['linear']['weights']), w.numpy().ravel()), 'not the float32 weights, exactly'

@pytest.mark.skipif(not shutil.which('node'), reason='no Node.js')
def test_javascript_linear10_gives_the_onnx_models_chances(ten, tmp_path):
    "linear.js's `linear_scores` and models.js's `softmax` with data.json's weights: linear10.onnx's chances, to 1e-5"
    import onnxruntime as ort
    a = assets()
    x = np.stack([p[3] for p in hw.pictures()][::7])
    s = ort.InferenceSession(str(a/'linear10.onnx'), providers=['CPUExecutionProvider']).run(['scores'], {'images': x})[0]
    want = np.exp(s - s.max(1, keepdims=True)); want /= want.sum(1, keepdims=True)
    script = tmp_path/'run.mjs'
    script.write_text(f'''import {{readFileSync, writeFileSync}} from 'node:fs';
import {{linear_scores}} from {json.dumps((bp.SRC/'linear.js').as_uri())};
import {{softmax}} from {json.dumps((bp.SRC/'models.js').as_uri())};
const {{lin, pics}} = JSON.parse(readFileSync(process.argv[2]));
const model = {{weights: Float32Array.from(lin.weights), bias: Float32Array.from(lin.bias)}};
writeFileSync(process.argv[3], JSON.stringify(pics.map(p => softmax(linear_scores(Float32Array.from(p), model)))));''')
    (tmp_path/'in.json').write_text(json.dumps(dict(lin=ten['linear'], pics=x.reshape(len(x), -1).tolist())))
    subprocess.run(['node', str(script), str(tmp_path/'in.json'), str(tmp_path/'out.json')], check=True, timeout=60)
    got = np.array(json.loads((tmp_path/'out.json').read_text()))
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert (got.argmax(1) == want.argmax(1)).all()


# The page, in Chromium

def tab(chromium, site, scheme='light', width=1280, before=None):
    "A fresh tab on the playground (conftest.open_tab, with its `.errors`), once every panel has started"
    ctx = chromium.new_context(viewport={'width': width, 'height': 900}, color_scheme=scheme)
    page = open_tab(ctx, f'{site}/playground.html', before)
    page.wait_for_function(READY, timeout=90_000)
    return page

def drawn(digit): return hw.load_set()[digit][0]['strokes']  # the first shape of each digit, as the set draws it

def top(probs): return str(int(np.argmax(probs)))

def test_drawn_digits_are_read_by_the_ten_digit_cnn(chromium, site, tmp_path):
    "0, 1, 2, 4, 5, 6, 8 and 9, drawn with the mouse: the CNN reads each right, on the page and in Python from the canvas"
    import onnxruntime as ort
    from mnist37.images import preprocess
    cnn = ort.InferenceSession(str(assets()/'cnn10.onnx'), providers=['CPUExecutionProvider'])
    page = tab(chromium, site)
    page.wait_for_function('window.playground.digits.models_loaded')
    first = page.evaluate('window.playground.digits')
    read = {}
    for d in '01245689':
        png = tmp_path/f'{d}.png'  # the canvas as a reader would save it
        got = draw(page, 'pg-digits', drawn(d), 'digits', png)
        read[d] = {k: top(p) for k, p in got['probs'].items()}
        x = preprocess(png)
        assert np.abs(x - np.array(got['picture']).reshape(28, 28)).mean() <= 0.02, f'{d}: the page prepared it differently'
        assert top(cnn.run(['scores'], {'images': x[None]})[0][0]) == d, f'Python\'s CNN misreads the drawn {d}'
        shown = page.locator('#pg-digits .pg-answer10').evaluate_all('ps => ps.map(p => p.dataset.digit)')
        assert shown[0] == read[d]['cnn10'] == d, f'the CNN reads the drawn {d} as {read[d]}; the page shows {shown}'
        if d == '5': page.locator('section#draw-any-digit').screenshot(path=str(SHOTS/'playground-digits.png'), style=NO_HEADER)
    load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")  # all three: ms since navigation started
    record(digits_load_event_ms=load, digits_first_prediction_ms=first['first_prediction'], digits_first_cnn10_ms=first.get('first_cnn10'),
           digits_models_loaded_ms=first['models_loaded'], digits_drawn=read)
    assert page.errors == []
    page.context.close()

def test_drawn_3_and_7_are_read_by_every_model(chromium, site):
    "A drawn 3 and 7: the three 3-vs-7 models and both ten-digit models read them right; the 3-vs-7 panel says its limit"
    assets()
    page = tab(chromium, site)
    page.wait_for_function('window.playground.drawing.models_loaded && window.playground.digits.models_loaded')
    only = page.locator('#pg-draw .pg-only')
    assert only.is_visible() and 'only 3 and 7' in only.inner_text()
    for d in '37':
        got = draw(page, 'pg-draw', drawn(d), 'drawing')
        assert set(got['probs']) == {'linear', 'mlp', 'cnn'} and all((p >= 0.5) == (d == '3') for p in got['probs'].values()), got['probs']
        assert page.locator('#pg-draw .pg-answer').evaluate_all('rs => rs.map(r => r.dataset.digit)') == [d] * 3
        got = draw(page, 'pg-digits', drawn(d), 'digits')
        assert {k: top(p) for k, p in got['probs'].items()} == {'cnn10': d, 'linear10': d}, got['probs']
    five = draw(page, 'pg-draw', drawn('5'), 'drawing')  # what the line warns of: a 5 gets a 3 or a 7
    assert set(page.locator('#pg-draw .pg-answer').evaluate_all('rs => rs.map(r => r.dataset.digit)')) <= {'3', '7'}, five
    assert page.errors == []
    page.context.close()

def test_samples_by_keyboard_are_read_as_python_reads_them(chromium, site, ten):
    "Tab to the row of hand-drawn samples, press Enter: both models give Python's chances, and the answer is said aloud"
    import onnxruntime as ort
    cnn = ort.InferenceSession(str(assets()/'cnn10.onnx'), providers=['CPUExecutionProvider'])
    w, b = (np.array(ten['linear'][k], np.float32) for k in ('weights', 'bias'))
    page = tab(chromium, site)
    page.wait_for_function('window.playground.digits.models_loaded')
    page.locator('#pg-digits .pg-clear').focus()
    said = page.locator('#pg-digits [aria-live]')
    for i, s in enumerate([*ten['samples'], None]):
        page.keyboard.press('Tab')
        assert page.evaluate('document.activeElement.classList.contains("pg-sample")')
        page.keyboard.press('Enter')
        page.wait_for_function('!window.playground.digits.busy')
        page.wait_for_function('el => el.textContent !== ""', arg=said.element_handle())
        got = page.evaluate('window.playground.digits.probs')
        if s is None:
            assert got is None and 'blank' in said.inner_text()
            continue
        x = np.array(s['pixels'], np.float32).reshape(1, 28, 28) / 255
        for kind, scores in [('cnn10', cnn.run(['scores'], {'images': x})[0][0]), ('linear10', x.reshape(784) @ w.reshape(10, 784).T + b)]:
            p = np.exp(scores - scores.max()); p /= p.sum()
            np.testing.assert_allclose(got[kind], p, atol=1e-4, err_msg=f'{kind} on the sample {s["label"]}')
        assert f'CNN: {top(got["cnn10"])} (' in said.inner_text(), said.inner_text()
    assert page.errors == []
    page.context.close()

def test_dark_phone_screenshot(chromium, site):
    "At 390 px in dark mode the experiment fits the screen (the screenshot is for people to look at)"
    assets()
    page = tab(chromium, site, scheme='dark', width=390)
    page.wait_for_function('window.playground.digits.models_loaded')
    draw(page, 'pg-digits', drawn('2'), 'digits')
    page.locator('#pg-digits').screenshot(path=str(SHOTS/'playground-digits-dark-390.png'), style=NO_HEADER)
    assert page.evaluate('document.documentElement.scrollWidth') <= 390
    assert page.evaluate("document.querySelector('#pg-digits').getBoundingClientRect().right") <= 390
    page.context.close()

@pytest.mark.parametrize('path', ['models/cnn10.onnx', 'digits.js'])
def test_a_missing_file_is_named_where_it_breaks(chromium, site, path):
    "A 404 for the CNN's .onnx: its line names the file and the linear model still answers; for digits.js: the panel"
    page, name, message = without(partial(tab, chromium, site), path)
    panel = page.locator('#pg-digits')
    if path == 'digits.js':
        error = panel.locator('> .pg-error')
        assert error.is_visible() and message in error.inner_text().lower(), error.inner_text()
        assert page.evaluate('Object.keys(window.playground.drawing.probs)').__len__() == 3  # the 3-vs-7 panel still works
    else:
        page.wait_for_function('window.playground.digits.models_loaded')
        lines = panel.locator('.pg-answer10 .pg-says').all_inner_texts()
        assert lines[0] == message and re.fullmatch(r'\d \(\d+\.\d%\)', lines[1]), lines
        assert message in panel.locator('.pg-progress').inner_text()
        assert list(page.evaluate('window.playground.digits.probs')) == ['linear10']
    panel.screenshot(path=str(SHOTS/f'playground-digits-404-{name}.png'), style=NO_HEADER)
    page.context.close()
