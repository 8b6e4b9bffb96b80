"""Faults an ordinary but careless (or hostile) user can cause, and what mnist37 must do about each: lose nothing of
theirs, leave no half-written file, answer every input in bounded time and memory, and report every failure as one
line on stderr with exit status 2 (1 for a mistake in the command line itself), never a traceback.

Each test names the fault it covers. None depends on timing: where a fault used to hang, the command runs under a
generous timeout that only a hang would reach, and the test checks the answer it gives."""
import errno, os, re, shutil, signal, stat, struct, subprocess, sys, time, types, zipfile, zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import CMD, SMALL_CMD, SMALL_N, one_line_error, run
from mnist37.images import PIPE_SECONDS, ImageError, preprocess, read_image
from mnist37.photos import synthetic_photo
from mnist37.inference import OnnxModel, Prediction, iter_predictions, predict, predict_batch, prob_3
from mnist37.models import WeightsError, load_weights, new_model, packaged_model, save_weights
from mnist37.folders import mnist_sample, sample_problems
from mnist37.storage import DataError, packaged_file
import mnist37.cli as cli
import mnist37.inference as inference
import mnist37.models
import mnist37.storage as storage

# --- the data folder ---------------------------------------------------------------------------------------------------

def test_folder_gets_the_usual_permissions(tmp_path, small_sample):
    "It was created drwx------ (mkdtemp's mode), unreadable to the other users of a shared FASTAI_HOME"
    path = mnist_sample(tmp_path, progress=False)
    want = 0o777 & ~storage.current_umask()
    assert stat.S_IMODE(path.stat().st_mode) == want and stat.S_IMODE((path/'train').stat().st_mode) == want

@pytest.mark.parametrize('damage', ['labels_flipped', 'labels_garbage'])
def test_labels_csv_contents_are_checked(copy, damage):
    "A labels.csv with every label changed, or 14,435 lines of garbage, was reported as complete and verified"
    csv = copy/'labels.csv'
    lines = csv.read_text().splitlines()
    if damage == 'labels_flipped': lines = [lines[0]] + [l[:-1] + str(1 - int(l[-1])) for l in lines[1:]]
    else: lines = ['garbage'] * len(lines)
    csv.write_text('\n'.join(lines) + '\n')
    assert any('labels.csv' in p for p in sample_problems(copy))
    mnist_sample(copy.parent, progress=False)
    assert sample_problems(copy) == []

def test_data_says_what_it_checked_and_keeps_logs_clean(tmp_path):
    "It said 'every pixel checked' right after writing a copy it never read back, and wrote its progress bar into logs"
    r = run('data', '--data-dir', tmp_path/'fastai', cmd=SMALL_CMD)  # stdout is a pipe here, as when it goes to a log
    path = tmp_path/'fastai'/'mnist_sample'
    assert r.returncode == 0 and 'wrote' in r.stdout and 'read back' in r.stdout and str(path) in r.stdout, r.stdout
    assert r.stdout.count('\n') == 1 and '\r' not in r.stdout + r.stderr and r.stderr == '', r.stdout  # one line, no bar
    assert len(list(path.rglob('*.png'))) == 4 * SMALL_N and len((path/'labels.csv').read_text().splitlines()) == 4 * SMALL_N + 1
    r = run('data', '--data-dir', tmp_path/'fastai', cmd=SMALL_CMD)
    assert r.returncode == 0 and 'wrote' not in r.stdout and 'every pixel' in r.stdout, r.stdout
    r = run('data', '-q', '--data-dir', tmp_path/'fastai', cmd=SMALL_CMD)
    assert r.returncode == 0 and r.stdout == '' and r.stderr == ''

def test_stale_leftovers_are_removed(tmp_path, small_sample):
    "A killed build's folder stayed forever when it was read-only, or when a file stood where a folder was expected"
    old = tmp_path/'.mnist_sample-old-123'; (old/'train').mkdir(parents=True); (old/'train'/'1.png').write_bytes(b'x')
    (old/'train').chmod(0o555); old.chmod(0o555)
    (tmp_path/'.mnist_sample-tmp-abc').write_text('a file, not a folder')
    mnist_sample(tmp_path, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['.mnist_sample.lock', 'mnist_sample']

@pytest.mark.parametrize('home', ['file', 'readonly'])
def test_errors_name_the_real_folder(tmp_path, home, monkeypatch, capfd):
    "With FASTAI_HOME a file or read-only, the message said 'into None', or fastai's config.ini raised PermissionError"
    h = tmp_path/'home'
    if home == 'file': h.write_text('not a folder')
    else: h.mkdir(); h.chmod(0o555)
    if home == 'readonly' and os.geteuid() == 0: pytest.skip('root writes into a read-only folder; test_data.py covers it with a read-only mount')
    r = run('data', env={'FASTAI_HOME': str(h)})
    line = one_line_error(r)
    assert str(h) in line and 'None' not in line
    monkeypatch.setenv('FASTAI_HOME', str(h))  # the Python API says the same (fastai reads FASTAI_HOME afresh each call)
    with pytest.raises(DataError, match=re.escape(str(h))): mnist_sample()
    assert capfd.readouterr() == ('', '')

def test_damaged_checksum_list(own_assets):
    "An empty or damaged SHA256SUMS raised IndexError"
    for text in ['', 'not a checksum line\n']:
        (own_assets/'SHA256SUMS').write_text(text)
        with pytest.raises(DataError, match='SHA256SUMS'): packaged_file('mnist_sample.npz')

def test_damaged_package_during_train_is_one_line(own_assets, tmp_path, capsys):
    "A damaged package made train and reproduce print a full traceback"
    (own_assets/'mnist_sample.npz').write_bytes(b'not the data')
    assert cli.main(['train', '--model', 'linear', '-q', '--out', str(tmp_path/'w.pt')]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith('mnist37: error: ') and 'is damaged' in err[0] and not (tmp_path/'w.pt').exists()

# --- writing files -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def good_weights(tmp_path_factory):
    "A previous model the user cares about"
    p = tmp_path_factory.mktemp('prev')/'prev.pt'
    save_weights(new_model('linear'), p)
    return p

def _untrained(kind, **kw):
    "What train_model returns, without the training: these tests are about what happens to the files"
    return types.SimpleNamespace(model=new_model(kind), recorder=types.SimpleNamespace(values=[[0.5]]))

def test_a_write_that_fails_half_way_keeps_the_previous_file(good_weights, tmp_path):
    "train --out opened the target with truncation: a full disk left 0 or 2,048 bytes where a good model was"
    prev = tmp_path/'prev.pt'; shutil.copy(good_weights, prev)
    limit = 'import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))'
    untrained = ('import types, mnist37.models as m\n'  # as _untrained below: this test is about the file, not the training
                 'm.train_model = lambda kind, **kw: types.SimpleNamespace(model=m.new_model(kind), recorder=types.SimpleNamespace(values=[[0.5]]))\n')
    code = (f'import signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); {limit}\n{untrained}'
            'from mnist37.cli import main; sys.exit(main(sys.argv[1:]))')
    r = subprocess.run([sys.executable, '-c', code, 'train', '--model', 'mlp', '--epochs', '1', '-q', '--out', str(prev)],
                       capture_output=True, text=True, timeout=300)
    assert 'cannot write' in one_line_error(r)
    assert prev.read_bytes() == good_weights.read_bytes() and sorted(p.name for p in tmp_path.iterdir()) == ['prev.pt']

def test_a_kill_during_a_write_keeps_the_previous_file(good_weights, tmp_path):
    "Killed half way through writing, the target is still the old file"
    prev = tmp_path/'prev.pt'; shutil.copy(good_weights, prev)
    code = ('import sys, time; from mnist37.storage import atomic_write\n'
            'with atomic_write(sys.argv[1]) as f:\n    f.write(b"half a model"); f.flush(); print("writing", flush=True); time.sleep(120)')
    p = subprocess.Popen([sys.executable, '-c', code, str(prev)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline() == 'writing\n'
    p.kill(); p.wait()
    assert prev.read_bytes() == good_weights.read_bytes()

@pytest.mark.parametrize('where', ['readonly', 'folder', 'fifo'])
def test_train_checks_where_it_will_write_before_training(tmp_path, where):
    "A bad --out (a read-only folder, a folder, /dev/full) was found only after a minute of training, as a traceback"
    if where == 'readonly':
        if os.geteuid() == 0: pytest.skip('root can write into a read-only folder')
        d = tmp_path/'ro'; d.mkdir(); d.chmod(0o555); out = d/'w.pt'
    elif where == 'folder': out = tmp_path
    else: out = tmp_path/'w.pt'; os.mkfifo(out)  # not a regular file, like /dev/full, which a rename would replace
    r = run('train', '--model', 'cnn', '--out', out)
    line = one_line_error(r)
    assert str(out) in line and 'training' not in r.stdout, r.stdout  # refused before any training started
    if where == 'fifo': assert stat.S_ISFIFO(os.stat(out).st_mode)  # and it is still what it was

def test_reproduce_checks_its_folder_before_training(tmp_path):
    (tmp_path/'results').write_text('a file where the folder should go')
    r = run('reproduce', '--out', tmp_path/'results')
    assert str(tmp_path/'results') in one_line_error(r) and r.stdout == ''

# --- pictures ----------------------------------------------------------------------------------------------------------

class _ManyPages(Image.Image):
    "Stands in for a TIFF with a million pages: says it is animated, and fails the test if anything counts its frames"
    is_animated = True
    @property
    def n_frames(self): raise AssertionError('counted every frame of a many-page file')

def test_multi_page_files_are_refused_without_counting_pages():
    "Counting pages with n_frames kept predict busy for minutes on a small TIFF with 100,000 pages"
    with pytest.raises(ImageError, match='animated or multi-page'): read_image(_ManyPages())

PEAK_MB = 'int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) // 1024'
# VmHWM, not getrusage: ru_maxrss carries over the parent's peak through fork and exec

def _peak_rss_mb(code, *args):
    "Peak memory of a fresh Python (images module only, no PyTorch) running `code`, in MB"
    full = f'import sys\n{code}\nprint({PEAK_MB})'
    r = subprocess.run([sys.executable, '-c', full, *map(str, args)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()

@pytest.mark.parametrize('kind', ['16bit', 'rgba'])
def test_big_pictures_stay_within_the_memory_budget(tmp_path, kind):
    "A 9000x9000 16-bit PNG cost 2.26 GB and a large RGBA picture 2 GB, because they were converted at full size"
    path = tmp_path/f'{kind}.png'
    side = 9000 if kind == '16bit' else 8000
    ink = np.zeros((side, side), np.uint16 if kind == '16bit' else np.uint8)
    ink[side//4:3*side//4, side//2 - side//20:side//2 + side//20] = 60000 if kind == '16bit' else 255  # a thick 1
    if kind == '16bit': Image.fromarray(ink).save(path)
    else: Image.fromarray(np.stack([np.zeros_like(ink)] * 3 + [ink], -1), 'RGBA').save(path)
    out, mb = _peak_rss_mb('from mnist37.images import preprocess; x = preprocess(sys.argv[1]); print(round(float(x.sum())))', path)
    assert int(mb) < 1000 and float(out) > 10, (out, mb)  # read, within 1 GB

def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    "A 300 MB text chunk in a PNG cost 2.27 GB: files above the size limit are refused unread"
    path = tmp_path/'chatty.png'
    synthetic_photo(3, (60, 60)).save(path)
    png = path.read_bytes()
    text = b'tEXt' + b'Comment\x00' + b'x' * (60 << 20)
    chunk = struct.pack('>I', len(text) - 4) + text + struct.pack('>I', zlib.crc32(text))
    path.write_bytes(png[:33] + chunk + png[33:])  # after the IHDR chunk
    with pytest.raises(ImageError, match='larger than'): preprocess(path)

def test_formats_that_run_programs_are_refused_by_name(tmp_path):
    "PostScript would run Ghostscript on untrusted input wherever Ghostscript is installed"
    path = tmp_path/'digit.eps'
    path.write_bytes(b'%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n%%EndComments\nshowpage\n')
    with pytest.raises(ImageError, match='EPS pictures are not accepted'): preprocess(path)

@pytest.mark.parametrize('kind', ['zero', 'fifo', 'loop'])
def test_odd_files_get_the_right_reason_in_bounded_time(tmp_path, kind):
    "/dev/zero and a FIFO were 'empty file' (and a FIFO could hang); a symlink loop was 'no such file'"
    if kind == 'zero': path, why = Path('/dev/zero'), 'not a regular file (a character device)'
    elif kind == 'fifo':  # no writer, ever
        path, why = tmp_path/'pipe.png', f'a pipe that delivered no picture within {PIPE_SECONDS} seconds'; os.mkfifo(path)
    else: path, why = tmp_path/'loop.png', 'a symbolic link that leads back to itself'; path.symlink_to(tmp_path/'loop.png')
    r = run('predict', path, timeout=120)
    assert r.returncode == 2 and r.stderr.splitlines() == [f'{path}: error: {why}'] and r.stdout == '', r.stderr

def test_a_pipe_is_read(photo):
    "predict <(cat photo.png): a pipe is read, up to the size limit"
    r = run(photo, cmd=['bash', '-c', f'{" ".join(CMD)} predict <(cat "$0")'], timeout=120)
    assert r.returncode == 0 and re.fullmatch(rf'/dev/fd/\d+: 7 \({predict(photo).prob:.3f}\)\n', r.stdout), r.stdout + r.stderr

# --- weights -----------------------------------------------------------------------------------------------------------

def test_a_fifo_as_weights_does_not_hang(tmp_path, photo):
    os.mkfifo(tmp_path/'w.pt')
    r = run('predict', '--weights', tmp_path/'w.pt', photo, timeout=120)
    assert 'not a regular file' in one_line_error(r)

BAD_WEIGHTS = {'sparse': (lambda w: w.to_sparse(), 'not plain'), 'nan': (lambda w: torch.full_like(w, float('nan')), 'NaN or infinite'),
               **{t: (lambda w, t=t: (w * 100).to(getattr(torch, t)), f'weight holds {t} numbers, where a linear model has floating')
                  for t in ('complex64', 'int64', 'uint8')}}

@pytest.mark.parametrize('bad', BAD_WEIGHTS)
def test_weights_a_model_cannot_hold_are_refused(tmp_path, bad):
    """A sparse tensor escaped as a RuntimeError from load_state_dict; NaN weights loaded and predicted '7 (nan)'; complex or
    integer weights loaded, and predicted '3 (0.501)'"""
    change, msg = BAD_WEIGHTS[bad]
    sd = new_model('linear').state_dict()
    torch.save({**sd, 'weight': change(sd['weight'])}, tmp_path/'w.pt')
    with pytest.raises(WeightsError, match=msg): load_weights(tmp_path/'w.pt')

def test_a_weights_file_that_inflates_is_refused(tmp_path):
    "A 1.9 MB file that inflates to 2 GB cost 2.7 GB of memory before it was rejected"
    bomb = tmp_path/'bomb.pt'
    with zipfile.ZipFile(bomb, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('bomb/data.pkl', b'\x80\x02}q\x00.')
        with z.open('bomb/data/0', 'w', force_zip64=True) as f:
            for _ in range(200): f.write(bytes(1 << 20))  # 200 MB of zeros, a few hundred KB compressed
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(WeightsError, match='too large'): load_weights(bomb)

def test_training_that_diverges_saves_nothing(tmp_path, good_weights, monkeypatch, capsys):
    "--lr nan saved NaN weights and reported success; training that diverges must not replace a good model either"
    def diverged(kind, **kw):  # what a too-large learning rate leads to (e.g. --model cnn --lr 1e30), without the training
        trained = _untrained(kind)
        with torch.no_grad(): trained.model.weight.fill_(float('nan'))
        return trained
    monkeypatch.setattr(mnist37.models, 'train_model', diverged)
    prev = tmp_path/'prev.pt'; shutil.copy(good_weights, prev)
    assert cli.main(['train', '--model', 'linear', '-q', '--out', str(prev)]) == 2
    assert 'NaN' in capsys.readouterr().err and prev.read_bytes() == good_weights.read_bytes()

# --- the command line in ordinary Unix use -----------------------------------------------------------------------------

@pytest.fixture(scope='module')
def many(tmp_path_factory):
    "600 small pictures"
    d = tmp_path_factory.mktemp('many')
    for i in range(600): synthetic_photo('37'[i % 2], (40, 40), 0.8, seed=i).save(d/f'{i:04}.png')
    return sorted(d.iterdir())

def in_bash(script, *args, cmd=CMD, timeout=120):
    """`cmd ARGS` (the command by default), run by bash where `script` says "$@": behind a redirection, in a pipe"""
    return run(*args, cmd=['bash', '-c', script, 'sh', *cmd], timeout=timeout)

def test_output_into_a_closed_pipe(many):
    "predict *.png | head -1 died with a BrokenPipeError traceback"
    r = in_bash('set -o pipefail; "$@" | head -1', 'predict', *many, timeout=300)
    assert len(r.stdout.splitlines()) == 1 and 'Traceback' not in r.stderr and r.stderr == '', r.stderr

def test_output_onto_a_full_disk(photo):
    "predict > /dev/full gave an OSError traceback"
    with open('/dev/full', 'w') as full: r = subprocess.run([*CMD, 'predict', str(photo)], stdout=full, stderr=subprocess.PIPE, text=True)
    assert 'No space left' in one_line_error(r)

@pytest.mark.parametrize('name, env', [(b'caf\xe9.png', {}), ('café.png', {'PYTHONIOENCODING': 'ascii'}),
                                       ('two\nlines.png', {})])
def test_any_file_name_is_one_line_of_output(tmp_path, photo, name, env):
    "A name that isn't UTF-8 (or isn't ASCII under an ASCII terminal) crashed the batch; a newline forged a result line"
    folder = os.fsencode(tmp_path)
    path = os.path.join(folder, name if isinstance(name, bytes) else os.fsencode(name))
    shutil.copy(photo, path)
    r = run('predict', path, photo, env=env, text=False)
    out = r.stdout.decode('ascii' if env else 'utf-8')
    assert r.returncode == 0 and len(out.splitlines()) == 2 and out.splitlines()[1].startswith(str(photo)), out

def test_results_stream_and_memory_stays_flat(many):
    "20,000 files took 1.9 GB and printed nothing until the end, so Ctrl-C lost every result"
    code = f'import sys\nfrom mnist37.cli import main\nrc = main(["predict", *sys.argv[1:]])\nprint({PEAK_MB}, file=sys.stderr)'
    def peak(files):
        r = subprocess.run([sys.executable, '-c', code, *map(str, files)], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and len(r.stdout.splitlines()) == len(files), r.stderr
        return int(r.stderr.split()[-1])
    assert peak(many * 4) < peak(many[:100]) + 60  # 2,400 pictures take hardly more memory than 100
    p = subprocess.Popen([*CMD, 'predict', *map(str, many * 20)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stdout.readline()  # results arrive while the rest are still being read
    p.send_signal(signal.SIGINT)
    rest, err = p.communicate(timeout=120)
    assert first.startswith(str(many[0])) and p.returncode == 130 and err.strip() == 'mnist37: error: interrupted', err
    assert all(l.endswith(')') for l in (first + rest).splitlines())  # what was done was printed, line by line

@pytest.mark.parametrize('args, msg', [((), 'mnist37 --help'), (('fly',), 'mnist37 --help'),
                                       (('predict',), 'mnist37 predict --help'), (('train', '--model', 'resnet'), 'invalid choice')])
def test_usage_mistakes_exit_1(args, msg):
    "A mistake in the command itself is one line too, pointing at the help, with exit status 1"
    assert msg in one_line_error(run(*args), status=1)

# Issue 15: the data folder and the command line ------------------------------------------------------------------------

def test_repair_keeps_the_users_files_at_every_depth(copy, capsys):
    """A rebuild deleted the whole folder, fastai's models/ and the user's files with it; later a repair moved train/ and
    valid/ aside and deleted them, with the user's notes and pictures inside"""
    first = sorted((copy/'train'/'3').iterdir())[0]
    (copy/'models').mkdir(); (copy/'models'/'my.pth').write_bytes(b'\x80weights of an afternoon')
    (copy/'notes.md').write_text('which seed was best'); (copy/'train'/'notes.txt').write_text('mine')
    shutil.copy(first, copy/'train'/'3'/'my_own.png')
    (copy/'valid'/'7'/'extra').mkdir(); (copy/'valid'/'7'/'extra'/'a.txt').write_text('also mine')
    assert sample_problems(copy) == []  # the user's files are not damage
    first.write_bytes(b''); sorted((copy/'valid'/'3').iterdir())[0].unlink()  # two of ours: one damaged, one missing
    assert mnist_sample(copy.parent, progress=False) == copy and sample_problems(copy, verify=True) == []
    assert (copy/'models'/'my.pth').read_bytes() == b'\x80weights of an afternoon' and (copy/'notes.md').read_text() == 'which seed was best'
    assert (copy/'train'/'notes.txt').read_text() == 'mine' and (copy/'valid'/'7'/'extra'/'a.txt').read_text() == 'also mine'
    assert (copy/'train'/'3'/'my_own.png').read_bytes() == first.read_bytes()
    assert f'rewrote train/3/{first.name}' in capsys.readouterr().out  # and it says which of its own it replaced
    assert sorted(p.name for p in copy.parent.iterdir()) == ['.mnist_sample.lock', 'mnist_sample']

def test_repair_stops_at_a_folder_of_the_users_where_a_file_of_ours_belongs(copy):
    "Something that is neither one of our files nor a link, where one of ours belongs, is named, and nothing is deleted"
    victim = sorted((copy/'valid'/'3').iterdir())[0]
    victim.unlink(); victim.mkdir(); (victim/'kept.txt').write_text('mine')
    with pytest.raises(DataError, match=f'{victim.name} is a folder.*move it out of the way'): mnist_sample(copy.parent, progress=False)
    assert (victim/'kept.txt').read_text() == 'mine'

def test_links_in_the_data_folder_are_never_followed(copy, tmp_path):
    "A link inside the folder made the repair chmod its target (a user's folder became drwx------)"
    mine = tmp_path/'mine'; mine.mkdir(); mine.chmod(0o755); (mine/'keep.txt').write_text('mine')
    theirs = tmp_path/'theirs.png'; theirs.write_bytes(b'not ours'); theirs.chmod(0o644)
    (copy/'train'/'link').symlink_to(mine)  # the user's own link: stays, and so does what it points to
    png = sorted((copy/'valid'/'3').iterdir())[0]
    png.unlink(); png.symlink_to(theirs)  # a link where one of our PNGs belongs: damage, replaced by a file
    shutil.copytree(copy/'valid'/'7', mine/'7')
    shutil.rmtree(copy/'valid'/'7'); (copy/'valid'/'7').symlink_to(mine/'7')  # a link where our folder belongs
    old = copy.parent/'.mnist_sample-old-1'; old.mkdir(); (old/'link').symlink_to(mine)  # a killed run's leftover
    sorted((copy/'train'/'7').iterdir())[0].write_bytes(b'')  # and one of our files damaged, so a repair runs for certain
    mnist_sample(copy.parent, progress=False)
    assert stat.S_IMODE(mine.stat().st_mode) == 0o755 and stat.S_IMODE(theirs.stat().st_mode) == 0o644
    assert sample_problems(copy, verify=True) == []
    assert png.is_file() and not png.is_symlink() and not (copy/'valid'/'7').is_symlink()
    assert (copy/'train'/'link').is_symlink() and not old.exists()
    assert (mine/'keep.txt').read_text() == 'mine' and theirs.read_bytes() == b'not ours' and len(list((mine/'7').iterdir())) == 6

def test_train_refuses_an_out_that_is_not_a_weights_file(tmp_path):
    "--out m.onnx wrote the weights to m.onnx, overwrote them with the graph, and failed after the whole training"
    r = run('train', '--model', 'linear', '--out', tmp_path/'m.onnx')
    assert 'does not end in .pt' in one_line_error(r, status=1) and r.stdout == '' and list(tmp_path.iterdir()) == []

def test_weights_and_graph_are_replaced_as_a_pair(tmp_path, monkeypatch, capsys):
    "A failure between the two files left a new .pt beside an old .onnx, and the message named only the .onnx"
    monkeypatch.setattr(mnist37.models, 'train_model', _untrained)
    prev, graph = tmp_path/'prev.pt', tmp_path/'prev.onnx'
    prev.write_bytes(b'weights of an earlier run'); graph.write_bytes(b'its graph')
    export = mnist37.models.export_onnx
    def too_large(model, path):  # what ulimit -f or a full disk does to the second, larger file
        Path(path).write_bytes(b'half a gr'); raise OSError(errno.EFBIG, 'File too large', str(path))
    monkeypatch.setattr(mnist37.models, 'export_onnx', too_large)
    assert cli.main(['train', '--model', 'linear', '-q', '--out', str(prev)]) == 2
    line = capsys.readouterr().err.strip()
    assert 'prev.pt and prev.onnx' in line and 'File too large' in line and '.tmp' not in line, line
    assert prev.read_bytes() == b'weights of an earlier run' and graph.read_bytes() == b'its graph'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['prev.onnx', 'prev.pt']  # no temporary file left either
    monkeypatch.setattr(mnist37.models, 'export_onnx', export)
    stale = [tmp_path/'.prev.pt.k1ll3d_0.tmp', tmp_path/'.prev.onnx.k1ll3d_1.tmp', tmp_path/'..prev.pt.k1ll3d_0.tmp.abcdefgh.tmp']
    for p in stale: p.write_bytes(b'left by a killed run')
    (tmp_path/'.prev.pt.notes.txt').write_text('not ours: a different name')
    assert cli.main(['train', '--model', 'linear', '-q', '--out', str(prev)]) == 0
    assert load_weights(prev, 'linear') is not None and graph.read_bytes()[:2] != b'it'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['.prev.pt.notes.txt', 'prev.onnx', 'prev.pt']  # stale temps gone

@pytest.mark.parametrize('args, msg', [(['--epochs', '0'], 'at least 1'), (['--epochs', '-1'], 'at least 1'),
                                       (['--lr', '0'], 'greater than 0'), (['--lr', 'nan'], 'greater than 0'),
                                       (['--lr', 'inf'], 'greater than 0'), (['--lr', '1e300'], 'too large'),
                                       (['--epochs', '1' + '0' * 21], 'at most 10,000'), (['--epochs', '1e21'], 'not a whole number'),
                                       (['--seed', '1' + '0' * 20], 'from 0 to'), (['--seed', '-1'], 'from 0 to'),
                                       (['--lr', '1e-320'], 'too small')])
def test_every_number_is_checked_before_training(tmp_path, args, msg):
    """--epochs 0 and --lr 0 were replaced by the defaults, --lr nan saved NaN weights, --epochs -1 died with IndexError;
    --epochs 10**21 failed with OverflowError after the work began, --seed 10**20 with ValueError; --lr 1e-320 is 0 in float32"""
    r = run('train', '--model', 'linear', *args, '--out', tmp_path/'w.pt')
    assert msg in one_line_error(r, status=1) and r.stdout == '' and not (tmp_path/'w.pt').exists()

def test_a_closed_stdout_is_not_a_traceback(photo, tmp_path):
    "mnist37 ... >&- died with AttributeError at start-up, --help included"
    r = in_bash('"$@" >&-', '--help')
    assert r.returncode == 0 and r.stderr == '', r.stderr
    assert 'cannot write the output' in one_line_error(in_bash('"$@" >&-', 'predict', photo))
    r = in_bash('"$@" >&-', 'data', '-q', '--data-dir', tmp_path/'new', cmd=SMALL_CMD)  # prints nothing: it just works
    assert r.returncode == 0 and r.stderr == '' and (tmp_path/'new'/'mnist_sample'/'labels.csv').is_file(), r.stderr

def test_a_closed_stderr_does_not_send_errors_to_stdout(tmp_path):
    "With 2>&- the error line went to stdout, into whatever reads the results"
    (tmp_path/'file').write_text('not a folder')
    r = in_bash('"$@" 2>&-', 'data', '--data-dir', tmp_path/'file')
    assert r.returncode == 2 and r.stdout == '', r.stdout

def test_names_in_error_lines_are_escaped(tmp_path):
    "A name with a newline forged a second line of stderr, and an escape sequence reached the terminal"
    odd = tmp_path/'a\nb\x1b[2J'
    odd.write_text('a file where a folder should be')
    line = one_line_error(run('data', '--data-dir', odd))
    assert str(tmp_path/'a\\nb\\x1b[2J') in line and '\x1b' not in line
    line = one_line_error(run('train', '--out', tmp_path/'w\n.onnx'), status=1)  # argparse's own lines too
    assert 'w\\n.onnx' in line

def test_data_says_what_it_found_and_what_it_repaired(tmp_path, small_sample, capsys):
    "A file given as --data-dir was 'File exists ... or pass data_dir='; a repair said 'rewriting', then 'is complete'"
    (tmp_path/'file').write_text('not a folder')
    assert cli.main(['data', '--data-dir', str(tmp_path/'file')]) == 2
    line = capsys.readouterr().err
    assert f'{tmp_path/"file"} is not a folder' in line and '--data-dir' in line and 'data_dir=' not in line and 'File exists' not in line
    assert cli.main(['data', '--data-dir', str(tmp_path)]) == 0 and 'wrote' in capsys.readouterr().out
    a, b = sorted((tmp_path/'mnist_sample'/'valid'/'3').iterdir())[:2]
    shutil.copy(b, a)  # a PNG, but the wrong picture: only the pixel check sees it
    assert cli.main(['data', '--data-dir', str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count('\n') == 1 and out.startswith('repaired') and f'rewrote valid/3/{a.name}' in out and 'is complete' not in out, out

# Issue 15: model files and pictures
# A model file and a picture are both input from strangers: an .onnx file may not reach outside itself or run without
# end, weights must be numbers a model can hold, and whatever goes wrong with one picture is that picture's line.

def onnx_graph(nodes, inits=(), out_shape=('n', 1), out_type=None, in_shape=('n', 28, 28)):
    "A small ONNX model from `images` (float, `in_shape`) to `scores`, made with the onnx package's helpers"
    from onnx import TensorProto, helper
    graph = helper.make_graph(nodes, 'g', [helper.make_tensor_value_info('images', TensorProto.FLOAT, list(in_shape))],
                              [helper.make_tensor_value_info('scores', out_type or TensorProto.FLOAT, list(out_shape))],
                              list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', 20)], ir_version=10)

def linear_graph(weight, bias=0., batch='n'):
    "images -> Reshape (n, 784) -> Gemm with `weight` (1, 784): the linear model's own graph, with any weights"
    from onnx import helper, numpy_helper
    inits = [numpy_helper.from_array(np.array([-1, 784], np.int64), 'shape'),
             numpy_helper.from_array(np.asarray(weight, np.float32).reshape(1, 784), 'w'),
             numpy_helper.from_array(np.full(1, bias, np.float32), 'b')]
    nodes = [helper.make_node('Reshape', ['images', 'shape'], ['flat']), helper.make_node('Gemm', ['flat', 'w', 'b'], ['scores'], transB=1)]
    return onnx_graph(nodes, inits, (batch, 1), in_shape=(batch, 28, 28))

def save_onnx(model, path):
    import onnx
    onnx.save(model, str(path))
    return path

def test_onnx_external_data_is_refused(tmp_path, photo):
    "An .onnx file could read any file beside it through ONNX external data: the answer changed with secret.txt's bytes"
    from onnx import TensorProto, external_data_helper, helper
    (tmp_path/'secret.txt').write_bytes(os.urandom(4 * 784))
    model = linear_graph(np.zeros(784))
    w = next(t for t in model.graph.initializer if t.name == 'w')
    external_data_helper.set_external_data(w, 'secret.txt', offset=0, length=4 * 784)
    w.ClearField('raw_data')
    w.data_location = TensorProto.EXTERNAL
    save_onnx(model, tmp_path/'m.onnx')
    line = one_line_error(run('predict', '--weights', tmp_path/'m.onnx', photo))
    assert 'external data' in line and str(tmp_path/'m.onnx') in line, line

def loop_graph(trips=10**12):
    "A graph that adds 1 to a number 10^12 times before it gives a score: it never finishes"
    from onnx import TensorProto, helper, numpy_helper
    body = helper.make_graph(
        [helper.make_node('Identity', ['c'], ['c_out']), helper.make_node('Add', ['x', 'one'], ['x_out'])], 'body',
        [helper.make_tensor_value_info('i', TensorProto.INT64, []), helper.make_tensor_value_info('c', TensorProto.BOOL, []),
         helper.make_tensor_value_info('x', TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info('c_out', TensorProto.BOOL, []), helper.make_tensor_value_info('x_out', TensorProto.FLOAT, [1])],
        [numpy_helper.from_array(np.ones(1, np.float32), 'one')])
    model = linear_graph(np.zeros(784))
    model.graph.node.insert(0, helper.make_node('Loop', ['trips', 'yes', 'b'], ['total'], body=body))
    model.graph.node[-1].input[2] = 'total'
    model.graph.initializer.extend([numpy_helper.from_array(np.array(trips, np.int64), 'trips'),
                                    numpy_helper.from_array(np.array(True), 'yes')])
    return model

def tile_graph(copies):
    "A graph of a few hundred bytes that repeats the picture `copies` times (3 KB of memory each), then sums it to one score"
    from onnx import helper, numpy_helper
    inits = [numpy_helper.from_array(np.array([-1, 784], np.int64), 'shape'), numpy_helper.from_array(np.array([1, copies], np.int64), 'reps'),
             numpy_helper.from_array(np.array([1], np.int64), 'axes')]
    nodes = [helper.make_node('Reshape', ['images', 'shape'], ['flat']), helper.make_node('Tile', ['flat', 'reps'], ['many']),
             helper.make_node('ReduceSum', ['many', 'axes'], ['scores'], keepdims=1)]
    return onnx_graph(nodes, inits)

@pytest.mark.parametrize('graph', ['loop', 'tile'])
def test_onnx_operators_the_models_do_not_need_are_refused(tmp_path, graph):
    "A Loop of 10^12 ran until killed; a 4 KB Tile graph allocated 4 GB: both are refused before onnxruntime sees them"
    path = save_onnx(loop_graph() if graph == 'loop' else tile_graph(1_300_000), tmp_path/f'{graph}.onnx')
    with pytest.raises(WeightsError, match='Loop' if graph == 'loop' else 'Tile') as e: OnnxModel(path)
    assert 'operator' in str(e.value) and '\n' not in str(e.value)

# Past the file rules, what stays is the memory cap and Ctrl-C: the two tests below let any graph past them on purpose
ALLOW = 'import sys, mnist37.inference as inf\ninf.onnx_operators = lambda *args: set()\n'

def test_onnx_memory_is_capped(tmp_path):
    "A graph that asks for 1.2 GB (or 40 GB) got it, or died with a traceback; now it stops at the cap, in one line"
    path = save_onnx(tile_graph(400_000), tmp_path/'tile.onnx')
    code = (ALLOW + 'from mnist37.kinds import WeightsError\nimport numpy as np\n'
            'try: inf.OnnxModel(sys.argv[1]).scores(np.zeros((1, 28, 28), np.float32)); print("ran")\n'
            'except WeightsError as e: print("WeightsError", e)')
    *out, mb = _peak_rss_mb(code, path)
    assert out[0] == 'WeightsError' and 'memory' in ' '.join(out) and int(mb) < 900, (out, mb)

def test_ctrl_c_stops_an_onnx_run(tmp_path, photo):
    "Ctrl-C did nothing while onnxruntime ran a graph: a Loop of 10^12 had to be killed"
    path = save_onnx(loop_graph(), tmp_path/'loop.onnx')
    code = (ALLOW + 'scores = inf.OnnxModel.scores\n'
            'def announced(self, xb): print("running", file=sys.stderr, flush=True); return scores(self, xb)\n'
            'inf.OnnxModel.scores = announced\n'
            'from mnist37.cli import main; sys.exit(main(["predict", "--weights", *sys.argv[1:]]))')
    p = subprocess.Popen([sys.executable, '-c', code, str(path), str(photo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stderr.readline() == 'running\n'
        time.sleep(0.5)  # into the run (an interrupt before it would be caught as well)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally: p.kill()
    assert p.returncode == 130 and err.strip() == 'mnist37: error: interrupted', (p.returncode, err)

def lettered(orientation, fmt, path):
    "An upright picture of an F (no turn or flip of it looks the same), stored turned as `orientation` says, with the tag"
    F = np.full((40, 30), 255, np.uint8)
    F[6:34, 6:11] = F[6:11, 6:24] = F[18:23, 6:19] = 0
    upright = Image.fromarray(F)
    T = Image.Transpose  # the turn that a camera stores for each orientation: the inverse of the one that undoes it
    stored = {1: [], 2: [T.FLIP_LEFT_RIGHT], 3: [T.ROTATE_180], 4: [T.FLIP_TOP_BOTTOM], 5: [T.TRANSPOSE], 6: [T.ROTATE_90],
              7: [T.TRANSVERSE], 8: [T.ROTATE_270]}[orientation]
    im = upright
    for t in stored: im = im.transpose(t)
    exif = Image.Exif(); exif[0x0112] = orientation
    kw = {'JPEG': {'quality': 95}, 'WEBP': {'lossless': True}}.get(fmt, {})
    im.save(path, fmt, exif=exif.tobytes(), **kw)
    return F / 255

@pytest.mark.parametrize('fmt', ['JPEG', 'PNG', 'WEBP', 'TIFF'])
def test_orientation_is_applied_exactly_once(tmp_path, fmt):
    """A phone's JPEG with an EXIF orientation was read sideways, and a 3 was called a 7; then Pillow turned a TIFF upright
    as it loaded it, and mnist37 turned it again: a 7 stored with orientation 4 read as a 3"""
    from PIL import ImageOps
    for o in range(1, 9):
        path = tmp_path/f'{o}.{fmt.lower()}'
        want = lettered(o, fmt, path)
        if fmt == 'PNG':  # the pictures are what they claim: Pillow's own reading of the tag turns them upright
            assert np.array_equal(np.asarray(ImageOps.exif_transpose(Image.open(path))) / 255, want)
        seen = read_image(path)
        assert seen.shape == want.shape and np.abs(seen - want).mean() < 0.03, (fmt, o, seen.shape)

def test_non_finite_scores_are_refused_per_picture(tmp_path, photo):
    "A graph whose scores were NaN printed '7 (nan)' and exited 0; infinite scores printed '3 (1.000)'"
    nan = save_onnx(linear_graph(np.full(784, np.nan)), tmp_path/'nan.onnx')
    r = run('predict', '--weights', nan, photo, photo)
    lines = r.stderr.splitlines()
    assert r.returncode == 2 and r.stdout == '' and len(lines) == 2 and all('NaN or infinite' in l for l in lines), r.stderr
    inf = OnnxModel(save_onnx(linear_graph(np.full(784, 3e38)), tmp_path/'inf.onnx'))
    assert all(isinstance(res, ImageError) and 'NaN or infinite' in str(res) for res in predict_batch([photo] * 3, inf))

def png_with_chunk(photo, kind, data):
    "`photo`'s PNG bytes with one more chunk after the header"
    png = photo.read_bytes()
    return png[:33] + struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data)) + png[33:]

def test_chunks_that_inflate_too_far_are_one_line_each(tmp_path, photo):
    "zTXt, iTXt and iCCP chunks that inflate past PIL's limit raised ValueError and ended the batch with nothing printed"
    z = zlib.compress(bytes(8 << 20), 9)  # 8 KB that inflate to 8 MB
    bad = []
    for kind, head in [(b'zTXt', b'Comment\0\0'), (b'iTXt', b'Comment\0\1\0\0\0'), (b'iCCP', b'icc\0\0')]:
        bad.append(tmp_path/f'{kind.decode()}.png'); bad[-1].write_bytes(png_with_chunk(photo, kind, head + z))
    res = predict_batch([photo, *bad, photo])
    assert isinstance(res[0], Prediction) and isinstance(res[-1], Prediction), res
    assert all(isinstance(r, ImageError) and r.name == str(p) and 'too large' in r.problem for r, p in zip(res[1:-1], bad)), res

def test_any_exception_from_one_picture_is_its_line(monkeypatch, photo):
    "Whatever a reader of pictures raises (here a made-up RuntimeError) is that picture's line, and the batch goes on"
    real = inference.preprocess
    def flaky(src): return real(src) if src != 'odd' else (_ for _ in ()).throw(RuntimeError('a reader went wrong'))
    monkeypatch.setattr(inference, 'preprocess', flaky)
    res = inference.predict_batch([photo, 'odd', photo])
    assert res[0].label == res[2].label == '7' and isinstance(res[1], ImageError) and 'a reader went wrong' in str(res[1])

def test_onnx_graph_shapes_and_types(tmp_path, photo):
    "A fixed batch size, an output shape that lies and a string output were tracebacks at run time"
    from onnx import TensorProto, helper, numpy_helper
    lin = packaged_model('linear')
    fixed = OnnxModel(save_onnx(linear_graph(lin.weight.detach().numpy(), lin.bias.item(), batch=1), tmp_path/'fixed.onnx'))
    xb = np.random.default_rng(0).random((5, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(prob_3(fixed, xb), prob_3('linear', xb), atol=1e-6)  # what a plain torch.onnx.export gives: it works
    lies = onnx_graph([helper.make_node('Reshape', ['images', 'flat'], ['scores'])],
                      [numpy_helper.from_array(np.array([-1], np.int64), 'flat')], ('n', 1))  # says (n, 1), gives (784 n,)
    line = one_line_error(run('predict', '--weights', save_onnx(lies, tmp_path/'lies.onnx'), photo))
    assert 'shape' in line, line
    strings = onnx_graph([helper.make_node('Cast', ['images'], ['s'], to=TensorProto.STRING),
                          helper.make_node('Reshape', ['s', 'shape'], ['scores'])],
                         [numpy_helper.from_array(np.array([-1, 784], np.int64), 'shape')], ('n', 784), TensorProto.STRING)
    with pytest.raises(WeightsError): predict_batch([photo], OnnxModel(save_onnx(strings, tmp_path/'strings.onnx')))

def test_onnx_file_names_and_kinds(tmp_path, photo):
    "An upper-case .ONNX was loaded as PyTorch weights; --model linear with a CNN's graph was ignored; the reason was cut"
    from onnx import helper
    shutil.copy(packaged_file('cnn.onnx'), tmp_path/'CNN.ONNX')
    r = run('predict', '--weights', tmp_path/'CNN.ONNX', photo)
    assert r.returncode == 0 and r.stdout.startswith(f'{photo}: 7'), r.stderr
    shutil.copy(packaged_file('cnn.onnx'), tmp_path/'cnn.onnx')
    line = one_line_error(run('predict', '--model', 'linear', '--weights', tmp_path/'cnn.onnx', photo))
    assert 'linear' in line, line
    long = tmp_path/('a-folder-with-a-long-name-' * 6); long.mkdir()
    bad = linear_graph(np.zeros(784)); bad.graph.node[1].attribute.append(helper.make_attribute('nonsense', 1))
    with pytest.raises(WeightsError) as e: OnnxModel(save_onnx(bad, long/'bad.onnx'))
    assert 'nonsense' in str(e.value), e.value  # onnxruntime's reason, not cut off after the long path

@pytest.mark.parametrize('case', ['LAB', 'La', '0x0', 'bfloat16', 'meta', 'sparse', 'nan to_mnist', 'model None',
                                  'bs 0', 'huge array'])
def test_python_api_odd_inputs(case, photo):
    "Each of these escaped as a foreign exception (or silently gave nothing); each now works or is the package's error"
    from mnist37.images import to_mnist
    grey = np.asarray(Image.open(photo).convert('L'))
    works = {'LAB': lambda: Image.open(photo).convert('RGB').convert('LAB'), 'La': lambda: Image.open(photo).convert('LA').convert('La'),
             'bfloat16': lambda: torch.from_numpy(grey / 255).bfloat16()}
    if case in works: assert predict(works[case]()).label == '7'; return
    if case == 'huge array':  # a view of one byte, so the test itself costs nothing: the limit must come before any copy
        code = ('import resource, sys, numpy as np; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n'
                'from mnist37.images import ImageError, preprocess\n'
                'try: preprocess(np.broadcast_to(np.uint8(0), (9500, 9500)))\nexcept ImageError as e: print(e)')
        r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
        assert 'too many pixels' in r.stdout, r.stdout + r.stderr
        return
    bad = {'0x0': (ImageError, 'no pixels', lambda: predict(Image.new('L', (0, 0)))),
           'meta': (ImageError, 'meta', lambda: predict(torch.empty(28, 28, device='meta'))),
           'sparse': (ImageError, 'sparse', lambda: predict(torch.eye(28).to_sparse())),
           'nan to_mnist': (ImageError, 'NaN', lambda: to_mnist(np.full((28, 28), np.nan))),
           'model None': (WeightsError, 'not None', lambda: predict(photo, model=None)),
           'bs 0': (ValueError, 'bs', lambda: iter_predictions([photo], bs=0))}
    cls, msg, call = bad[case]
    with pytest.raises(cls, match=msg) as e: call()
    assert '\n' not in str(e.value)
