"""The docs site's playground without a browser: the data its build makes (tools/build_playground.py), and its JavaScript
`to_mnist` (docs/playground/images.js) run by Node against Python's on pictures the canvas can't draw. The page itself
is tested in a browser at the end of test_docs_site.py."""
import json, shutil, subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import build_playground as bp

ROOT = Path(__file__).resolve().parents[1]

@pytest.fixture(scope='module')
def data():
    "What the build ships: the page's numbers, and its pictures as bytes"
    return bp.page_data()

def test_training_subset_is_seeded_balanced_and_shuffled():
    from mnist37.data import load_sample_arrays
    arrays = load_sample_arrays()
    x, y = bp.training_subset(arrays)
    x2, y2 = bp.training_subset(arrays)
    assert x.shape == (2 * bp.TRAIN_PER_DIGIT, 28, 28) and x.dtype == np.uint8
    assert (x == x2).all() and (y == y2).all(), 'the same seed must pick the same digits in the same order'
    assert y.sum() == bp.TRAIN_PER_DIGIT  # as many 3s as 7s
    assert 0.3 < y[:256].mean() < 0.7, 'the first batch should hold both digits, not the 3s first'
    train3 = {a.tobytes() for a in arrays[('train', '3')][0]}
    assert all((im.tobytes() in train3) == bool(t) for im, t in zip(x[:100], y[:100])), 'targets must follow the images'

def test_page_data_is_the_chapters(data):
    "The starting weights are `linear1_model(42)`'s, the roller coaster chapter 02's, the heat-map's the packaged model's"
    from mnist37.linear import linear1_model
    from mnist37.models import packaged_model
    from mnist37.sgd import mse, quadratic
    d, pictures = data
    weights, bias = linear1_model(bp.SEED)[1]
    assert torch.equal(torch.tensor(d['start']['weights']), weights.detach().flatten())
    assert torch.equal(torch.tensor([d['start']['bias']]), bias.detach())
    rc = d['roller_coaster']
    loss = mse(quadratic(torch.tensor(rc['time']), torch.tensor(rc['params'])), torch.tensor(rc['speed']))
    assert abs(loss.item() - 25823.8086) < 1e-2  # chapter 02's first loss
    assert torch.equal(torch.tensor(d['linear']['weights']), packaged_model('linear').weight.detach().flatten())
    counts = (d['train']['count'], d['valid']['count'])
    assert counts == (2000, 2038) and len(pictures) == sum(counts) * 28 * 28
    assert len(d['train']['targets']) == counts[0] and sum(d['valid']['targets']) == 1010
    assert 0.6 < d['python_first_epoch'] < 0.95  # learned something in one epoch, and has more to learn

def test_onnxruntime_web_is_pinned_and_missing_files_say_what_to_run(tmp_path):
    pkg = json.loads((ROOT/'docs'/'package.json').read_text())
    lock = json.loads((ROOT/'docs'/'package-lock.json').read_text())
    version = pkg['dependencies']['onnxruntime-web']
    assert version[0].isdigit(), 'an exact version, so the lock and package.json can\'t drift apart'
    assert lock['packages']['node_modules/onnxruntime-web']['version'] == version
    with pytest.raises(SystemExit, match='npm ci'): bp.ort_files(tmp_path/'onnxruntime-web')

def test_page_links_only_files_of_the_site():
    "The page's own scripts and styles, and the JavaScript's imports, are relative paths into the site"
    import re
    text = (bp.SRC/'playground.md').read_text() + ''.join(p.read_text() for p in bp.SRC.glob('*.js'))
    for url in re.findall(r'''(?:src|href)="([^"]+)"|from '([^']+)'|import\('([^']+)'\)''', text):
        url = ''.join(url)
        assert not re.match(r'[a-z]+:|//', url), f'{url} leaves the site'

@pytest.mark.skipif(not shutil.which('node'), reason='no Node.js')
def test_javascript_to_mnist_matches_python(tmp_path):
    "images.js gives Python's `to_mnist` picture for photos: dark ink on uneven paper, tilted, light on dark, tiny"
    from mnist37.images import read_image, to_mnist
    from mnist37.photos import synthetic_photo
    photos = [synthetic_photo(3, seed=1), synthetic_photo(7, angle=15, seed=2), synthetic_photo(3, size=(90, 300), seed=3),
              synthetic_photo(7, size=(40, 30), height=0.5, seed=4)]
    greys = [read_image(p) for p in photos] + [1 - read_image(synthetic_photo(7, seed=5))]  # and bright ink on black
    script = tmp_path/'run.mjs'
    script.write_text(f'''import {{readFileSync, writeFileSync}} from 'node:fs';
import {{to_mnist}} from {json.dumps((bp.SRC/'images.js').as_uri())};
const pics = JSON.parse(readFileSync(process.argv[2]));
writeFileSync(process.argv[3], JSON.stringify(pics.map(p => Array.from(to_mnist({{...p, data: Float32Array.from(p.data)}})))));''')
    (tmp_path/'in.json').write_text(json.dumps([dict(h=g.shape[0], w=g.shape[1], data=g.ravel().tolist()) for g in greys]))
    subprocess.run(['node', str(script), str(tmp_path/'in.json'), str(tmp_path/'out.json')], check=True, timeout=60)
    for g, js in zip(greys, json.loads((tmp_path/'out.json').read_text())):
        np.testing.assert_allclose(np.array(js).reshape(28, 28), to_mnist(g), atol=1e-5)

def test_names_shared_with_python_come_from_the_package(data):
    "Model kinds, class order and the chapter's settings are written into data.json from Python, for the page to read"
    import inspect
    from mnist37.data import VOCAB
    from mnist37.learner import mnist_dls
    from mnist37.linear import train_linear1_params
    from mnist37.kinds import KINDS, MODEL_KINDS
    d = data[0]
    three_seven = [k for k in MODEL_KINDS if KINDS[k].scores < 10]  # the ten-digit models have a panel of their own
    assert d['kinds'] == three_seven and list(d['kind_names']) == three_seven and d['vocab'] == list(VOCAB)
    fit = inspect.signature(train_linear1_params).parameters
    assert d['defaults'] == dict(batch_size=inspect.signature(mnist_dls).parameters['bs'].default, lr=fit['lr'].default,
                                 seed=fit['seed'].default) == dict(batch_size=bp.BATCH_SIZE, lr=bp.LR, seed=bp.SEED)
    # no JavaScript types them again
    js = ''.join(p.read_text() for p in bp.SRC.glob('*.js'))
    assert "'mlp'" not in js and "'cnn'" not in js and "['3', '7']" not in js

def test_sample_digits_are_mnist_test_images_of_every_class(data):
    "The row of samples: SAMPLES_PER_DIGIT validation (MNIST test) images of each class in `VOCAB`, as 784 grey levels"
    from mnist37.data import VOCAB, load_sample_arrays
    arrays = load_sample_arrays()
    samples = data[0]['samples']
    assert [s['label'] for s in samples] == [d for d in VOCAB for _ in range(bp.SAMPLES_PER_DIGIT)]
    for s in samples:
        valid = {a.tobytes() for a in arrays[('valid', s['label'])][0]}
        assert np.array(s['pixels'], np.uint8).reshape(28, 28).tobytes() in valid, 'a sample is not a validation image of its class'

def test_sizes_are_those_of_the_files_the_page_fetches(data):
    "data.json's `sizes`, which the page checks each download against, are the files the build copies"
    sizes = data[0]['sizes']
    assert set(sizes) == {f'ort/{f}' for f in bp.ORT_FILES} | {f'models/{k}.onnx' for k in bp.RUNTIME_KINDS}
    assert all(sizes[name] == p.stat().st_size for name, p in bp.page_files().items())
