"""What the data chapter can't show well: rebuilding damaged copies, interruptions, concurrency,
read-only folders, a corrupted package, and that the files match the raw MNIST release."""
import gzip, os, shutil, signal, socket, subprocess, sys, time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mnist37.storage as storage
from mnist37.data import SAMPLE_COUNTS, load_sample_arrays
from mnist37.folders import mnist_sample, offline, sample_problems
from mnist37.storage import DataError

RAW = Path(__file__).resolve().parents[2]/'shared'/'data'/'mnist'
BUILD = f'import sys; from mnist37.folders import mnist_sample; print(mnist_sample(sys.argv[1], progress=False))'


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    "One complete MNIST_SAMPLE, written once for the module; tests that damage it work on a copy"
    return mnist_sample(tmp_path_factory.mktemp('fastai')/'data', progress=False)


@pytest.fixture
def copy(small_sample, tmp_path):
    "A complete copy to damage: of the cut-down sample (see conftest.py), so that writing and repairing take no time"
    return mnist_sample(tmp_path/'data', progress=False)


def pngs(path): return sorted(p.relative_to(path).as_posix() for p in path.rglob('*.png'))


def test_layout_and_counts(built):
    for (split, d), n in SAMPLE_COUNTS.items(): assert len(list((built/split/d).glob('*.png'))) == n
    lines = (built/'labels.csv').read_text().splitlines()
    assert lines[0] == 'name,label' and len(lines) == 14435
    assert 'train/3/10.png,0' in lines and (built/'train'/'3'/'10.png').exists()
    assert all(l.endswith(',1') for l in lines[1:] if '/7/' in l)
    assert sample_problems(built, verify=True) == []


@pytest.mark.skipif(not RAW.exists(), reason='needs ../shared/data/mnist')
def test_same_names_and_pixels_as_raw_mnist(built, tmp_path):
    "Every PNG is the raw image its name points at, and shows the digit of its folder"
    from torchvision.datasets.mnist import read_image_file, read_label_file
    def raw(name):
        out = tmp_path/name
        out.write_bytes(gzip.decompress((RAW/f'{name}.gz').read_bytes()))
        return out
    for split, stem in (('train', 'train'), ('valid', 't10k')):
        images = read_image_file(str(raw(f'{stem}-images-idx3-ubyte'))).numpy()
        labels = read_label_file(str(raw(f'{stem}-labels-idx1-ubyte'))).numpy()
        for d in '37':
            files = list((built/split/d).glob('*.png'))
            idx = np.array([int(p.stem) for p in files])
            assert set(idx) == set(np.flatnonzero(labels == int(d)))  # exactly the 3s (or 7s) of the raw file
            for p, i in zip(files, idx): assert np.array_equal(np.asarray(Image.open(p)), images[i]), p


def test_untar_data_finds_it_offline(tmp_path, monkeypatch):
    from fastai.data.external import URLs, untar_data, fastai_cfg
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'home'))
    path = mnist_sample(progress=False)
    assert path == tmp_path/'home'/'data'/'mnist_sample'
    fastai_cfg.cache_clear()
    assert untar_data(URLs.MNIST_SAMPLE) == path  # the network guard in conftest would fail a download
    fastai_cfg.cache_clear()


def test_good_copy_is_reused(copy):
    before = (copy/'labels.csv').stat().st_mtime_ns
    assert mnist_sample(copy.parent) == copy
    assert (copy/'labels.csv').stat().st_mtime_ns == before


@pytest.mark.parametrize('damage', ['missing_png', 'empty_png', 'no_labels', 'no_folder'])
def test_partial_or_damaged_copy_is_rebuilt(copy, capsys, damage):
    victim = copy/'valid'/'7'/sorted(os.listdir(copy/'valid'/'7'))[5]
    if damage == 'missing_png': victim.unlink()
    if damage == 'empty_png': victim.write_bytes(b'')
    if damage == 'no_labels': (copy/'labels.csv').unlink()
    if damage == 'no_folder': shutil.rmtree(copy/'train'/'7')
    assert sample_problems(copy)
    assert mnist_sample(copy.parent, progress=False) == copy
    assert 'repaired' in capsys.readouterr().out
    assert sample_problems(copy) == []
    assert not list(copy.parent.glob('.mnist_sample-*'))  # no temporary or replaced folder left behind


def test_wrong_pixels_found_by_verify(copy, capsys):
    a, b = sorted((copy/'train'/'3').iterdir())[:2]
    shutil.copy(b, a)  # a valid PNG, but the wrong image
    assert sample_problems(copy) == []  # names and sizes can't see it
    assert sample_problems(copy, verify=True)
    mnist_sample(copy.parent, verify=True, progress=False)
    assert 'repaired' in capsys.readouterr().out
    assert sample_problems(copy, verify=True) == []


def test_interrupted_write_leaves_nothing_half_built(tmp_path, monkeypatch):
    calls = 0
    real_save = Image.Image.save
    def save(self, *a, **k):
        nonlocal calls
        calls += 1
        if calls == 500: raise KeyboardInterrupt
        return real_save(self, *a, **k)
    monkeypatch.setattr(Image.Image, 'save', save)
    with pytest.raises(KeyboardInterrupt): mnist_sample(tmp_path, progress=False)
    assert not (tmp_path/'mnist_sample').exists()
    assert not list(tmp_path.glob('.mnist_sample-*'))  # the temporary folder went too


def test_killed_process_leaves_nothing_half_built(tmp_path):
    "A SIGKILL gives no chance to clean up: the next call must still build a complete copy"
    p = subprocess.Popen([sys.executable, '-c', BUILD, str(tmp_path)])
    deadline = time.time() + 60
    while time.time() < deadline and not any((d/'train').exists() for d in tmp_path.glob('.mnist_sample-tmp-*')):
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL); p.wait()
    assert not (tmp_path/'mnist_sample').exists()
    assert list(tmp_path.glob('.mnist_sample-tmp-*'))  # what the killed run left behind
    assert sample_problems(mnist_sample(tmp_path, progress=False)) == []
    assert not list(tmp_path.glob('.mnist_sample-tmp-*'))


def test_two_processes_at_once(tmp_path):
    procs = [subprocess.Popen([sys.executable, '-c', BUILD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs == [str(tmp_path/'mnist_sample')]*2
    assert sample_problems(tmp_path/'mnist_sample') == []
    assert not list(tmp_path.glob('.mnist_sample-tmp-*'))


def _read_only(path: Path):
    "Make `path` read-only for this process's children: a read-only bind mount when root (which ignores mode bits)"
    if os.geteuid() != 0:
        path.chmod(0o555)
        return []
    if not shutil.which('unshare'): pytest.skip('needs unshare to make a read-only folder as root')
    return ['unshare', '-m', 'sh', '-c', f'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', str(path)]


def test_read_only_data_folder(tmp_path):
    ro = tmp_path/'readonly'; ro.mkdir()
    prefix = _read_only(ro)
    code = ('import sys\nfrom mnist37.folders import mnist_sample\nfrom mnist37.storage import DataError\n'
            'try: mnist_sample(sys.argv[1], progress=False)\n'
            'except DataError as e: print("DataError:", e); sys.exit(3)\n')
    r = subprocess.run(prefix + [sys.executable, '-c', code, str(ro)], capture_output=True, text=True)
    if prefix and 'mount' in r.stderr and r.returncode != 3: pytest.skip(f'no read-only mount here: {r.stderr.strip()}')
    assert r.returncode == 3, r.stderr
    assert f'cannot write MNIST_SAMPLE into {ro}' in r.stdout
    assert 'FASTAI_HOME' in r.stdout  # it says what to do
    assert 'Traceback' not in r.stderr
    ro.chmod(0o755)


@pytest.mark.parametrize('name', ['mnist_sample.npz', 'cnn.pt'])
def test_corrupted_package_file_is_caught(tmp_path, monkeypatch, name):
    "One flipped byte in a packaged file, data or weights, is a DataError naming the file, not garbage"
    good = storage.assets_dir()
    shutil.copytree(good, tmp_path/'assets')
    monkeypatch.setattr(storage, 'assets_dir', lambda: tmp_path/'assets')
    assert storage.packaged_file(name) == tmp_path/'assets'/name  # an intact copy passes
    raw = bytearray((tmp_path/'assets'/name).read_bytes()); raw[len(raw)//2] ^= 0xFF
    (tmp_path/'assets'/name).write_bytes(bytes(raw))
    with pytest.raises(DataError, match=f'{name} is damaged'): storage.packaged_file(name)
    if name.endswith('.npz'):
        with pytest.raises(DataError, match='is damaged'): load_sample_arrays()


def test_network_is_refused():
    "The guard that conftest.py holds for the whole session: a connection to any outside address fails at once"
    with pytest.raises(ConnectionRefusedError, match='offline'):
        socket.create_connection(('93.184.216.34', 80), timeout=1)
