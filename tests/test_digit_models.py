"""The ten-digit models that ship with mnist37 (`cnn10`, `linear10`, chapter 11): the ONNX graphs are the packaged
weights exported, the CNN reads the 10,000 test digits as well as chapter 11 says, the recipes are seeded, and every
way to predict (the API, `mnist37 predict --model cnn10 --top 3`) answers with any digit, or refuses a model of the
other family in one line."""
import numpy as np
import pytest
import torch
from PIL import Image

from conftest import run
from mnist37.data import load_mnist_arrays
from mnist37.digit_cnn import digit_scores, digit_images, train_linear10
from mnist37.inference import OnnxModel, class_probs, iter_predictions, packaged_onnx, predict, prob_3
from mnist37.kinds import WeightsError
from mnist37.models import export_onnx, load_weights, packaged_model, packaged_weights, train_model
from mnist37.storage import assets_dir

TEN = ('linear10', 'cnn10')

@pytest.fixture(scope='module')
def test_set():
    "The 10,000 test images as floats from 0 to 1, `(n, 28, 28)`, and their digits"
    _, _, x, y = load_mnist_arrays()
    return x.astype(np.float32) / 255, y.astype(np.int64)

@pytest.mark.parametrize('kind', TEN)
def test_packaged_graph_is_the_packaged_weights_exported(kind, tmp_path):
    "Exporting the packaged .pt again gives a graph that computes what the packaged .onnx does, and passes its kind's rules"
    fresh = OnnxModel(export_onnx(packaged_model(kind), tmp_path/f'{kind}.onnx'), kind)
    xb = np.random.default_rng(0).random((64, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(packaged_onnx(kind).scores(xb), fresh.scores(xb), rtol=0, atol=1e-5)

@pytest.mark.parametrize('kind', TEN)
def test_graph_and_weights_agree_on_real_digits(kind, test_set):
    "A thousand test digits: the same ten probabilities from onnxruntime as from PyTorch, to 1e-5"
    x = test_set[0][:1000]
    (labels, onnx), (labels_pt, torch_) = class_probs(kind, x), class_probs(packaged_model(kind), x)
    assert labels == labels_pt == [str(d) for d in range(10)]
    np.testing.assert_allclose(onnx, torch_, rtol=0, atol=1e-5)

def test_shipped_models_reach_the_chapters_numbers(test_set):
    "The numbers chapter 11 quotes: cnn10 at least 0.993 on the 10,000 test digits (through ONNX, as predict runs it)"
    x, y = test_set
    accs = {kind: float((class_probs(kind, x)[1].argmax(1) == y).mean()) for kind in TEN}
    assert accs['cnn10'] >= 0.993 and 0.915 <= accs['linear10'] < 0.935, accs
    _, _, test_x, test_y = digit_images()  # and the chapter's own way of scoring, from the bytes, agrees
    pt = (digit_scores(packaged_model('cnn10'), test_x).argmax(1) == test_y).float().mean().item()
    assert abs(pt - accs['cnn10']) <= 2e-4, (pt, accs)

def test_recipe_is_seeded():
    "The same seed gives the same weights, and another seed other weights (one epoch of the linear recipe, a few seconds)"
    torch.set_num_threads(1)
    a, b, c = (train_linear10(epochs=1, seed=s).model.weight for s in (42, 42, 7))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_training_shows_progress_as_the_3_or_7_kinds_do(capsys):
    "`mnist37 train --model cnn10` showed nothing until it was done; now fastai's bars and table of epochs, as for `cnn`"
    torch.set_num_threads(1)
    trained = train_model('linear10', epochs=2)  # progress=True, as `mnist37 train` passes it (the quickest recipe)
    out = capsys.readouterr().out
    rows = [line.split('\r')[-1].split() for line in out.splitlines()]  # a bar redraws itself after a '\r'
    table = [r for r in rows if r and (r[0] == 'epoch' or r[0].isdigit())]
    assert table and table[0] == ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'time'], out
    assert [r[0] for r in table[1:]] == ['0', '1'] and float(table[-1][3]) == pytest.approx(trained.accuracy, abs=1e-6)
    assert 'Epoch 2/2' in out, out  # the bar over each epoch's batches
    train_model('linear10', progress=False, epochs=1)
    assert capsys.readouterr().out == ''

def test_ten_digit_weights_are_not_taken_for_the_3_or_7_kinds(tmp_path):
    "Each family's files are refused as the other's, in one line that says why"
    with pytest.raises(WeightsError, match='do not fit a cnn model'): load_weights(packaged_weights('cnn10'), 'cnn')
    with pytest.raises(WeightsError, match='not 2 float scores per image as a cnn model does'):
        OnnxModel(assets_dir()/'cnn10.onnx', 'cnn')
    with pytest.raises(WeightsError, match='not 10 float scores per image as a cnn10 model does'):
        OnnxModel(assets_dir()/'cnn.onnx', 'cnn10')
    assert type(load_weights(packaged_weights('linear10'))) is torch.nn.Linear  # the kind worked out from the shapes
    with pytest.raises(WeightsError, match='scores all 10 digits, not 3 against 7'): prob_3('cnn10', np.zeros((1, 28, 28)))

@pytest.fixture(scope='module')
def digit_pngs(tmp_path_factory):
    "One test image of each digit, as PNG files named by their digit"
    folder = tmp_path_factory.mktemp('digits')
    _, _, x, y = load_mnist_arrays()
    for d in range(10):
        Image.fromarray(x[np.flatnonzero(y == d)[0]]).save(folder/f'{d}.png')
    return folder

def test_api_answers_any_digit(digit_pngs):
    "predict, and iter_predictions with runners-up, for every digit: right, and the likeliest first"
    files = [digit_pngs/f'{d}.png' for d in range(10)]
    assert [predict(f, 'cnn10').label for f in files] == [str(d) for d in range(10)]
    for d, ranked in enumerate(iter_predictions(files, 'cnn10', top=3)):
        assert [p.label for p in ranked][0] == str(d) and len({p.label for p in ranked}) == 3
        assert all(a.prob >= b.prob for a, b in zip(ranked, ranked[1:])) and sum(p.prob for p in ranked) <= 1 + 1e-9
    with pytest.raises(ValueError, match='top must be a whole number'): iter_predictions(files, 'cnn10', top=0)

def test_predict_command_with_cnn10_and_top(digit_pngs):
    "`mnist37 predict --model cnn10 --top 3`: one line per picture, the digit first, then two runners-up"
    r = run('predict', '--model', 'cnn10', '--top', '3', *[f'{d}.png' for d in range(10)], cwd=digit_pngs)
    assert r.returncode == 0 and r.stderr == '', r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 10
    for d, line in enumerate(lines):
        name, answers = line.split(': ')
        parts = [a.split(' (') for a in answers.split(', ')]
        assert name == f'{d}.png' and parts[0][0] == str(d) and len(parts) == 3, line
        probs = [float(p.rstrip(')')) for _, p in parts]
        assert probs == sorted(probs, reverse=True), line
    default = run('predict', '3.png', '7.png', cwd=digit_pngs)  # existing users: the 3-or-7 CNN, as before
    assert [l.split(' (')[0] for l in default.stdout.splitlines()] == ['3.png: 3', '7.png: 7'], default.stdout

@pytest.mark.parametrize('args,message', [
    (['--model', 'cnn', '--weights', str(assets_dir()/'cnn10.onnx')], 'not 2 float scores per image as a cnn model does'),
    (['--model', 'cnn10', '--weights', str(assets_dir()/'cnn.pt')], 'do not fit a cnn10 model'),
    (['--top', '0'], 'from 1 to 10 answers'),
    (['--top', '11'], 'from 1 to 10 answers'),
])
def test_predict_refuses_in_one_line(digit_pngs, args, message):
    r = run('predict', *args, '3.png', cwd=digit_pngs)
    assert r.returncode in (1, 2) and r.stdout == '' and len(r.stderr.splitlines()) == 1, r.stderr
    assert message in r.stderr and 'Traceback' not in r.stderr
