"""Shared pytest set-up and helpers: tests never reach the network, PyTorch uses one thread; the `mnist37` command as a
user runs it, and its one-line errors; pictures; MNIST_SAMPLE written once per test process; and for the browser tests
one built site, one server and one Chromium per test process, and axe-core."""
import functools, http.server, ipaddress, json, os, re, shutil, socket, subprocess, sys, threading
from contextlib import contextmanager
from pathlib import Path

import pytest

# `make test` runs two workers on two cores. PyTorch would give each as many threads as there are cores, and threads
# that wait for a busy core make training many times slower, so every process the tests start (Jupyter kernels, the
# command) gets one thread, as the chapters and the command set for themselves.
os.environ['OMP_NUM_THREADS'] = '1'

ROOT = Path(__file__).resolve().parents[1]


# The longest tests outside the browser groups, run first: `make test`'s two workers start on the two browser groups
# (xdist's loadgroup hands out the largest groups first), then share the rest, and a long test left for the end would
# keep one worker busy while the other has nothing to do.
LONG_FIRST = ('test_cli.py::test_reproduce', 'test_notebooks_kernel.py::test_notebook_runs_in_kernel[06_',
              'test_notebooks_kernel.py::test_notebook_runs_in_kernel[07_', 'test_cli.py::test_train',
              'test_notebooks_kernel.py::test_notebook_runs_in_kernel[05_', 'test_nbdev_sync.py')


def pytest_collection_modifyitems(items):
    rank = lambda item: next((i for i, long in enumerate(LONG_FIRST) if long in item.nodeid), len(LONG_FIRST))
    items.sort(key=rank)  # a stable sort: the rest keep their order


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


# --- the docs site in a browser ------------------------------------------------------------------------------------------

DOCS, SHOTS = ROOT/'_docs', ROOT/'screenshots'  # the built site; what the browser tests write for people to look at


@pytest.fixture(scope='session')
def docs_built():
    """The docs site in _docs/, built by the same command as `make docs` in a fresh process, once per test run: the two
    browser test files run on two workers, and the one that comes second finds the first one's build (a lock and a stamp)"""
    from filelock import FileLock
    run_id = os.environ.get('PYTEST_XDIST_TESTRUNUID') or f'pid {os.getpid()}'  # the same in every worker of one run
    stamp = DOCS/'.built-for-test-run'
    SHOTS.mkdir(exist_ok=True)
    with FileLock(SHOTS/'.docs-build.lock', timeout=900):
        if not (stamp.is_file() and stamp.read_text() == run_id):
            subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py')], check=True, cwd=ROOT, timeout=600)
            stamp.write_text(run_id)
    return DOCS


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
AXE_RUN = '''async rules => (await axe.run(document, {resultTypes: ['violations'], ...(rules ? {runOnly: rules} : {})})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}: ${v.nodes[0].failureSummary.split('\\n')[1]}`)'''
COLOUR_RULES = ['color-contrast', 'link-in-text-block']  # the axe-core rules whose answer depends on the colours


def axe(page, rules=None) -> list:
    "What axe-core (docs/node_modules) finds serious or critical on `page`, with every rule or only `rules`"
    # colours mid-transition (the theme fades some on load) are not what a reader sees: axe checks them settled
    page.add_style_tag(content='*, *::before, *::after { transition: none !important; animation: none !important; }')
    page.wait_for_timeout(100)
    page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN, rules)


def open_tab(context, url, before=None):
    """A new tab of `context` on `url`, with `.errors`: console errors, exceptions, failed requests, HTTP errors, and
    requests that would leave 127.0.0.1 (blocked); `before(page)` runs before it loads"""
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
    page.goto(url, wait_until='load')
    return page


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
