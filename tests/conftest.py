"""Shared pytest set-up: tests never reach the network, PyTorch uses one thread, and the browser tests share one built
site, one server and one Chromium per test process."""
import functools, http.server, os, shutil, threading
from pathlib import Path

import pytest

# `make test` runs two workers on two cores. PyTorch would give each as many threads as there are cores, and threads
# that wait for a busy core make training many times slower, so every process the tests start (Jupyter kernels, the
# command) gets one thread, as the chapters and the command set for themselves.
os.environ['OMP_NUM_THREADS'] = '1'

from mnist37.folders import offline


@pytest.fixture(autouse=True, scope='session')
def no_network():
    "Refuse every connection that leaves this machine, for the whole test session (loopback still works)"
    with offline(): yield


@pytest.fixture
def small_sample(monkeypatch):
    "MNIST_SAMPLE cut to six images per split and digit, for the tests of writing and repairing the folder in this process"
    import mnist37.folders as sample
    full = sample.load_sample_arrays()
    monkeypatch.setattr(sample, 'load_sample_arrays', lambda: {k: (x[:6], idx[:6]) for k, (x, idx) in full.items()})


@pytest.fixture(scope='session')
def docs_built():
    "The docs site in _docs/, built once per test process by the same command as `make docs`, in a fresh process"
    import subprocess, sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, str(root/'tools'/'build_docs.py')], check=True, cwd=root, timeout=600)
    return root/'_docs'


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
