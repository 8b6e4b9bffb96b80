"""The docs website, built with `tools/build_docs.py` and looked at in a real browser (headless Chromium).

Builds `_docs/` from the notebooks, serves it on a loopback port, opens every page, and checks what a reader would
notice: the sidebar, images that load, tables, no leftover nbdev/Quarto syntax, no console errors, a search that finds an
exported function, and a link to run each chapter. A screenshot of each page goes to `screenshots/` for people to look at.
Without Chromium (or playwright) only the build is checked and the browser checks skip, except in CI (`CI=true`),
where a missing browser is a failure.
"""
import functools, http.server, json, os, re, shutil, subprocess, sys, threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS, SHOTS = ROOT/'_docs', ROOT/'screenshots'
sys.path.insert(0, str(ROOT/'tools'))
import build_docs  # noqa: E402

# Debian's chromium; CHROMIUM=/path/to/chrome picks another (GitHub's runners have google-chrome)
CHROMIUM = (os.environ.get('CHROMIUM') or shutil.which('chromium') or shutil.which('google-chrome')
            or '/usr/bin/chromium')
IN_CI = os.environ.get('CI', '').lower() == 'true'

def _need(ok, why):
    if ok: return
    if IN_CI: pytest.fail(f'{why} (required when CI=true)', pytrace=False)
    pytest.skip(why)

@pytest.fixture(scope='module')
def built():
    "The site, built by the same command as `make docs`, in a fresh process so it can't lean on this one's imports"
    subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py'), '-q'], check=True, cwd=ROOT, timeout=900)
    return DOCS

@pytest.fixture(scope='module')
def site(built):
    "The base URL of `_docs/` served on a free loopback port"
    _need(Path(CHROMIUM).exists(), f'no Chromium at {CHROMIUM}: apt-get install chromium')
    try: import playwright.sync_api  # noqa: F401
    except ImportError: _need(False, 'playwright is not installed (pip install -e ".[dev]")')
    handler = functools.partial(_QuietHandler, directory=str(DOCS))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{srv.server_address[1]}'
    srv.shutdown(); srv.server_close()

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

@pytest.fixture(scope='module')
def browser(site):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'])
        yield b
        b.close()

def chapters():
    "`[(page, notebook), ...]` for every chapter notebook, in order"
    return [(build_docs.page_name(p.name), p) for p in build_docs.chapter_notebooks(ROOT/'nbs')]

def pages():
    return ['index', *[n for n, _ in chapters()], 'api']

class Page:
    "A page opened in its own browser tab, with every console error and failed request it caused"
    def __init__(self, browser, site, name):
        self.ctx = browser.new_context(viewport={'width': 1280, 'height': 900})
        self.page = self.ctx.new_page()
        self.errors = []
        self.page.on('console', lambda m: m.type == 'error' and self.errors.append(f'console: {m.text}'))
        self.page.on('pageerror', lambda e: self.errors.append(f'exception: {e}'))
        self.page.on('requestfailed', lambda r: self.errors.append(f'request failed: {r.url}'))
        self.page.on('response', lambda r: r.status >= 400 and self.errors.append(f'HTTP {r.status}: {r.url}'))
        # nothing may come from outside this machine: block it, and record it as an error
        def outside(route):
            self.errors.append(f'external request: {route.request.url}'); route.abort()
        self.page.route(re.compile(r'^(?!http://127\.0\.0\.1[:/]).*'), outside)
        self.page.goto(f'{site}/{name}.html', wait_until='load')
        self.page.wait_for_load_state('networkidle')

    def close(self): self.ctx.close()

@pytest.fixture(scope='module')
def opened(browser, site):
    "Every page, opened once, with a full-page screenshot in screenshots/"
    SHOTS.mkdir(exist_ok=True)
    res = {n: Page(browser, site, n) for n in pages()}
    for n, p in res.items(): p.page.screenshot(path=str(SHOTS/f'{n}.png'), full_page=True)
    yield res
    for p in res.values(): p.close()

def test_site_has_every_page(built):
    assert (ROOT/'nbs'/'00_data.ipynb').exists()
    for n in pages(): assert (DOCS/f'{n}.html').exists(), f'{n}.html was not built'

@pytest.mark.parametrize('name', pages())
def test_title_and_sidebar(opened, name):
    p = opened[name].page
    assert 'mnist37' in p.title()
    assert p.locator('h1').first.inner_text().strip()
    hrefs = p.locator('nav.bd-docs-nav a').evaluate_all('els => els.map(e => e.getAttribute("href"))')
    # the sidebar links the page it is on as "#"
    got = [h.split('#')[0].rsplit('/', 1)[-1].removesuffix('.html') or name for h in hrefs]
    want = [n for n, _ in chapters()]
    assert [g for g in got if g in want] == want, f'chapters out of order in the sidebar: {got}'

@pytest.mark.parametrize('name', pages())
def test_no_nbdev_or_quarto_syntax(opened, name):
    text = opened[name].page.locator('article.bd-article').inner_text()
    for bad in ['#|', ':::', 'default_exp', 'output-file:', '\n---\n']:
        assert bad not in text, f'{name}.html shows {bad!r}'
    assert not re.search(r'^\s*title:\s', text, re.MULTILINE), f'{name}.html shows front matter'
    assert 'show_doc(' not in text, f'{name}.html shows a show_doc call'

@pytest.mark.parametrize('name', pages())
def test_no_console_errors(opened, name):
    assert opened[name].errors == []

@pytest.mark.parametrize('name', [n for n, _ in chapters()])
def test_chapter_images_and_tables(opened, name):
    p = opened[name].page
    imgs = p.locator('article.bd-article img')
    assert imgs.count() >= 1, f'{name} shows no image'
    sizes = imgs.evaluate_all('els => els.map(e => [e.getAttribute("src"), e.complete, e.naturalWidth])')
    broken = [s for s, done, w in sizes if not (done and w > 0)]
    assert not broken, f'{name}: images that did not load: {broken}'
    assert p.locator('article.bd-article table').count() >= 1, f'{name} shows no table'

@pytest.mark.parametrize('name,nb', chapters())
def test_chapter_links_to_run_it(opened, name, nb):
    p = opened[name].page
    repo = build_docs.project_settings()['repo'].removeprefix('https://github.com/')
    colab = p.locator(f'a[href="https://colab.research.google.com/github/{repo}/blob/main/nbs/{nb.name}"]')
    assert colab.count() == 1, f'{name} has no "Open in Colab" link'
    dl = p.locator('.run-links a[download], .run-links a.download')
    assert dl.count() == 1
    href = dl.first.get_attribute('href')
    assert href.endswith(nb.name)
    assert json.loads((DOCS/href).read_text())['cells'], 'the downloadable notebook is not a notebook'

def test_api_reference_lists_every_export(opened):
    p = opened['api'].page
    text = p.locator('article.bd-article').inner_text()
    # {name: length of its description}, for every entry on the page
    entries = dict(p.locator('dl.py').evaluate_all(
        'els => els.map(e => [e.querySelector("dt .sig-name").textContent, e.querySelector("dd").textContent.trim().length])'))
    for mod, names in _exports().items():
        assert mod in text
        missing = set(names) - set(entries)
        assert not missing, f'{mod}: {sorted(missing)} missing from the API page'
        assert all(entries[n] for n in names), f'{mod}: an entry without a docstring'

def _exports():
    "`{module: [public function and class names]}` for the package's nbdev-generated modules"
    import importlib, inspect
    sys.path.insert(0, str(ROOT))
    res = {}
    mods = {q.rsplit('.', 1)[0] for q in build_docs.symbol_index('mnist37')}
    for mod in sorted(mods):
        try: m = importlib.import_module(mod)
        except ImportError: continue
        res[mod] = [n for n in getattr(m, '__all__', []) if inspect.isfunction(getattr(m, n, None)) or inspect.isclass(getattr(m, n, None))]
    return {k: v for k, v in res.items() if v}

def test_api_entries_show_signature_docstring_and_docments(opened):
    "mnist_sample's entry, as a reader sees it on the data chapter: signature, docstring, each parameter's comment"
    p = opened['data'].page
    entry = p.locator('dl.py:has(dt[id="mnist37.data.mnist_sample"])')
    assert entry.count() == 1
    text = entry.inner_text().replace('\u2019', "'")
    assert 'mnist_sample(data_dir=None, verify: bool = False, progress: bool = True)' in re.sub(r'\s+', ' ', text).replace('( ', '(').replace(' )', ')')
    assert "MNIST_SAMPLE in fastai's layout" in text
    assert 'decode every PNG of an existing copy' in text  # the docment of `verify`
    assert 'the same one' in text  # the docment of the return value

def _search(browser, site, term):
    "Type `term` in the search box of the landing page, press Enter, and return the result links"
    pg = Page(browser, site, 'index')
    try:
        p = pg.page
        p.keyboard.press('Control+k')
        box = p.locator('input[name="q"]:visible').first
        box.fill(term); box.press('Enter')
        p.wait_for_url(re.compile(r'search\.html'))
        p.wait_for_selector('#search-results ul.search li', timeout=15000)
        p.screenshot(path=str(SHOTS/f'search-{term}.png'), full_page=True)
        links = p.locator('#search-results ul.search li a').evaluate_all('els => els.map(e => e.getAttribute("href"))')
        assert pg.errors == []
        return links
    finally: pg.close()

def _chapter_functions():
    "`[(function, page)]`: one exported function per chapter that exports any (`mnist_loss` for its chapter)"
    import inspect, importlib
    from fastcore.nbio import read_nb
    res = []
    for name, nb in chapters():
        mod = build_docs.notebook_module(read_nb(nb))
        if not mod: continue
        m = importlib.import_module(f'mnist37.{mod}')
        fns = [n for n in getattr(m, '__all__', []) if inspect.isfunction(getattr(m, n, None)) and not n.startswith('_')]
        if fns: res.append(('mnist_loss' if 'mnist_loss' in fns else fns[0], name))
    return res

def test_search_finds_exported_functions(browser, site, opened):
    "Typing an exported function's name in the search box lists the chapter that defines it (mnist_loss: linear)"
    found = _chapter_functions()
    assert found, 'no chapter exports a function'
    for fn, page in found:
        links = _search(browser, site, fn)
        pages_found = [h.split('#')[0].split('?')[0].rsplit('/', 1)[-1] for h in links]
        assert f'{page}.html' in pages_found, f'searching {fn!r} gave {links}, not the {page} chapter'

@pytest.mark.parametrize('name', pages())
def test_internal_links_resolve(opened, name, site):
    "Every link within the site leads to a page that exists, and to an anchor on it that exists"
    from urllib.parse import urlsplit, unquote
    hrefs = opened[name].page.locator('a[href]').evaluate_all('els => els.map(e => e.href)')
    bad = []
    for h in hrefs:
        u = urlsplit(h)
        if f'{u.scheme}://{u.netloc}' != site: continue
        f = DOCS/unquote(u.path).lstrip('/')
        if f.is_dir(): f = f/'index.html'
        if not f.exists(): bad.append(h); continue
        if u.fragment and f.suffix == '.html' and f'id="{unquote(u.fragment)}"' not in f.read_text(errors='replace'): bad.append(h)
    assert not bad, f'{name}.html has broken links: {sorted(set(bad))}'

def test_every_other_page_loads_cleanly(browser, site, opened):
    "The pages Sphinx adds (index of names, search, highlighted source) load without errors or leftover syntax"
    names = [p.relative_to(DOCS).with_suffix('').as_posix() for p in DOCS.rglob('*.html')]
    others = sorted(n for n in names if n not in opened and not n.startswith('_static/'))  # _static: theme parts
    assert 'genindex' in others and 'search' in others
    for n in others:
        pg = Page(browser, site, n)
        try:
            assert pg.errors == [], f'{n}.html: {pg.errors}'
            assert 'mnist37' in pg.page.title()
            assert '#|' not in pg.page.locator('body').inner_text(), f'{n}.html shows #|'
        finally: pg.close()
