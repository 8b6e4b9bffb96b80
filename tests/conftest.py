"""Shared pytest set-up: tests never reach the network, and PyTorch uses one thread."""
import os

import pytest

# `make test` runs two workers on two cores. PyTorch would give each as many threads as there are cores, and threads
# that wait for a busy core make training many times slower, so every process the tests start (Jupyter kernels, the
# command) gets one thread, as the chapters and the command set for themselves.
os.environ['OMP_NUM_THREADS'] = '1'

from mnist37.sample import offline


@pytest.fixture(autouse=True, scope='session')
def no_network():
    "Refuse every connection that leaves this machine, for the whole test session (loopback still works)"
    with offline(): yield


@pytest.fixture
def small_sample(monkeypatch):
    "MNIST_SAMPLE cut to six images per split and digit, for the tests of writing and repairing the folder in this process"
    import mnist37.sample as sample
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
