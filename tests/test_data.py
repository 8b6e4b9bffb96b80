"""What the data chapter can't show well: rebuilding damaged copies, interruptions, concurrency,
read-only folders, a corrupted package, the checksum list, and that the files are the raw MNIST release's 3s and 7s."""
import gzip, hashlib, itertools, os, shutil, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import mnist37.storage as storage
from conftest import RAW, SMALL, kill_half_way, mnist_idx, untar_data_afresh
from mnist37.data import SAMPLE_COUNTS, load_sample_arrays
from mnist37.folders import mnist_sample, sample_problems
from mnist37.storage import DataError

LABELS = Path(__file__).parent/'fixtures'/'mnist'  # its two label files, as released (33 KB), so every run has them
BUILD = 'import sys; from mnist37.folders import mnist_sample; print(mnist_sample(sys.argv[1], progress=False))'
PACKAGED = storage.assets_dir()  # the files that ship (own_assets copies them, to damage, for the test)

def test_layout_and_counts(full_sample):
    for (split, d), n in SAMPLE_COUNTS.items(): assert len(list((full_sample/split/d).glob('*.png'))) == n
    lines = (full_sample/'labels.csv').read_text().splitlines()
    assert lines[0] == 'name,label' and len(lines) == 14435
    assert 'train/3/10.png,0' in lines and (full_sample/'train'/'3'/'10.png').exists()
    assert all(l.endswith(',1') for l in lines[1:] if '/7/' in l)
    assert sample_problems(full_sample, verify=True) == []

# SHA-256 of each raw label file, uncompressed, as MNIST's SHA256SUMS gives it; and of the 3s (or 7s) of each raw image
# file, in the order of their names as text (fastai's order, and the package's), worked out from the raw release
LABELS_SHA256 = {'train': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
                 't10k': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2'}
PIXELS_SHA256 = {('train', '3'): '27827b5d0311478d77b7c8941be003d6f30b4a900c17e343c72534ac853c1ed5',
                 ('train', '7'): 'caeb194cda0262f4a16f302971a246ace03448704fade38b5d882a815830e66a',
                 ('valid', '3'): '02db1ddc2cb4157a1b621c8f9b51befcf890948ad060d5b0e35d9158963cdf7b',
                 ('valid', '7'): '9805bc09899883dda1913c99cdf3896dc246528558fe2c10bc36e4717a7589de'}
STEMS = {'train': 'train', 'valid': 't10k'}

def selection(split, d, labels:np.ndarray) -> np.ndarray:
    "The indices of digit `d` in `labels`, in the order of their names as text (10, 10000, 10011, ...)"
    return np.array(sorted(np.flatnonzero(labels == int(d)), key=str))

def test_the_3s_and_7s_of_mnist_in_their_order(full_sample):
    "The package and the folder hold exactly MNIST's 3s and 7s, in fastai's order, with the pixels of the raw release"
    arrays = load_sample_arrays()
    for split, stem in STEMS.items():
        labels_gz = LABELS/f'{stem}-labels-idx1-ubyte.gz'  # the release's own labels, by their SHA-256
        assert hashlib.sha256(gzip.decompress(labels_gz.read_bytes())).hexdigest() == LABELS_SHA256[stem]
        labels = mnist_idx(labels_gz)
        for d in '37':
            x, idx = arrays[(split, d)]
            assert np.array_equal(idx, selection(split, d, labels)), (split, d)  # every one, none else, in order
            assert hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest() == PIXELS_SHA256[(split, d)], (split, d)
            assert sorted(int(p.stem) for p in (full_sample/split/d).glob('*.png')) == sorted(idx)  # named by raw index

@pytest.mark.skipif(not RAW.exists(), reason='needs ../shared/data/mnist')
def test_the_digests_are_the_raw_releases():
    "The label files and the pixel digests above are those of the raw MNIST files, where they are at hand"
    for split, stem in STEMS.items():
        assert (LABELS/f'{stem}-labels-idx1-ubyte.gz').read_bytes() == (RAW/f'{stem}-labels-idx1-ubyte.gz').read_bytes()
        labels, images = mnist_idx(RAW/f'{stem}-labels-idx1-ubyte.gz'), mnist_idx(RAW/f'{stem}-images-idx3-ubyte.gz')
        for d in '37':
            assert hashlib.sha256(images[selection(split, d, labels)].tobytes()).hexdigest() == PIXELS_SHA256[(split, d)]

def test_untar_data_finds_it_offline(tmp_path, monkeypatch, small_sample):
    from fastai.data.external import URLs
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'home'))
    path = mnist_sample(progress=False)
    assert path == tmp_path/'home'/'data'/'mnist_sample'
    assert untar_data_afresh(URLs.MNIST_SAMPLE) == path  # the network guard in conftest.py would fail a download

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
    calls, real_save = itertools.count(1), Image.Image.save
    def save(self, *a, **k):
        if next(calls) == 500: raise KeyboardInterrupt
        return real_save(self, *a, **k)
    monkeypatch.setattr(Image.Image, 'save', save)
    with pytest.raises(KeyboardInterrupt): mnist_sample(tmp_path, progress=False)
    assert not (tmp_path/'mnist_sample').exists()
    assert not list(tmp_path.glob('.mnist_sample-*'))  # the temporary folder went too

def test_killed_process_leaves_nothing_half_built(tmp_path, small_sample):
    "A SIGKILL gives no chance to clean up: the next call must still build a complete copy"
    kill_half_way(BUILD, tmp_path, 'mnist_sample', 'train', timeout=60)
    assert sample_problems(mnist_sample(tmp_path, progress=False)) == []
    assert not list(tmp_path.glob('.mnist_sample-tmp-*'))

def test_two_processes_at_once(tmp_path):
    "Two processes that start writing the folder at the same moment (each with 200 images per digit) both get it whole"
    code = (SMALL % (200, 200)) + 'sys.stdin.readline()\n' + BUILD  # imported, then wait for the word to go
    procs = [subprocess.Popen([sys.executable, '-c', code, str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs: p.stdin.write('go\n')
    for p in procs: p.stdin.flush()
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outs == [str(tmp_path/'mnist_sample')]*2
    path = tmp_path/'mnist_sample'
    assert len(list(path.rglob('*.png'))) == 800 and len((path/'labels.csv').read_text().splitlines()) == 801
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
def test_corrupted_package_file_is_caught(own_assets, name):
    "One flipped byte in a packaged file, data or weights, is a DataError naming the file, not garbage"
    assert storage.packaged_file(name) == own_assets/name  # an intact copy passes
    raw = bytearray((own_assets/name).read_bytes()); raw[len(raw)//2] ^= 0xFF
    (own_assets/name).write_bytes(bytes(raw))
    with pytest.raises(DataError, match=f'{name} is damaged'): storage.packaged_file(name)
    if name.endswith('.npz'):
        with pytest.raises(DataError, match='is damaged'): load_sample_arrays()

def test_checksum_list_is_what_write_sha256sums_writes(own_assets):
    "SHA256SUMS lists every file that ships, as `sha256sum -c` reads it; hidden files and folders are not listed"
    committed = (own_assets/'SHA256SUMS').read_text()
    (own_assets/'SHA256SUMS').unlink()
    (own_assets/'.hidden').write_text('not listed'); (own_assets/'folder').mkdir()
    assert storage.write_sha256sums(own_assets) == own_assets/'SHA256SUMS'
    assert (own_assets/'SHA256SUMS').read_text() == committed  # the list that ships is exactly what it writes
    names = [l.split('  ')[1] for l in committed.splitlines()]
    assert names == sorted(p.name for p in PACKAGED.iterdir() if p.is_file() and p.name != 'SHA256SUMS'
                           and not p.name.startswith('.'))
    for name in names:  # `sha256sum -c`'s format: the digest, two spaces, the name
        assert committed.count(f'{hashlib.sha256((PACKAGED/name).read_bytes()).hexdigest()}  {name}\n') == 1
    (own_assets/'cnn.pt').write_bytes(b'other weights')  # written again after a change: the change is what it checks
    storage.write_sha256sums()
    assert storage.packaged_file('cnn.pt') == own_assets/'cnn.pt'
