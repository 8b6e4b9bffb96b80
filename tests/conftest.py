"""Shared pytest set-up and helpers: the order `make test` hands work out in; tests never reach the network, PyTorch
uses one thread; the `mnist37` command as a user runs it, and its one-line errors; pictures; MNIST_SAMPLE written once
per test process, a copy of the packaged files to damage, a build killed half-way, fastai's untar_data read afresh, the
raw MNIST files read; and for the browser tests one site built once per run, one server and one Chromium per test
process, axe-core (its colour rules asked once per look), and drawing in the playground with the mouse."""
import functools, http.server, ipaddress, json, os, re, shutil, socket, subprocess, sys, threading
from contextlib import contextmanager
from pathlib import Path

import pytest

# `make test` runs two workers on two cores. PyTorch would give each as many threads as there are cores, and threads
# that wait for a busy core make training many times slower, so every process the tests start (Jupyter kernels, the
# command) gets one thread, as the chapters and the command set for themselves.
os.environ['OMP_NUM_THREADS'] = '1'

ROOT = Path(__file__).resolve().parents[1]


# How `make test` keeps its two workers busy (it runs pytest-xdist with `--dist loadgroup --no-loadscope-reorder`, so
# work is handed out in the order below): the controller starts building the docs site at once, in a process of its
# own (pytest_configure); the workers meanwhile take the longest tests, then the two browser groups (which need the
# site; one worker each), then the rest, short tests that even out the end.
LONG_FIRST = ('test_cli.py::test_reproduce', 'test_notebooks_kernel.py::test_notebook_runs_in_kernel[06_',
              'test_notebooks_kernel.py::test_notebook_runs_in_kernel[11_', 'test_cli.py::test_train',
              'test_notebooks_kernel.py::test_notebook_runs_in_kernel[10_',
              'test_notebooks_kernel.py::test_notebook_runs_in_kernel[07_')
BROWSER_GROUPS = ('test_docs_site.py', 'test_playground_digits.py', 'test_site_access.py')


def pytest_collection_modifyitems(items):
    def rank(item):
        long = next((i for i, name in enumerate(LONG_FIRST) if name in item.nodeid), None)
        return long if long is not None else len(LONG_FIRST) + (0 if item.fspath.basename in BROWSER_GROUPS else 1)
    items.sort(key=rank)  # a stable sort: the rest keep their order


def pytest_configure(config):
    "Under xdist, the controller starts the docs site's build while the workers run their first tests"
    if hasattr(config, 'workerinput') or not getattr(config.option, 'numprocesses', None) or config.option.keyword: return
    wanted = [Path(a.split('::')[0]).resolve() for a in config.args]
    if not any(t.is_dir() and (t/BROWSER_GROUPS[0]).exists() or t.name in BROWSER_GROUPS for t in wanted): return
    import uuid
    config.option.testrunuid = config.option.testrunuid or uuid.uuid4().hex  # the run's id, which xdist gives the workers
    config.early_docs = subprocess.Popen([sys.executable, __file__, config.option.testrunuid], cwd=ROOT,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pytest_unconfigure(config):
    if (build := getattr(config, 'early_docs', None)) and build.poll() is None: build.kill()  # the run ended first


# --- no network ----------------------------------------------------------------------------------------------------------

def _is_local(address) -> bool:
    if not isinstance(address, tuple): return True  # a Unix socket path
    try: return ipaddress.ip_address(address[0]).is_loopback
    except ValueError: return address[0] in ('localhost', '')  # any other host name would need a DNS lookup


@contextmanager
def offline():
    "Inside this block any attempt to connect to another machine raises `ConnectionRefusedError` (loopback still works)"
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    def guarded(orig):
        def connect_locally(sock, address):
            if not _is_local(address): raise ConnectionRefusedError(f'offline: refused a connection to {address!r}')
            return orig(sock, address)
        return connect_locally
    socket.socket.connect, socket.socket.connect_ex = guarded(connect), guarded(connect_ex)
    try: yield
    finally: socket.socket.connect, socket.socket.connect_ex = connect, connect_ex


@pytest.fixture(autouse=True, scope='session')
def no_network():
    "Refuse every connection that leaves this machine, for the whole test session; the guard is tried before any test runs"
    with offline():
        try: socket.create_connection(('192.0.2.1', 80), timeout=5)  # TEST-NET-1: an outside address, never a real one
        except ConnectionRefusedError as e:
            if 'offline' not in str(e): pytest.fail(f'the network guard is not in place: {e}')
        else: pytest.fail('the network guard let a connection leave the machine')
        yield


# --- the command ---------------------------------------------------------------------------------------------------------

# The installed console script when there is one (as after `pip install`), else the module: both run `main`.
SCRIPT = shutil.which('mnist37', path=str(Path(sys.executable).parent))
CMD = [SCRIPT] if SCRIPT else [sys.executable, '-m', 'mnist37']

# The command with MNIST_SAMPLE cut to SMALL_N images per split and digit, for the tests of writing and repairing the folder
SMALL_N = 6
SMALL = ('import sys, mnist37.folders as sample\nfull = sample.load_sample_arrays\n'
         'sample.load_sample_arrays = lambda: {k: (x[:%d], i[:%d]) for k, (x, i) in full().items()}\n')
SMALL_CMD = [sys.executable, '-c', SMALL % (SMALL_N, SMALL_N) + 'from mnist37.__main__ import run\nsys.exit(run())']


def run(*args, env=None, timeout=600, text=True, cmd=CMD, **kw):
    "`mnist37 ARGS` in a fresh process, as a user runs it; arguments may be bytes (file names that aren't UTF-8)"
    args = [a if isinstance(a, bytes) else str(a) for a in args]
    return subprocess.run([*cmd, *args], capture_output=True, text=text, timeout=timeout, env={**os.environ, **(env or {})}, **kw)


def no_traceback(r) -> bool: return 'Traceback' not in r.stdout + r.stderr


def one_line_error(r, status=2) -> str:
    "The failure is exactly one line on stderr, `mnist37: error: ...`, with the given exit status and no traceback"
    err = r.stderr.decode(errors='replace') if isinstance(r.stderr, bytes) else r.stderr
    lines = err.strip().splitlines()
    assert r.returncode == status and len(lines) == 1 and lines[0].startswith('mnist37: error: '), (r.returncode, err)
    return lines[0]


# --- pictures and data ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope='session')
def photos(tmp_path_factory):
    "A folder with a photographed 3 and 7 (`three.jpg`, `seven.png`), an empty file and a text file named like a picture"
    from mnist37.photos import synthetic_photo
    d = tmp_path_factory.mktemp('photos')
    synthetic_photo(3, (400, 300), seed=1).save(d/'three.jpg')
    synthetic_photo(7, (250, 600), 0.4, angle=-7, seed=2).save(d/'seven.png')
    (d/'empty.png').touch()
    (d/'notes.png').write_text('not a picture')
    return d


@pytest.fixture(scope='session')
def photo(photos):
    "One photographed 7, a PNG"
    return photos/'seven.png'


@pytest.fixture
def small_sample(monkeypatch):
    "MNIST_SAMPLE cut to SMALL_N images per split and digit, for the tests of writing and repairing the folder in this process"
    import mnist37.folders as sample
    full = sample.load_sample_arrays()
    monkeypatch.setattr(sample, 'load_sample_arrays', lambda: {k: (x[:SMALL_N], i[:SMALL_N]) for k, (x, i) in full.items()})


@pytest.fixture
def copy(small_sample, tmp_path):
    "A complete folder to damage: of the cut-down sample, so that writing and repairing take no time"
    from mnist37.folders import mnist_sample
    return mnist_sample(tmp_path/'data', progress=False)


@pytest.fixture(scope='session')
def full_sample(tmp_path_factory):
    "The complete MNIST_SAMPLE (14,434 PNGs), written once per test process: tests only read it (damage goes to `copy`)"
    from mnist37.folders import mnist_sample
    return mnist_sample(tmp_path_factory.mktemp('fastai')/'data', progress=False)


@pytest.fixture
def own_assets(tmp_path, monkeypatch):
    "A copy of the packaged files (data, weights, SHA256SUMS) to damage, returned: `storage.assets_dir()` during the test"
    import mnist37.storage as storage
    shutil.copytree(storage.assets_dir(), tmp_path/'assets')
    monkeypatch.setattr(storage, 'assets_dir', lambda: tmp_path/'assets')
    return tmp_path/'assets'


def kill_half_way(build:str, data:Path, name:str, started:str, timeout:float):
    """Run `build`, code that writes the folder `name` into `data` (its argument), in a process; SIGKILL it once its temporary
    folder holds `started` (or after `timeout` seconds); check that it left no `name`, only that temporary folder"""
    import signal, time
    p = subprocess.Popen([sys.executable, '-c', build, str(data)])
    deadline = time.time() + timeout
    while time.time() < deadline and not any((t/started).exists() for t in data.glob(f'.{name}-tmp-*')):
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (data/name).exists()
    assert list(data.glob(f'.{name}-tmp-*'))  # what the killed run left behind


def untar_data_afresh(url:str) -> Path:
    "fastai's `untar_data(url)` with its config read afresh from FASTAI_HOME, and dropped again after (for the next test)"
    from fastai.data.external import fastai_cfg, untar_data
    fastai_cfg.cache_clear()
    try: return untar_data(url)
    finally: fastai_cfg.cache_clear()


RAW = ROOT.parent/'shared'/'data'/'mnist'  # the raw MNIST release, where it is (not on GitHub's runners)


def mnist_idx(path:Path):
    "A gzipped IDX file of the MNIST release, its magic number checked, as an array: images (n, 28, 28) or labels (n,)"
    import gzip, numpy as np
    data, images = gzip.decompress(path.read_bytes()), 'images' in path.name
    assert data[:4] == (b'\0\0\x08\x03' if images else b'\0\0\x08\x01'), path  # unsigned bytes, in 3 dimensions or 1
    if images: return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 28, 28)
    return np.frombuffer(data, np.uint8, offset=8)


# --- the docs site in a browser ------------------------------------------------------------------------------------------

DOCS, SHOTS = ROOT/'_docs', ROOT/'screenshots'  # the built site; what the browser tests write for people to look at
READY = 'window.playground && window.playground.ready'  # every panel of the playground has started
NO_HEADER = '.bd-header-article, .skip-link { visibility: hidden !important; }'  # sticky: it would cover part of a shot


def build_site(run_id:str) -> Path:
    """The docs site in _docs/, built by the same command as `make docs`, once per test run: by the controller early
    (pytest_configure), else by the first worker to want it; the others wait for it (a lock, and a stamp with the run's id)"""
    from filelock import FileLock
    stamp = DOCS/'.built-for-test-run'
    SHOTS.mkdir(exist_ok=True)
    with FileLock(SHOTS/'.docs-build.lock', timeout=900):
        if not (stamp.is_file() and stamp.read_text() == run_id):
            subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py')], check=True, cwd=ROOT, timeout=600)
            stamp.write_text(run_id)
    return DOCS


@pytest.fixture(scope='session')
def docs_built():
    "The docs site, built once per test run (build_site): the two browser groups run on two workers"
    return build_site(os.environ.get('PYTEST_XDIST_TESTRUNUID') or f'pid {os.getpid()}')  # the same in every worker


def site_pages() -> list:
    "Every page of the built site: the landing page, chapters and API page, the playground, and the pages Sphinx adds"
    return sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob('*.html') if p.relative_to(DOCS).parts[0] != '_static')


def record(**numbers):
    "Add `numbers` to screenshots/playground-budget.json, which tests on both workers write, under a lock and atomically"
    from filelock import FileLock
    path = SHOTS/'playground-budget.json'
    SHOTS.mkdir(exist_ok=True)
    with FileLock(SHOTS/'.budget.lock', timeout=60):
        old = json.loads(path.read_text()) if path.is_file() else {}
        path.with_suffix('.tmp').write_text(json.dumps(old | numbers, indent=1))
        os.replace(path.with_suffix('.tmp'), path)


# Debian's chromium; CHROMIUM=/path/to/chrome picks another (GitHub's runners have google-chrome)
CHROMIUM = os.environ.get('CHROMIUM') or shutil.which('chromium') or shutil.which('google-chrome') or '/usr/bin/chromium'


def need(ok, why):
    "Skip a test that lacks what it needs (a browser, axe-core), except in CI (`CI=true`), where that is a failure"
    if ok: return
    if os.environ.get('CI', '').lower() == 'true': pytest.fail(f'{why} (required when CI=true)', pytrace=False)
    pytest.skip(why)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address): pass  # a tab closed mid-download: nothing to report


@pytest.fixture(scope='session')
def site(docs_built):
    "The built site served on a loopback port: its address (for tests/test_docs_site.py and tests/test_site_access.py)"
    srv = _Server(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(docs_built)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{srv.server_address[1]}'
    srv.shutdown(); srv.server_close()


AXE = ROOT/'docs'/'node_modules'/'axe-core'/'axe.min.js'
AXE_RUN = '''async ([rules, skip]) => (await axe.run(document, {resultTypes: ['violations'], ...(rules ? {runOnly: rules} : {}),
                                                             rules: Object.fromEntries(skip.map(r => [r, {enabled: false}]))})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}: ${v.nodes[0].failureSummary.split('\\n')[1]}`)'''
COLOUR_RULES = ['color-contrast', 'link-in-text-block']  # the axe-core rules whose answer depends on the colours


# axe-core's colour rules ask of each piece of text whether it stands out from what lies behind it (and of each link
# whether it stands out from the text around it). Two elements that look the same get the same answer: the same tag,
# colour, font size and weight, decoration, shadow and display, the same colour around them, and the same backgrounds,
# opacities and positions all the way up to the page. The site shows a few hundred looks on tens of thousands of
# elements (every keyword of every code block), and asking about each made the colour rules most of the test suite's
# time. So each test process asks the colour rules about the first visible element of each look in each theme, on
# whichever page shows it first, and the other rules about every element. MNIST37_AXE_EVERY=1 asks about every element.
LOOKS = r"""seen => {
  const have = new Set(seen), fresh = [], chain = new Map();
  const behind = e => {  // what lies behind e: each ancestor that paints, fades, filters or is positioned, up to the page
    if (!e || e.nodeType !== 1) return '';
    if (!chain.has(e)) {
      const s = getComputedStyle(e), b = getComputedStyle(e, '::before'), a = getComputedStyle(e, '::after');
      const own = [s.backgroundColor, s.backgroundImage, s.opacity, s.position, s.zIndex, s.mixBlendMode, s.filter,
                   s.backdropFilter, b.backgroundColor, a.backgroundColor].join(' ');
      const plain = own === 'rgba(0, 0, 0, 0) none 1 static auto normal none none rgba(0, 0, 0, 0) rgba(0, 0, 0, 0)';
      chain.set(e, (plain ? '' : own + '|') + behind(e.parentElement));
    }
    return chain.get(e);
  };
  for (const el of document.body.querySelectorAll('*')) {
    const link = el.matches('a[href], [role=link]');
    if (!link && ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;  // no text of its own
    if (!el.checkVisibility({visibilityProperty: true})) continue;  // hidden: neither axe nor a reader sees it
    const s = getComputedStyle(el), p = getComputedStyle(el.parentElement || el);
    const look = [el.tagName, link, s.color, s.fontSize, s.fontWeight, s.textDecorationLine, s.textDecorationColor,
                  s.textShadow, s.webkitTextStrokeWidth, s.borderBottom, s.display, p.color, p.fontWeight,
                  p.textDecorationLine, behind(el)].join('~');
    if (!have.has(look)) { have.add(look); fresh.push(look); el.setAttribute('data-axe-look', ''); }
  }
  axe.configure({rules: [{id: 'color-contrast', selector: '[data-axe-look]'},
                         {id: 'link-in-text-block', selector: 'a[href][data-axe-look], [role=link][data-axe-look]'}]});
  return fresh;
}"""
_looks_seen = {}  # theme -> the looks this test process has asked the colour rules about


def axe(page, rules=None) -> list:
    "What axe-core (docs/node_modules) finds serious or critical on `page`, with every rule or only `rules`"
    # colours mid-transition (the theme fades some on load) are not what a reader sees: axe checks them settled
    page.add_style_tag(content='*, *::before, *::after { transition: none !important; animation: none !important; }')
    page.wait_for_timeout(100)
    page.add_script_tag(path=str(AXE))
    if os.environ.get('MNIST37_AXE_EVERY') != '1':
        seen = _looks_seen.setdefault(page.evaluate('document.documentElement.dataset.theme'), [])
        if not (fresh := page.evaluate(LOOKS, seen)):  # no look this process has not checked: leave the colour rules out
            if rules and set(rules) <= set(COLOUR_RULES): return []
            return page.evaluate(AXE_RUN, [rules, COLOUR_RULES])
        seen += fresh
    return page.evaluate(AXE_RUN, [rules, []])


def open_tab(context, url, before=None, timeout=30_000):
    """A new tab of `context` on `url`, with `.errors`: console errors, exceptions, failed requests, HTTP errors, and
    requests that would leave 127.0.0.1 (blocked); `before(page)` runs before it loads, in at most `timeout` ms"""
    page = context.new_page()
    page.errors = errors = []
    page.on('console', lambda m: m.type == 'error' and errors.append(f'console: {m.text}'))
    page.on('pageerror', lambda e: errors.append(f'exception: {e}'))
    page.on('requestfailed', lambda r: errors.append(f'request failed: {r.url}'))
    page.on('response', lambda r: r.status >= 400 and errors.append(f'HTTP {r.status}: {r.url}'))
    def outside(route):  # nothing may come from outside this machine: block it, and record it
        errors.append(f'external request: {route.request.url}'); route.abort()
    page.route(re.compile(r'^(?!http://127\.0\.0\.1[:/]).*'), outside)
    if before: before(page)
    page.goto(url, wait_until='load', timeout=timeout)  # milliseconds
    return page


def without(open_page, path:str) -> tuple:
    """A playground tab opened by `open_page(before=...)` on which its file `path` (under playground/) answers 404:
    `(the tab, the file's name, what the page should say about it)`"""
    url = re.compile(rf'.*/playground/{re.escape(path)}$')
    page = open_page(before=lambda p: p.route(url, lambda r: r.fulfill(status=404, body='not here')))
    name = path.rsplit('/', 1)[-1]
    return page, name, f'could not load {name} (404)'


def draw(page, panel, strokes, report, png=None) -> dict:
    """Clear the playground's `panel` (its id), draw `strokes` (lists of points on its 280x280 canvas) with the mouse, and
    return `window.playground[report]` once the page has caught up with the pen (its `updates`: those while drawing);
    given `png`, a path, the canvas is saved there as a reader would save it"""
    canvas = page.locator(f'#{panel} .pg-pad canvas')
    canvas.scroll_into_view_if_needed()
    page.locator(f'#{panel} .pg-clear').click()
    page.wait_for_function(f'!window.playground.{report}.busy')
    page.evaluate(f'window.playground.{report}.updates = []')
    box = canvas.bounding_box()
    at = lambda x, y: (box['x'] + x * box['width'] / 280, box['y'] + y * box['height'] / 280)
    for s in strokes:
        page.mouse.move(*at(*s[0]))
        page.mouse.down()
        for p in s[1:]: page.mouse.move(*at(*p), steps=4)
        page.mouse.up()
    page.wait_for_function(f'!window.playground.{report}.busy && window.playground.{report}.probs')
    if png:
        import base64
        png.write_bytes(base64.b64decode(canvas.evaluate('c => c.toDataURL("image/png")').split(',')[1]))
    return page.evaluate(f'window.playground.{report}')


def phone_width(page) -> int:
    "How wide `page` is at a phone's 390 px (wider: it scrolls sideways); the viewport is put back as it was"
    size = page.viewport_size
    page.set_viewport_size({'width': 390, 'height': 800})
    width = page.evaluate('document.documentElement.scrollWidth')
    page.set_viewport_size(size)
    return width


@pytest.fixture(scope='session')
def chromium(site):
    "Headless Chromium driven by playwright, one per test process"
    need(Path(CHROMIUM).exists(), f'no Chromium at {CHROMIUM}: apt-get install chromium')
    try: from playwright.sync_api import sync_playwright
    except ImportError: need(False, 'playwright is not installed (pip install -e ".[dev]")')
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=['--no-sandbox', '--disable-gpu', '--disable-background-networking'])
        yield b
        b.close()


if __name__ == '__main__': build_site(sys.argv[1])  # pytest_configure's early build
