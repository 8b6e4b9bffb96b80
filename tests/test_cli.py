"""The `mnist37` command, run as a user runs it: in a fresh process, checking output and exit status. (What goes wrong
with careless or hostile input, usage mistakes included, is in test_faults.py.)"""
import json, subprocess, sys

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import no_traceback, run
from mnist37.inference import predict
from mnist37.models import load_weights, packaged_weights


@pytest.mark.parametrize('command', [None, 'data', 'reproduce', 'train', 'predict'])
def test_help_has_an_example(command):
    r = run(*([command] if command else []), '--help')
    assert r.returncode == 0 and 'usage: mnist37' in r.stdout and 'example' in r.stdout, r.stdout
    if command: assert f'mnist37 {command}' in r.stdout.split('example')[-1]


@pytest.mark.parametrize('model', [None, 'linear', 'mlp', 'cnn'])
def test_predict_all_good(photos, model):
    "Each packaged model (None: no --model, the CNN) reads the 3 and the 7"
    r = run('predict', *(['--model', model] if model else []), photos/'three.jpg', photos/'seven.png')
    assert r.returncode == 0 and r.stderr == '', r.stderr
    lines = r.stdout.splitlines()
    assert [l.rsplit(' ', 1)[0] for l in lines] == [f'{photos/"three.jpg"}: 3', f'{photos/"seven.png"}: 7'], lines
    for l, f in zip(lines, ['three.jpg', 'seven.png']):  # `file: 7 (0.998)`: the probability the Python API gives
        assert l.endswith(f'({predict(photos/f, model or "cnn").prob:.3f})'), l


def test_predict_keeps_going_and_exits_2(photos):
    files = [photos/'empty.png', photos/'three.jpg', photos/'missing.png', photos/'notes.png', photos/'seven.png', photos]
    r = run('predict', *files)
    assert r.returncode == 2 and no_traceback(r)
    assert [l.split(' (')[0] for l in r.stdout.splitlines()] == [f'{photos/"three.jpg"}: 3', f'{photos/"seven.png"}: 7']
    errors = r.stderr.splitlines()
    assert errors == [f'{photos/"empty.png"}: error: empty file', f'{photos/"missing.png"}: error: no such file',
                      f'{photos/"notes.png"}: error: not an image, or not in a format PIL can read',
                      f'{photos}: error: is a folder, not an image'], errors


def test_predict_with_bad_weights_is_one_line(photos, tmp_path):
    torch.save({'weight': torch.zeros(3)}, tmp_path/'odd.pt')
    (tmp_path/'odd.onnx').write_bytes(b'\x08\x07not a graph')
    for weights, msg in [(tmp_path/'odd.pt', 'do not fit'), (tmp_path/'none.pt', 'no such file'),
                         (tmp_path/'odd.onnx', 'not an ONNX model'), (tmp_path/'none.onnx', 'no such file')]:
        r = run('predict', '--weights', weights, photos/'three.jpg')
        assert r.returncode == 2 and no_traceback(r) and msg in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr


def test_predict_imports_neither_torch_nor_fastai(photo):
    "The command's predict path runs on ONNX: PyTorch, fastai and their friends are never loaded"
    code = ('import sys; from mnist37.cli import main; rc = main(["predict", sys.argv[1]]); '
            'print(rc, sorted(m for m in ("torch", "fastai", "fastcore", "torchvision", "matplotlib", "pandas") if m in sys.modules))')
    r = subprocess.run([sys.executable, '-c', code, str(photo)], capture_output=True, text=True)
    assert r.stdout.splitlines()[-1] == '0 []', r.stdout + r.stderr


def test_train_writes_the_weights_that_ship_and_their_graph(tmp_path, photo):
    """train: the chapter's recipe (the linear model's, the quickest) gives the weights that ship, and a graph that
    predicts; into a pipe, as into a log, it writes the table of epochs without the bars fastprogress redraws"""
    out = tmp_path/'sub'/'linear.pt'
    r = run('train', '--model', 'linear', '--out', out)
    assert r.returncode == 0 and no_traceback(r), r.stderr
    # between the plan and the result, only the table (read as text, each bar redrawn after a '\r' is a line of its own)
    table = [line.partition(' ')[0] for line in r.stdout.splitlines()[1:-1]]
    assert table == ['epoch', *map(str, range(20))], r.stdout  # the recipe's 20 epochs
    assert out.is_file() and out.with_suffix('.onnx').is_file() and 'linear.onnx: linear,' in r.stdout
    assert abs(float(r.stdout.split('validation accuracy ')[1].split()[0]) - 0.9784) < 5e-4, r.stdout  # the Learner chapter's
    sd = torch.load(out, weights_only=True)  # plain tensors, nothing else, and the very weights that ship
    shipped = torch.load(packaged_weights('linear'), weights_only=True)
    assert sd.keys() == shipped.keys() and all(torch.allclose(sd[k], shipped[k], atol=1e-4) for k in sd)
    inferred, told = load_weights(out), load_weights(out, 'linear')  # the kind worked out from the file is the kind trained
    xb = torch.rand(3, 28*28)
    assert torch.equal(inferred(xb), told(xb))
    # the graph written beside them answers as the packaged model does (test_onnx.py owns graph-and-weights agreement)
    line = run('predict', '--weights', out.with_suffix('.onnx'), photo).stdout
    assert line == f'{photo}: 7 ({predict(photo, "linear").prob:.3f})\n', line


# the floor each approach must reach: its chapter's saved result less a little; the twins give the very same numbers
FLOORS = {'pixel similarity (3s / 7s)': 0.95, 'hand-rolled linear (sgd_step)': 0.965, 'BasicOptim, linear1': 0.965,
          'nn.Linear, BasicOptim': 0.975, 'nn.Linear, fastai SGD': 0.975, 'Learner, nn.Linear': 0.965,
          'Learner, simple_net': 0.98, 'Learner, simple_cnn': 0.998}
TWINS = [('hand-rolled linear (sgd_step)', 'BasicOptim, linear1'), ('nn.Linear, BasicOptim', 'nn.Linear, fastai SGD')]


def test_reproduce(tmp_path):
    "The main job: every approach, one table, results.json and the plots; each accuracy at least its chapter's"
    out = tmp_path/'results'
    r = run('reproduce', '--out', out, '--quiet', '--quick')  # --quick: the ten-digit table without its longest recipe
    assert r.returncode == 0 and no_traceback(r), r.stderr
    res = json.loads((out/'results.json').read_text())
    digits = {x['id']: x for x in res['digits']}
    assert list(digits) == ['linear10', 'cnn10_short'] and 'All ten digits' in r.stdout, r.stdout
    assert digits['linear10']['accuracy'] >= 0.915 and digits['cnn10_short']['accuracy'] >= 0.99, digits
    rows = {x['approach']: x for x in res['results']}
    assert list(rows) == list(FLOORS) and all(x['approach'] in r.stdout for x in res['results'])
    low = {a: rows[a]['accuracy'] for a in FLOORS if not rows[a]['accuracy'] >= FLOORS[a]}
    assert not low, f'below their floors {FLOORS}: {low}'
    assert rows['pixel similarity (3s / 7s)']['detail'] == '0.9168 / 0.9854'
    for a, b in TWINS: assert rows[a]['curve'] == rows[b]['curve'], (a, b)  # two ways to write one recipe
    assert [x['epochs'] for x in res['results']] == [0, 20, 20, 20, 20, 10, 40, 8]  # each chapter's recipe
    for png in ['accuracy_curves.png', 'linear_weights.png', 'confusion_matrix.png', 'hardest_images.png']:
        assert np.asarray(Image.open(out/png).convert('L')).std() > 20, png  # a picture, not a blank canvas
