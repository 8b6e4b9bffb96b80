"""`mnist_png()`: the full MNIST as fastai's folder of 70,000 PNGs, the raw files' own pictures under the names of
fastai's archive, with the promises MNIST_SAMPLE keeps: a repair keeps the user's files and follows no link, and two
runs at once or a killed run leave a complete folder or none.

The whole folder is written once for this file, by two processes at once (which is itself a test); the tests that
damage a folder work on one cut down to 100 images per split, written in this process."""
import os, shutil, stat, subprocess, sys

import numpy as np
import pytest
from PIL import Image

from conftest import RAW, kill_half_way, mnist_idx, untar_data_afresh
import mnist37.folders as folders
from mnist37.folders import MNIST_PNG, folder_problems, mnist_png

BUILD = 'import sys; from mnist37.folders import mnist_png; print(mnist_png(sys.argv[1], progress=False))'
# how many images of each digit, 0 to 9, MNIST has (LeCun et al.; also the labels' counts in the raw files)
COUNTS = {'training': [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
          'testing': [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]}

@pytest.fixture(scope='module')
def two_runs(tmp_path_factory):
    "Two processes ask for mnist_png at the same moment, in one empty data folder: `(data folder, exit codes, outputs)`"
    data = tmp_path_factory.mktemp('fastai')/'data'
    procs = [subprocess.Popen([sys.executable, '-c', BUILD, str(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=900) for p in procs]
    return data, [p.returncode for p in procs], outs

@pytest.fixture(scope='module')
def built(two_runs):
    "The complete folder the two runs wrote (not to be damaged: it is shared by the tests of this file)"
    data, codes, outs = two_runs
    assert codes == [0, 0], outs
    return data/'mnist_png'

@pytest.fixture
def small(monkeypatch):
    "The packaged MNIST cut to its first 100 training and 100 test images (every digit is among them), for this process"
    train_x, train_y, test_x, test_y = folders.load_mnist_arrays()
    cut = train_x[:100], train_y[:100], test_x[:100], test_y[:100]
    monkeypatch.setattr(folders, 'load_mnist_arrays', lambda: cut)
    monkeypatch.setattr(folders, 'load_mnist_labels', lambda: (cut[1], cut[3]))
    return cut

@pytest.fixture
def copy(small, tmp_path):
    "A complete cut-down mnist_png to damage"
    return mnist_png(tmp_path/'data', progress=False)

def test_two_processes_at_once(two_runs):
    "Both runs return the same complete folder: one writes it while the other waits for the lock, then finds it done"
    data, codes, outs = two_runs
    assert codes == [0, 0] and [o for o, _ in outs] == [f'{data/"mnist_png"}\n']*2, outs
    assert [e for _, e in outs] == ['', '']  # no progress bar when asked for none, no warning, no traceback
    assert sorted(p.name for p in data.iterdir()) == ['.mnist_png.lock', 'mnist_png']  # no temporary folder left

def test_layout_and_counts(built):
    "fastai's layout: training/ and testing/, a folder per digit, one PNG per image named after its index, nothing else"
    assert sorted(p.name for p in built.iterdir()) == ['testing', 'training']
    for split, counts in COUNTS.items():
        assert sorted(p.name for p in (built/split).iterdir()) == [str(d) for d in range(10)]
        assert [len(os.listdir(built/split/str(d))) for d in range(10)] == counts
    names = {int(n[:-4]) for d in range(10) for n in os.listdir(built/'testing'/str(d))}
    assert names == set(range(10_000)) and (built/'training'/'5'/'0.png').is_file()  # the first training image is a 5
    assert folder_problems(MNIST_PNG, built) == []

@pytest.mark.skipif(not RAW.exists(), reason='needs the raw MNIST files in ../shared/data/mnist')
def test_every_picture_is_the_raw_files_picture(built):
    "Pixel-exact: each of the 70,000 PNGs is the raw file's image at its index, in the folder of that image's label"
    for split, stem in (('training', 'train'), ('testing', 't10k')):
        images, labels = mnist_idx(RAW/f'{stem}-images-idx3-ubyte.gz'), mnist_idx(RAW/f'{stem}-labels-idx1-ubyte.gz')
        seen = np.zeros(len(labels), bool)
        for d in range(10):
            for name in os.listdir(built/split/str(d)):
                i = int(name[:-4])
                assert labels[i] == d, f'{split}/{d}/{name}: the raw label is {labels[i]}'
                with Image.open(built/split/str(d)/name) as im:
                    assert im.mode == 'L' and np.array_equal(np.asarray(im), images[i]), f'{split}/{d}/{name}'
                seen[i] = True
        assert seen.all()  # and every image is there

@pytest.mark.skipif(not RAW.exists(), reason='needs the raw MNIST files in ../shared/data/mnist')
def test_packaged_arrays_are_the_raw_files():
    "mnist.npz holds the four raw files' contents, in their order"
    got = folders.load_mnist_arrays()
    want = [mnist_idx(RAW/f'{stem}-{kind}.gz') for stem in ('train', 't10k')
            for kind in ('images-idx3-ubyte', 'labels-idx1-ubyte')]
    assert all(a.dtype == np.uint8 and np.array_equal(a, b) for a, b in zip(got, want))

def test_untar_data_finds_it_offline(built, tmp_path, monkeypatch):
    "With mnist_png in fastai's data folder (here a link to the one above), untar_data(URLs.MNIST) needs no network"
    from fastai.data.external import URLs
    monkeypatch.setenv('FASTAI_HOME', str(tmp_path/'home'))
    (tmp_path/'home'/'data').mkdir(parents=True)
    (tmp_path/'home'/'data'/'mnist_png').symlink_to(built)  # the folder itself may be a link of the user's
    path = mnist_png(progress=False)
    assert path == tmp_path/'home'/'data'/'mnist_png'
    assert untar_data_afresh(URLs.MNIST) == path  # conftest's network guard would fail a download

def test_repair_keeps_the_users_files(small, copy, capsys):
    "Damaged PNGs of ours are rewritten; the user's files at every depth, and a copy of one of ours, are kept"
    first, second, third = sorted((copy/'training'/'5').iterdir())[:3]
    mine = {copy/'notes.md': b'which seed was best', copy/'models'/'my.pth': b'\x80weights of an afternoon',
            copy/'training'/'notes.txt': b'mine', copy/'training'/'5'/'my_own.png': first.read_bytes(),
            copy/'testing'/'7'/'extra'/'a.txt': b'also mine'}
    for p, data in mine.items(): p.parent.mkdir(exist_ok=True); p.write_bytes(data)
    assert folder_problems(MNIST_PNG, copy, verify=True) == []  # the user's files are not damage
    first.unlink(); second.write_bytes(b'')
    shutil.copy(next((copy/'training'/'0').iterdir()), third)  # a PNG, but of another image: only verify=True sees it
    n = (small[1] == 5).sum()
    assert folder_problems(MNIST_PNG, copy, verify=True) == [
        f'training/5: 1 of {n} images missing', f'training/5: 1 of {n} images are empty or too large',
        f'training/5: 1 of {n} images do not hold the expected pixels']
    assert mnist_png(copy.parent, verify=True, progress=False) == copy
    assert f'rewrote {", ".join(f"training/5/{p.name}" for p in (first, second, third))}' in capsys.readouterr().out
    assert folder_problems(MNIST_PNG, copy, verify=True) == []
    assert {p: p.read_bytes() for p in mine} == mine
    assert sorted(p.name for p in copy.parent.iterdir()) == ['.mnist_png.lock', 'mnist_png']

def test_links_inside_are_never_followed(small, copy, tmp_path):
    "A link where a PNG or a digit folder belongs is replaced (the link, not its target); the user's own link stays"
    theirs = tmp_path/'theirs.png'; theirs.write_bytes(b'not ours'); theirs.chmod(0o644)
    elsewhere = tmp_path/'elsewhere'; shutil.copytree(copy/'testing'/'3', elsewhere); elsewhere.chmod(0o755)
    png = sorted((copy/'training'/'1').iterdir())[0]
    png.unlink(); png.symlink_to(theirs)
    shutil.rmtree(copy/'testing'/'3'); (copy/'testing'/'3').symlink_to(elsewhere)
    (copy/'training'/'mine').symlink_to(elsewhere)  # the user's own link, at a name that is not ours
    before = sorted(os.listdir(elsewhere))
    ones = (small[1] == 1).sum()
    assert set(folder_problems(MNIST_PNG, copy)) == {'testing/3 is a symbolic link',
                                                     f'training/1: 1 of {ones} images are symbolic links'}
    mnist_png(copy.parent, progress=False)
    assert folder_problems(MNIST_PNG, copy, verify=True) == []
    assert png.is_file() and not png.is_symlink()
    assert (copy/'testing'/'3').is_dir() and not (copy/'testing'/'3').is_symlink()
    assert (copy/'training'/'mine').is_symlink()
    assert theirs.read_bytes() == b'not ours' and stat.S_IMODE(theirs.stat().st_mode) == 0o644
    assert sorted(os.listdir(elsewhere)) == before and stat.S_IMODE(elsewhere.stat().st_mode) == 0o755

def test_a_killed_run_leaves_nothing_half_done(small, tmp_path):
    "SIGKILL in the middle of writing: no mnist_png appears, and the next run cleans up and writes a complete one"
    # killed once the first PNG is written (training image 1 is the first 0), and the rest under way
    kill_half_way(BUILD, tmp_path, 'mnist_png', 'training/0/1.png', timeout=120)
    assert folder_problems(MNIST_PNG, mnist_png(tmp_path, progress=False), verify=True) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ['.mnist_png.lock', 'mnist_png']

def test_command_line_writes_and_checks_it(small, tmp_path, capsys):
    "`mnist37 data --full` writes mnist_png as `mnist37 data` writes mnist_sample, then finds it complete"
    import mnist37.cli as cli
    checked = 'all 200 images, every pixel as packaged\n'
    assert cli.main(['data', '--full', '--data-dir', str(tmp_path)]) == 0
    assert capsys.readouterr().out == f'wrote MNIST into {tmp_path/"mnist_png"} and read back every file: {checked}'
    assert cli.main(['data', '--full', '--data-dir', str(tmp_path)]) == 0
    assert capsys.readouterr().out == f'MNIST in {tmp_path/"mnist_png"} is complete: {checked}'
    assert not (tmp_path/'mnist_sample').exists()
    with pytest.raises(SystemExit): cli.main(['data', '--help'])
    assert '--full' in capsys.readouterr().out  # the option is in the command's help
