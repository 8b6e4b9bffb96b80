"""The website for every reader, in headless Chromium: every page in dark mode (axe-core's colour rules, a phone's width,
the theme that follows the system; light mode and every rule are checked on test_docs_site.py's one visit to each page),
relative links; and the playground on a slow connection, with each of its files missing, at the highest learning rates,
and from the keyboard.

Times are not asserted (a busy machine would fail them): they go to screenshots/playground-budget.json, beside the
screenshots named in each test, for people to read. Without Chromium (or playwright) these tests skip, except in CI
(`CI=true`), where a missing browser is a failure. axe-core comes from docs/node_modules (`npm ci` in docs/).
"""
import json, re
from functools import partial
from pathlib import Path

import pytest
from conftest import (AXE, COLOUR_RULES, DOCS, NO_HEADER, READY, SHOTS, axe, need, open_tab, phone_width, record,
                      site_pages, without)

# one worker (test_docs_site.py is on the other), one Chromium; the site is built once for both (conftest.docs_built)
pytestmark = pytest.mark.xdist_group('site_access')

def tab(chromium, site, path, scheme='light', before=None, timeout=30_000):
    "A tab in a fresh context (a cold cache) on `path`, in `scheme`, as conftest.open_tab opens it"
    SHOTS.mkdir(exist_ok=True)  # for the screenshots the tests take
    context = chromium.new_context(viewport={'width': 1280, 'height': 900}, color_scheme=scheme)
    return open_tab(context, f'{site}/{path}', before, timeout)

def test_every_page_in_dark_mode(chromium, site):
    "On a dark system every page is dark, axe-core's colour rules find nothing serious or critical, and it fits a phone"
    need(AXE.is_file(), f'axe-core is not installed in {AXE.parents[1]}: run `npm ci` in docs/')
    found, wide = {}, {}
    dark = chromium.new_context(viewport={'width': 1280, 'height': 900}, color_scheme='dark')  # one cache, as a reader's
    for path in site_pages():
        page = open_tab(dark, f'{site}/{path}')
        if path == 'playground.html': page.wait_for_function(READY, timeout=60_000)
        assert page.evaluate('document.documentElement.dataset.theme') == 'dark', f'{path}: not dark with a dark system'
        if bad := axe(page, COLOUR_RULES): found[path] = bad
        if path in ('playground.html', 'linear.html'): page.screenshot(path=str(SHOTS/f'dark-{Path(path).stem}.png'))
        if (w := phone_width(page)) > 390: wide[path] = w
        page.close()
    dark.close()
    assert not found, json.dumps(found, indent=1)
    assert not wide, f'wider than a 390 px phone: {wide}'

def test_colour_rules_see_every_look(chromium):
    """axe() asks the colour rules once per look (conftest.LOOKS): still it finds one faint line among two hundred fine
    ones, the same text on a dark background, and a link that looks like the text around it; a second page with
    only the looks already asked about is not asked again"""
    need(AXE.is_file(), f'axe-core is not installed in {AXE.parents[1]}: run `npm ci` in docs/')
    fine = '<p>fine <a href="#a">a link</a></p>' * 200
    bad = ('<p style="color: #bbb">faint</p><div style="background: #222"><p>dark behind</p></div>'
           '<p>text with <a href="#b" style="color: #333; text-decoration: none">a hidden link</a> in it</p>')
    page = chromium.new_page()
    found = []
    for body in (fine + bad, fine + bad):  # the second time every look has been asked about
        page.set_content(f'<html lang="en" data-theme="probe"><head><title>t</title></head><body><main>{body}</main></body></html>')
        found.append(axe(page, COLOUR_RULES))
    page.close()
    assert sorted(v.split(':')[0] for v in found[0]) == ['color-contrast (2)', 'link-in-text-block (1)'], found[0]
    assert found[1] == [], found[1]

def test_theme_switch_still_works(chromium, site):
    "On a dark system the theme's switch still turns the page light"
    page = tab(chromium, site, 'linear.html', 'dark')
    page.locator('.theme-switch-button:visible').first.click()
    page.locator('.theme-change-button[data-mode="light"]:visible').first.click()
    assert page.evaluate('document.documentElement.dataset.theme') == 'light'
    page.context.close()

def test_internal_links_are_relative(docs_built):
    "No page links into the site by its published address or from the server's root, so a local build stays local"
    import build_docs as bd
    base = re.escape(bd.settings()['docs_url'].rstrip('/'))
    bad = {p: hits for p in site_pages() if (hits := re.findall(rf'href="(?:{base}[^"]*|/[^/"][^"]*)"', (DOCS/p).read_text()))}
    assert not bad, bad


def test_toggles_are_named_by_what_they_hide(docs_built):
    "Every collapsed block's toggle is named by its visible words ('Show the check', 'Answer'), not a generic label"
    summaries = [(p, m) for p in site_pages() for m in re.findall(r'<summary([^>]*)>\s*(.*?)</summary>', (DOCS/p).read_text(), re.S)]
    assert summaries
    generic = [p for p, (attrs, _) in summaries if 'aria-label' in attrs]
    assert not generic, f'toggles named by an aria-label instead of their words: {sorted(set(generic))}'
    words = {' '.join(re.sub(r'<[^>]+>', ' ', body).split()) for _, (_, body) in summaries}
    # each pair of words: one shows, as the block is shut or open (a check cell, a question's output)
    assert words <= {'Show the check Hide the check', 'Show the output Hide the output', 'Answer'}, words


# The playground (docs/playground/). Its panels: pg-draw, pg-parabola, pg-roller-coaster, pg-train.
def playground(chromium, site, before=None):
    "A tab on the playground (`tab`: a fresh context), once every panel has started"
    page = tab(chromium, site, 'playground.html', before=before)
    page.wait_for_function(READY, timeout=60_000)
    return page

def test_loading_on_a_slow_connection(chromium, site):
    "At 20 Mbit/s the linear model answers while the runtime loads, and the page says how far it has come"
    def throttle(page):
        cdp = page.context.new_cdp_session(page)
        cdp.send('Network.enable')
        cdp.send('Network.emulateNetworkConditions', dict(offline=False, latency=20, downloadThroughput=20e6/8, uploadThroughput=5e6/8))
    # its load event waited more than 30 s once in five runs on a busy 2-core machine: as long as READY below
    page = tab(chromium, site, 'playground.html', before=throttle, timeout=120_000)
    page.wait_for_function('window.playground && window.playground.drawing.first_prediction', timeout=60_000)
    draw = page.locator('#pg-draw')
    assert 'draw anyway' in draw.locator('.pg-progress').inner_text()
    page.wait_for_function('''window.playground.drawing.models_loaded ||
                              / of 14\\.2 MB/.test(document.querySelector('#pg-draw .pg-progress').textContent)''', timeout=60_000)
    progress, rows = draw.locator('.pg-progress').inner_text(), draw.locator('.pg-answer .pg-says').all_inner_texts()
    draw.screenshot(path=str(SHOTS/'playground-loading.png'))
    if page.evaluate('window.playground.drawing.models_loaded') is None:  # still loading, as at 20 Mbit/s it should be
        assert re.search(r'draw anyway.*[\d.]+ of 14\.2 MB', progress), progress
        assert rows[0] != 'loading…' and rows[1:] == ['loading…', 'loading…'], rows
    page.wait_for_function(READY, timeout=120_000)
    slow = page.evaluate('window.playground.drawing')
    slow_load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    page.context.close()
    page = playground(chromium, site)
    fast = page.evaluate('window.playground.drawing')
    files = page.evaluate('''() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
                               .map(e => new URL(e.name).pathname)''')
    page.context.close()
    # milliseconds from the start of navigation (the load event comes later than the linear model's first answer)
    record(first_answer_ms_20mbit=slow['first_prediction'], all_models_ms_20mbit=slow['all_models'], load_event_ms_20mbit=slow_load,
           first_answer_ms_fast=fast['first_prediction'], all_models_ms_fast=fast['all_models'], **transfer(files))

def transfer(paths):
    "How many files the page loaded and their megabytes as stored; tools/transfer_size.py adds what a compressing host sends"
    files = sorted({DOCS/p.lstrip('/') for p in paths if (DOCS/p.lstrip('/')).is_file()})
    return dict(transfer_files=len(files), megabytes_stored=sum(f.stat().st_size for f in files) / 1e6,
                loaded_files=[f.relative_to(DOCS).as_posix() for f in files])

# each file the playground fetches, and the panels (or model rows) that say so when it is missing
MISSING = {'data.json': ['pg-draw', 'pg-roller-coaster', 'pg-train'], 'digits.bin.gz': ['pg-train'],
           'descent.js': ['pg-parabola', 'pg-roller-coaster'], 'draw.js': ['pg-draw'], 'train.js': ['pg-train'],
           'ort/ort.wasm.bundle.min.mjs': ['mlp', 'cnn'], 'ort/ort-wasm-simd-threaded.wasm': ['mlp', 'cnn'],
           'models/mlp.onnx': ['mlp'], 'models/cnn.onnx': ['cnn']}

@pytest.mark.parametrize('path', MISSING)
def test_a_missing_file_is_named_where_it_breaks(chromium, site, path):
    "A 404 for one file: the panels (or model rows) that need it say 'could not load <file> (404)'; the rest work"
    page, name, message = without(partial(playground, chromium, site), path)
    broken = MISSING[path]
    for panel in ['pg-draw', 'pg-parabola', 'pg-roller-coaster', 'pg-train']:
        error = page.locator(f'#{panel} > .pg-error')
        if panel in broken:
            assert error.is_visible() and message in error.inner_text().lower(), f'{panel}: {error.inner_text()!r}'
        else: assert not error.is_visible(), f'{panel} broke too: {error.inner_text()!r}'
    kinds = page.evaluate('window.playground.drawing.probs ? Object.keys(window.playground.drawing.probs) : []')
    rows = dict(zip(['linear', 'mlp', 'cnn'], page.locator('#pg-draw .pg-answer .pg-says').all_inner_texts()))
    for kind in ('mlp', 'cnn'):
        if kind in broken: assert rows[kind] == message and kind not in kinds, rows
    if 'pg-draw' not in broken:  # the models that could load answer
        assert set(kinds) == {'linear', 'mlp', 'cnn'} - set(broken), kinds
        assert message in page.locator('#pg-draw .pg-progress').inner_text() or not {'mlp', 'cnn'} & set(broken)
    if 'pg-parabola' not in broken:  # and the parabola, which needs nothing, still steps
        page.locator('#pg-parabola .pg-step').click()
        assert 'The loss fell' in page.locator('#pg-parabola .pg-verdict').inner_text()
    where = 'pg-draw' if 'pg-draw' in broken or broken[0] in ('mlp', 'cnn') else broken[0]
    page.locator(f'#{where}').screenshot(path=str(SHOTS/f'playground-404-{name}.png'), style=NO_HEADER)
    page.context.close()

STEPS = '''async panel => {
  const root = document.getElementById(panel), slider = root.querySelector('input[type=range]');
  root.querySelector('.pg-reset').click();
  slider.value = slider.max; slider.dispatchEvent(new Event('input'));
  const start = performance.now();
  for (let i = 0; i < 500; i++) root.querySelector('.pg-step').click();
  return {ms: performance.now() - start, verdict: root.querySelector('.pg-verdict').textContent,
          labels: [...root.querySelectorAll('canvas')].map(c => c.getAttribute('aria-label'))};
}'''

def test_descent_charts_cannot_hang(chromium, site):
    "500 steps at each chart's highest rate end (a 30 s guard, not a budget) in a sentence about overshooting, not NaN"
    page = playground(chromium, site)
    took = {}
    for panel in ['pg-parabola', 'pg-roller-coaster']:
        page.evaluate(f'({STEPS})({json.dumps(panel)}).then(r => window.steps_done = r)')
        page.wait_for_function('window.steps_done', timeout=30_000)
        r = page.evaluate('window.steps_done')
        page.evaluate('window.steps_done = null')
        took[panel] = r['ms']
        assert 'overshot' in r['verdict'] and not re.search(r'NaN|Infinity', r['verdict'] + ''.join(r['labels'])), r
    page.locator('#gradient-descent-by-hand').screenshot(path=str(SHOTS/'playground-overshot.png'), style=NO_HEADER)
    record(steps_500_parabola_ms=took['pg-parabola'], steps_500_roller_coaster_ms=took['pg-roller-coaster'])
    page.locator('#pg-parabola .pg-reset').click()
    page.locator('#pg-parabola input[type=range]').evaluate('el => { el.value = 1; el.dispatchEvent(new Event("input")); }')
    page.locator('#pg-parabola .pg-step').click()
    assert page.locator('#pg-parabola .pg-verdict').inner_text().endswith('The loss stayed the same, at 2.25.')
    page.context.close()

def test_sample_digits_by_keyboard_answered_aloud(chromium, site):
    "Tab to the row of MNIST digits and press Enter or Space: every model reads it as Python does, and the answer is announced"
    import numpy as np
    from mnist37.inference import prob_3
    from mnist37.models import packaged_model
    samples = json.loads((DOCS/'playground'/'data.json').read_text())['samples']
    page = playground(chromium, site)
    page.locator('#pg-draw .pg-clear').focus()
    said = page.locator('#pg-draw [aria-live]')
    buttons = page.locator('#pg-draw .pg-sample')
    assert buttons.count() == len(samples) + 1
    for i, s in enumerate([*samples, None]):
        page.keyboard.press('Tab')  # from Clear, or from the last sample, to the next one
        assert page.evaluate('document.activeElement.classList.contains("pg-sample")')
        page.keyboard.press('Enter' if i % 2 else ' ')
        page.wait_for_function('!window.playground.drawing.busy')
        page.wait_for_function('el => el.textContent !== ""', arg=said.element_handle())
        got = page.evaluate('window.playground.drawing.probs')
        assert buttons.nth(i).get_attribute('aria-pressed') == 'true'
        if s is None:
            assert got is None and 'blank' in said.inner_text(), said.inner_text()
            continue
        x = np.array(s['pixels'], np.float32).reshape(1, 28, 28) / 255
        for kind, p in got.items():
            assert abs(p - prob_3(packaged_model(kind), x).item()) < 1e-4, (i, kind)
        assert f'CNN: {s["label"]} (' in said.inner_text(), said.inner_text()
        if i == 1: page.locator('#draw-a-3-or-a-7 .pg-draw').screenshot(path=str(SHOTS/'playground-samples.png'))
    page.context.close()

def test_sliders_and_charts_say_what_they_show(chromium, site):
    "Each slider tells a screen reader the value shown beside it; each chart has a one-sentence summary"
    page = playground(chromium, site)
    for sel, value, text in [('#pg-roller-coaster input', '-5', '1e-5'), ('#pg-parabola input', '1', '1'),
                             ('#pg-train .pg-lr', '0', '1'), ('#pg-train .pg-bs', '8', '256 (8 batches an epoch)'),
                             ('#pg-train .pg-bs', '11', '2000 (1 batch an epoch)')]:
        s = page.locator(sel)
        s.evaluate('(el, v) => { el.value = v; el.dispatchEvent(new Event("input")); }', value)
        assert s.get_attribute('aria-valuetext') == text == s.evaluate('el => el.nextElementSibling.textContent'), sel
    labels = page.locator('canvas.pg-chart').evaluate_all('cs => cs.map(c => [c.getAttribute("role"), c.getAttribute("aria-label")])')
    assert len(labels) == 4 and all(r == 'img' and re.match(r'Chart of .+\.$', l) for r, l in labels), labels
    page.context.close()
