"""The docs website, built by `make docs`'s command and looked at in a real browser (headless Chromium).

Builds `_docs/` once, serves it on a loopback port, opens each page once, and checks what a reader would notice: titles
and the sidebar (chapters numbered), images that load, tables, no leftover nbdev syntax, no console errors, nothing
fetched from outside this machine, check cells, answers and the outputs of questions collapsed, links that resolve, a
search that finds an exported function, an import line in each API entry, and a link to run each chapter; and on the
same visit, axe-core's accessibility rules and a phone's width (dark mode: test_site_access.py). A screenshot of each
page goes to `screenshots/` for people to look at. Without Chromium (or playwright) the browser checks skip, except in
CI (`CI=true`), where a missing browser is a failure.
"""
import inspect, json, os, re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import build_docs as bd
from conftest import AXE, DOCS, NO_HEADER, READY, SHOTS, axe, draw, need, open_tab, phone_width, record, site_pages

ROOT = Path(__file__).resolve().parents[1]

CHAPTERS = [bd.page_name(nb) for nb in bd.notebooks() if nb.name != 'index.ipynb']
NAMES = ['index', *CHAPTERS, 'api']
CHECK_YOURSELF = [bd.page_name(nb) for nb in bd.notebooks() if re.match(r'0[1-6]_', nb.name)]  # chapters with exercises
pytestmark = pytest.mark.xdist_group('docs_site')  # one worker; test_site_access.py on the other, the same build

@pytest.fixture(scope='module')
def pages():
    "`{name: page}`: what the notebooks say each page shows, read by the build's own code"
    return {p['name']: p for p in map(bd.read_page, bd.notebooks())}

def test_module_docs_links_resolve(pages, docs_built):
    "nbdev ends each module's docstring with `Docs: <docs url><page>.html.md`: that file is part of the site"
    base = bd.settings()['docs_url']
    links = {f.name: m[1] for f in (ROOT/'mnist37').glob('*.py') if (m := re.search(r'^Docs: (https?://[^\s"]+)', f.read_text(), re.M))}
    assert links, 'no module has a Docs: link'
    for mod, url in links.items():
        assert url.startswith(base), f'{mod}: {url} is not under {base}'
        page = DOCS/(url.removeprefix(base) or 'index.html')  # the package's own docstring names the landing page
        assert page.is_file(), f'{mod}: {url} is not in the built site'
        if page.name.endswith('.html.md'):
            assert page.read_text().startswith(f'# {pages[page.name.removesuffix(".html.md")]["title"]}\n')

@pytest.fixture(scope='module')
def browser(chromium, site):
    "A browser context on the served site (conftest's `chromium` and `site`), at a laptop's size"
    ctx = chromium.new_context(viewport={'width': 1280, 'height': 900})
    ctx.site = site
    yield ctx
    ctx.close()

def open_page(ctx, path): return open_tab(ctx, f'{ctx.site}/{path}')

# What each check needs from a page, read in one go
_READ = '''() => {
  const art = document.querySelector('article.bd-article');
  const h1 = art.querySelector('h1');
  return {
    title: document.title,
    h1: h1 ? [...h1.childNodes].filter(n => !(n.classList && n.classList.contains('headerlink'))).map(n => n.textContent).join('').trim() : '',
    text: art.innerText,
    sidebar: [...document.querySelectorAll('nav.bd-docs-nav p.caption')].map(c => [c.textContent.trim(),
      [...c.nextElementSibling.querySelectorAll('a')].map(a => [a.getAttribute('href'), a.textContent.trim()])]),
    images: [...art.querySelectorAll('img')].map(e => [e.getAttribute('src'), e.complete && e.naturalWidth > 0]),
    tables: art.querySelectorAll('table').length,
    links: [...document.querySelectorAll('a[href]')].map(e => e.href),
  };
}'''

@pytest.fixture(scope='module')
def visits(browser):
    """`{path: visit}` for every page, each loaded once: its tab's errors, title and text, its theme, what axe-core found
    (None without axe-core) and its width at 390 px; for the landing page, chapters and API page also what _READ found,
    and the tab itself, left open for the tests that click"""
    SHOTS.mkdir(exist_ok=True)
    res = {}
    for path in site_pages():
        name = path.removesuffix('.html')
        tab = open_page(browser, path)
        if path == 'playground.html': tab.wait_for_function(READY, timeout=60_000)
        v = res[path] = dict(read=tab.evaluate(_READ) if name in NAMES else None)
        tab.wait_for_load_state('networkidle')  # late requests (fonts, search index) have had their chance to fail
        if name in NAMES:  # the top of each page for people to look at; whole pages (slow to render) with MNIST37_SCREENSHOTS=full
            tab.screenshot(path=str(SHOTS/f'{name}.png'), full_page=os.environ.get('MNIST37_SCREENSHOTS') == 'full')
        v.update(title=tab.title(), text=tab.locator('body').inner_text(), theme=tab.evaluate('document.documentElement.dataset.theme'),
                 axe=axe(tab) if AXE.is_file() else None, width=phone_width(tab), errors=tab.errors)
        if name in NAMES: v['tab'] = tab
        else: tab.close()
    return res

@pytest.fixture(scope='module')
def opened(visits):
    "`{name: (tab, what _READ found)}` for the landing page, every chapter and the API page"
    return {n: (visits[f'{n}.html']['tab'], visits[f'{n}.html']['read']) for n in NAMES}

def test_every_page_passes_axe_and_fits_a_phone(visits):
    "axe-core finds nothing serious or critical on any page; the theme follows a light system; nothing scrolls sideways at 390 px"
    need(AXE.is_file(), f'axe-core is not installed in {AXE.parents[1]}: run `npm ci` in docs/')
    assert all(v['theme'] == 'light' for v in visits.values()), {p: v['theme'] for p, v in visits.items()}
    found = {p: v['axe'] for p, v in visits.items() if v['axe']}
    assert not found, json.dumps(found, indent=1)
    wide = {p: v['width'] for p, v in visits.items() if v['width'] > 390}
    assert not wide, f'wider than a 390 px phone: {wide}'

@pytest.mark.parametrize('name', NAMES)
def test_titles_and_sidebar(pages, opened, name):
    "The page title, the tab's title and the sidebar's entries all come from the notebooks' H1s; appendices apart"
    r = opened[name][1]
    title = pages[name]['title'] if name in pages else 'API reference'
    assert r['h1'] == title and r['title'].startswith(f'{title} \u2014 ')
    # the sidebar links the page it is on as '#'
    got = [(cap, [(h.split('#')[0].removesuffix('.html') or name, t) for h, t in links]) for cap, links in r['sidebar']]
    lesson, appendix = ([(n, pages[n]['title']) for n in CHAPTERS if bd.is_appendix(pages[n]['path']) == a] for a in (0, 1))
    assert got == [('The lesson', lesson)] + [('Appendix', appendix)] * bool(appendix) + [('Reference', [('api', 'API reference')])]
    unnumbered = [t for n, t in lesson if not t.startswith(f'Chapter {pages[n]["path"].name[:2]}: ')]
    assert not unnumbered, f'lesson chapters without their notebook\'s number in the sidebar: {unnumbered}'

@pytest.mark.parametrize('name', NAMES)
def test_page_is_clean(opened, name):
    "No console errors or outside requests, and no nbdev syntax left on the page"
    tab, r = opened[name]
    assert tab.errors == []
    for bad in ['#|', ':::', 'default_exp', 'output-file:', 'show_doc(', '{eval-rst}', '{py:obj}']:
        assert bad not in r['text'], f'{name}.html shows {bad!r}'
    assert not re.search(r'^\s*(title|description):\s', r['text'], re.M), f'{name}.html shows front matter'

@pytest.mark.parametrize('name', CHAPTERS)
def test_images_and_tables(pages, opened, name):
    "Every image output of the notebook is on the page and loads; every markdown table is a table"
    r = opened[name][1]
    cells = pages[name]['cells']
    images = sum(any(k.startswith('image/') for k in o.get('data', {})) for c in cells if c['cell_type'] == 'code'
                 for o in c['outputs'])
    assert len(r['images']) >= images, f'{name}: {images} image outputs, {len(r["images"])} images on the page'
    assert all(ok for _, ok in r['images']), f'{name}: images that did not load: {[s for s, ok in r["images"] if not ok]}'
    tables = sum(len(re.findall(r'^\|[-:| ]+\|\s*$', c['source'], re.M)) for c in cells if c['cell_type'] == 'markdown')
    assert r['tables'] >= tables and '|---' not in r['text']

@pytest.mark.parametrize('name', NAMES)
def test_internal_links_resolve(opened, name, browser):
    "Every link within the site leads to a file that exists, and to an anchor on it that exists"
    bad = []
    for h in set(opened[name][1]['links']):
        u = urlsplit(h)
        if f'{u.scheme}://{u.netloc}' != browser.site: continue
        f = DOCS/unquote(u.path).lstrip('/')
        if not f.is_file(): bad.append(h)
        elif u.fragment and f.suffix == '.html' and f'id="{unquote(u.fragment)}"' not in f.read_text(errors='replace'):
            bad.append(h)
    assert not bad, f'{name}.html has broken links: {sorted(bad)}'

@pytest.mark.parametrize('name', CHAPTERS)
def test_chapter_links_to_run_it(pages, opened, name):
    "Each chapter links to itself in Colab (once: in its own text, or else above it) and on GitHub, and offers a download"
    tab, s = opened[name][0], bd.settings()
    path = f'{s["branch"]}/nbs/{pages[name]["path"].name}'
    github = s['repo'].removeprefix('https://github.com/')
    assert tab.locator(f'article a[href="https://colab.research.google.com/github/{github}/blob/{path}"]').count() == 1
    assert tab.locator(f'.run-links a[href="{s["repo"]}/blob/{path}"]').count() == 1
    href = tab.locator('.run-links a.download').get_attribute('href')
    assert href.endswith(pages[name]['path'].name) and json.loads((DOCS/href).read_text())['cells'], 'the download is not the notebook'

def test_check_cells_are_collapsed(pages, opened):
    "A cell that only checks (`test_eq`, `assert`) shows as 'Show the check'; its code appears when that is clicked"
    name = next(n for n in CHAPTERS if any('hide-input' in c.get('tags', []) for c in pages[n]['cells']))
    tab = opened[name][0]
    tab.bring_to_front()
    checks = tab.locator('article details.hide.above-input')
    assert checks.count() == sum('hide-input' in c.get('tags', []) for c in pages[name]['cells'])
    first = checks.first
    first.scroll_into_view_if_needed()
    code = first.locator('.cell_input pre')
    assert first.locator('summary').inner_text().strip() == 'Show the check' and not code.is_visible()
    first.locator('summary').click()
    assert code.is_visible() and re.search(r'\b(test_\w+|assert)\b', code.inner_text())
    first.screenshot(path=str(SHOTS/f'{name}-check-open.png'))
    first.locator('summary').click()
    assert not code.is_visible()

def test_answer_blocks_are_collapsed(pages, opened):
    "An answer in `<details><summary>...</summary>` is hidden until its summary is clicked, its markdown rendered"
    answers = {}  # each page's first answer block, the one checked on the page
    for n in pages:
        for c in pages[n]['cells']:
            if c['cell_type'] == 'markdown' and re.search(r'<details>\s*<summary>', c['source']): answers.setdefault(n, c['source'])
    missing = [n for n in CHECK_YOURSELF if n not in answers]
    assert not missing, f'lesson chapters without a collapsed answer in their Check yourself section: {missing}'
    for name, md in answers.items():
        tab = opened[name][0]
        tab.bring_to_front()
        summary_text = re.search(r'<summary>(.*?)</summary>', md, re.S)[1].strip()
        block = tab.locator('article details:not(.hide)', has=tab.locator('summary', has_text=summary_text)).first
        body = block.locator(':scope > :not(summary)').first
        assert block.count() and not body.is_visible(), f'{name}: the answer block is not collapsed'
        block.locator('summary').click()
        assert body.is_visible()
        block.screenshot(path=str(SHOTS/f'{name}-answer-open.png'))
        text = block.inner_text()
        assert '```' not in text and '](' not in text, f'{name}: markdown inside the answer is not rendered'
        if '`' in re.search(r'<details>.*?</details>', md, re.S)[0]:
            assert block.locator('code').count(), f'{name}: code in the answer is not rendered as code'

def test_question_outputs_hidden_until_clicked(pages, opened):
    "Each Check yourself question shows its code, and its output only once 'Show the output' is clicked"
    for name in CHECK_YOURSELF:
        tab = opened[name][0]
        asks = [c for c in pages[name]['cells'] if 'hide-output' in c.get('tags', [])]
        cells = tab.locator('article div.cell.tag_hide-output')
        assert len(asks) >= 2 and cells.count() == len(asks), f'{name}: {len(asks)} questions, {cells.count()} on the page'
        for i in range(cells.count()):
            cell = cells.nth(i)
            assert cell.locator('.cell_input pre').is_visible(), f'{name}: question {i + 1} hides its code'
            out = cell.locator('.cell_output')
            assert out.count() == 1 and not out.is_visible(), f'{name}: question {i + 1} shows its output before a click'
    name = CHECK_YOURSELF[0]
    tab, ask = opened[name][0], next(c for c in pages[name]['cells'] if 'hide-output' in c.get('tags', []))
    tab.bring_to_front()
    cell = tab.locator('article div.cell.tag_hide-output').first
    cell.scroll_into_view_if_needed()
    cell.screenshot(path=str(SHOTS/f'{name}-question-before.png'))
    summary, out = cell.locator('details.below-input > summary'), cell.locator('.cell_output')
    assert summary.inner_text().strip() == 'Show the output'
    summary.click()
    text = ''.join(ask['outputs'][0]['data']['text/plain']).strip()
    assert out.is_visible() and out.inner_text().strip() == text, out.inner_text()
    cell.screenshot(path=str(SHOTS/f'{name}-question-after.png'))
    summary.click()
    assert not out.is_visible()

def test_api_reference_lists_every_export(pages, opened):
    "Every function and class of every module is on the API page, with its docstring"
    import importlib
    entries = dict(opened['api'][0].locator('dl.py').evaluate_all(
        'els => els.map(e => [e.querySelector("dt .sig-name").textContent, e.querySelector("dd").textContent.trim()])'))
    mods = {f'{bd.settings()["package"]}.{p["module"]}' for p in pages.values() if p['module']}
    for mod in mods:
        m = importlib.import_module(mod)
        names = [n for n in m.__all__ if inspect.isfunction(getattr(m, n)) or inspect.isclass(getattr(m, n))]
        assert not set(names) - set(entries), f'{mod}: {sorted(set(names) - set(entries))} missing from the API page'
        assert all(entries[n] for n in names), f'{mod}: an entry without a docstring'
        assert all(entries[n].startswith(f'from {mod} import {n}') for n in names), f'{mod}: an entry without its import line'

def test_entries_show_signature_docstring_and_docments(pages, opened):
    "Each exported function's entry on its chapter shows its parameters, its docstring, and each parameter's comment"
    from fastcore.docments import docments
    plain = str.maketrans({'`': None, '*': None, '\u2018': "'", '\u2019': "'", '\u201c': '"', '\u201d': '"'})
    def words(t): return ' '.join(t.translate(plain).split())  # as text, with smart quotes undone
    for name in CHAPTERS:
        for c in pages[name]['cells']:
            if c['cell_type'] != 'doc' or not inspect.isfunction(c['obj']): continue
            text = words(opened[name][0].locator(f'dl.py:has(> dt[id="{c["name"]}"])').inner_text(timeout=1000))
            for p in inspect.signature(c['obj']).parameters: assert p in text, f'{c["name"]}: no parameter {p}'
            assert words(inspect.getdoc(c['obj']).split('\n')[0]) in text, f'{c["name"]}: no docstring'
            mod, _, fn = c['name'].rpartition('.')
            assert f'from {mod} import {fn}' in text, f'{c["name"]}: no import line'
            for k, v in docments(c['obj'], full=False).items():
                assert not v or words(v) in text, f'{c["name"]}: the comment on {k} is missing'

def test_search_finds_an_exported_function_on_its_chapter(pages, browser):
    "Typing an exported function's name in the search box lists the chapter that builds it"
    fn, page = next((c['name'].rpartition('.')[2], n) for n in CHAPTERS for c in pages[n]['cells']
                    if c['cell_type'] == 'doc' and inspect.isfunction(c['obj']))
    tab = open_page(browser, 'index.html')
    tab.keyboard.press('Control+k')
    box = tab.locator('input[name="q"]:visible').first
    box.fill(fn); box.press('Enter')
    tab.wait_for_url(re.compile(r'search\.html'))
    tab.wait_for_selector('#search-results ul.search li', timeout=15000)
    tab.screenshot(path=str(SHOTS/f'search-{fn}.png'))
    links = tab.locator('#search-results ul.search li a').evaluate_all('els => els.map(e => e.getAttribute("href"))')
    assert f'{page}.html' in [h.split('#')[0].split('?')[0].rsplit('/', 1)[-1] for h in links], links
    assert tab.errors == []

def test_other_pages_load_cleanly(visits):
    "The pages Sphinx adds (index of names, search, highlighted source) and the playground load without errors or leftover syntax"
    others = [p for p in visits if p.removesuffix('.html') not in NAMES]
    assert {'genindex.html', 'search.html', 'playground.html'} <= set(others), others
    for n in others:
        assert visits[n]['errors'] == [], f'{n}: {visits[n]["errors"]}'
        assert visits[n]['title'].endswith('mnist37') and '#|' not in visits[n]['text'], n


# The playground page (docs/playground/, built by tools/build_playground.py): opened once, every experiment driven on
# it, the budgets of issue 12 measured by the page itself and written to screenshots/playground-budget.json.
# Times are recorded there, never asserted (a busy machine must not fail a test); the page's weight is asserted.
BUDGET = dict(megabytes=20)

def _arc(cx, cy, r, start, end, n=12):
    "Points along an arc, in the canvas's pixels (280 square), angles in degrees clockwise"
    import math
    return [(cx + r*math.cos(math.radians(start + (end - start)*i/n)), cy + r*math.sin(math.radians(start + (end - start)*i/n)))
            for i in range(n + 1)]

STROKES = {'3': [_arc(135, 95, 48, -150, 90) + _arc(135, 190, 52, -90, 150)],  # two bowls, in one stroke
           '7': [[(70, 60), (205, 60), (120, 235)]]}  # a bar and a stem

@pytest.fixture(scope='module')
def playground(browser):
    "The playground, once its models have answered and its training digits have loaded"
    tab = open_page(browser, 'playground.html')
    tab.wait_for_function(READY, timeout=30_000)
    tab.budget = {}  # what the tests measure, for playground-budget.json
    return tab

def test_playground_reads_drawings_as_python_does(playground, tmp_path):
    "Draw a 3 and a 7: every model is right, and Python's `to_mnist` and models, given the canvas, agree with the page"
    import numpy as np
    from mnist37.images import preprocess
    from mnist37.inference import predict, prob_3
    from mnist37.models import packaged_model
    updates = []
    for digit, strokes in STROKES.items():
        png = tmp_path/f'{digit}.png'  # the canvas as a reader would save it
        page = draw(playground, 'pg-draw', strokes, 'drawing', png)
        updates += page['updates']
        x = preprocess(png)
        diff = np.abs(x - np.array(page['picture']).reshape(28, 28)).mean()
        assert diff <= 0.02, f'{digit}: the 28x28 pictures differ by {diff:.4f} on average'
        for kind, p3 in page['probs'].items():
            model = packaged_model(kind)
            assert (p3 >= 0.5) == (digit == '3') and predict(png, model).label == digit, f'{kind} misread the {digit}'
            assert abs(p3 - prob_3(model, x[None]).item()) <= 0.02, kind
        answers = playground.locator('#pg-draw .pg-answer').evaluate_all('rows => rows.map(r => r.dataset.digit)')
        assert answers == [digit] * 3, f'the page shows {answers} for a {digit}'
    playground.locator('section#draw-a-3-or-a-7').screenshot(path=str(SHOTS/'playground-draw.png'), style=NO_HEADER)
    ms = sorted(u['ms'] for u in updates)
    playground.budget.update(updates=len(ms), update_ms_median=ms[len(ms)//2], update_ms_90th=ms[int(0.9*(len(ms)-1))],
                             update_ms_max=ms[-1], since_drawn_ms_median=sorted(u['since_drawn'] for u in updates)[len(ms)//2])
    assert playground.errors == []

def test_playground_learning_rate(playground):
    "On the parabola and the roller coaster, a small learning rate lowers the loss and one past the limit makes it grow"
    def run(panel, rate, steps=3):
        p = playground.locator(panel)
        p.locator('.pg-reset').click()
        p.locator('input[type=range]').evaluate('(el, v) => { el.value = v; el.dispatchEvent(new Event("input")); }', str(rate))
        for _ in range(steps): p.locator('.pg-step').click()
        key = 'parabola' if panel == '#pg-parabola' else 'roller_coaster'
        return playground.evaluate(f'window.playground.descent.{key}.losses')
    falls, grows = run('#pg-parabola', 0.1), run('#pg-parabola', 1.05)
    assert all(a > b for a, b in zip(falls, falls[1:])) and all(a < b for a, b in zip(grows, grows[1:])), (falls, grows)
    chapter = run('#pg-roller-coaster', -5)  # the slider moves in powers of 10: 1e-5, the chapter's rate
    assert abs(chapter[0] - 25823.8086) < 1e-2 and abs(chapter[1] - 5435.5356) < 1e-2, 'not chapter 02\'s losses'
    assert all(a > b for a, b in zip(chapter, chapter[1:]))
    grows = run('#pg-roller-coaster', -4)  # 1e-4: past 2 / (the largest curvature), about 3.5e-5
    assert all(a < b for a, b in zip(grows, grows[1:])), grows
    playground.locator('section#gradient-descent-by-hand').screenshot(path=str(SHOTS/'playground-descent.png'), style=NO_HEADER)
    assert playground.errors == []

def test_playground_training_reaches_95_and_matches_python(playground):
    "The linear model trains to 0.95 within 10 s of page time, and its first epoch is chapter 03's loop's in Python"
    import gzip
    import numpy as np
    import build_playground as bp
    panel = playground.locator('#pg-train')
    panel.scroll_into_view_if_needed()
    panel.locator('.pg-go').click()
    playground.wait_for_function('window.playground.training.ms_to_95 !== null || window.playground.training.accuracy.length > 100',
                                 timeout=60_000)
    panel.locator('.pg-go').click()  # pause
    page = playground.evaluate('window.playground.training')
    data = json.loads((DOCS/'playground'/'data.json').read_text())
    pictures = np.frombuffer(gzip.decompress((DOCS/'playground'/'digits.bin.gz').read_bytes()), np.uint8).reshape(-1, 28, 28)
    n = data['train']['count']
    python = bp.first_epoch((pictures[:n], np.array(data['train']['targets'], np.uint8)),
                            (pictures[n:], np.array(data['valid']['targets'], np.uint8)))
    assert page['first_epoch'] is not None and abs(page['first_epoch'] - python) <= 0.001, (page['first_epoch'], python)
    assert page['ms_to_95'] is not None, page['accuracy']  # it reaches 0.95; how long it took is recorded below
    playground.budget.update(first_epoch_js=page['first_epoch'], first_epoch_python=python, train_to_95_ms=page['ms_to_95'],
                             epochs_to_95=next(i for i, a in enumerate(page['accuracy']) if a >= 0.95))
    playground.locator('section#train-the-linear-model').screenshot(path=str(SHOTS/'playground-train.png'), style=NO_HEADER)
    assert playground.errors == []

def test_playground_budget(playground):
    "The page and everything it loads weigh at most 20 MB; the times are written to playground-budget.json"
    b = playground.budget | playground.evaluate('''() => {
      const nav = performance.getEntriesByType('navigation')[0], files = performance.getEntriesByType('resource');
      return {megabytes: (nav.encodedBodySize + files.reduce((s, f) => s + f.encodedBodySize, 0)) / 1e6, files: files.length + 1,
              load_ms: nav.loadEventEnd, first_prediction_ms: window.playground.drawing.first_prediction};
    }''')
    record(**b)  # in screenshots/playground-budget.json, where tests/test_site_access.py records its own numbers too
    assert b['megabytes'] <= BUDGET['megabytes'], b
    assert playground.errors == []
