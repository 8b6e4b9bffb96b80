"""The docs site's playground page: draw a digit for the packaged models, step down a parabola, train chapter 03's model.

`build_docs.build` calls `add_playground` before Sphinx runs. The page (docs/playground/playground.md) goes in with the
notebooks' pages; beside it, in `playground/`, go its JavaScript (docs/playground/*.js), the packaged ONNX models it runs,
onnxruntime-web's files (from docs/node_modules, which `npm ci` installs from docs/package-lock.json: `make docs` does),
and the numbers and pictures the page uses, made here from the package with fixed seeds, so that every build writes the
same bytes. Nothing the page loads comes from outside the site.
"""
import gzip, json, shutil
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT/'docs'/'playground'
ORT = ROOT/'docs'/'node_modules'/'onnxruntime-web'
# the WebAssembly build with its JavaScript glue in one module; the .wasm is the runtime itself (about 14 MB)
ORT_FILES = ['ort.wasm.bundle.min.mjs', 'ort-wasm-simd-threaded.wasm']
TRAIN_PER_DIGIT = 1000  # 2,000 training images; the page validates on all 2,038 validation images
SEED = 42  # chapter 03's seed: for the starting weights, and here for picking and ordering the training images
BATCH_SIZE, LR = 256, 1.  # chapter 03's settings, the page's defaults (checked against the chapters' functions in tests)
SAMPLES_PER_DIGIT = 3  # MNIST test digits of each class for the page's row of samples, to choose with the keyboard
# what the page calls each packaged model (mnist37.kinds.KINDS): the 3-vs-7 ones in "Draw a 3 or a 7", the ten-digit
# ones in "Draw any digit"; the linear ones it runs in plain JavaScript
KIND_NAMES = {'linear': 'linear', 'mlp': 'two-layer net', 'cnn': 'CNN', 'linear10': 'linear', 'cnn10': 'CNN'}
RUNTIME_KINDS = ('mlp', 'cnn')  # the models that need onnxruntime-web, whose .onnx files the page loads
# The ten-digit models ("Draw any digit"): each takes `images` (n, 28, 28) in 0..1 and gives ten `scores`, score i for
# digit i. The linear one runs in plain JavaScript, from the weights in its .pt, and its reasons are pictured; the
# others with onnxruntime-web, from their .onnx files.
TEN_LINEAR = 'linear10'
TEN_VOCAB = [str(d) for d in range(10)]
# the page's row of samples for any digit: from the hand-drawn set (tools/handwriting.py), this shape of each digit in
# this rendering; and the digit drawn on the canvas when the page opens, as strokes
TEN_SAMPLE, TEN_FIRST = (1, 1), ('5', 0)


def kinds_with(classes:int) -> list:
    "The packaged model kinds that tell `classes` digits apart (2: the 3-vs-7 ones, 10: all ten), as `mnist37.kinds` lists them; the linear ten-digit one last"
    from mnist37.kinds import KINDS
    kinds = [k for k, v in KINDS.items() if (v.scores == 10) == (classes == 10)]
    return sorted(kinds, key=lambda k: k == TEN_LINEAR)  # sorted() keeps the order otherwise: the CNN answers first

def ten_runtime() -> list: return [k for k in kinds_with(10) if k != TEN_LINEAR]  # the ten-digit models that need onnxruntime-web

def training_subset(arrays:dict, # `load_sample_arrays()`
                    per_digit:int=TRAIN_PER_DIGIT, seed:int=SEED) -> tuple:
    "`per_digit` training 3s and as many 7s, picked at random and shuffled once: uint8 images (n, 28, 28), targets (n,)"
    rng = np.random.default_rng(seed)
    picks = [np.sort(rng.choice(len(arrays[('train', d)][0]), per_digit, replace=False)) for d in '37']
    x = np.concatenate([arrays[('train', d)][0][p] for d, p in zip('37', picks)])
    y = np.repeat(np.array([1, 0], np.uint8), per_digit)  # 1 for a 3, as in the lesson
    # Chapter 03's loader keeps the 3s first; shuffled once, every batch holds both digits. Every epoch then takes the
    # batches in this same order, as the chapter's unshuffled loaders do.
    order = rng.permutation(len(x))
    return x[order], y[order]

def validation_set(arrays:dict) -> tuple:
    "All the validation images, 3s first as `load_mnist_tensors` has them: uint8 images (n, 28, 28), targets (n,)"
    x3, x7 = arrays[('valid', '3')][0], arrays[('valid', '7')][0]
    return np.concatenate([x3, x7]), np.repeat(np.array([1, 0], np.uint8), [len(x3), len(x7)])

def batches(x:np.ndarray, y:np.ndarray, bs:int=BATCH_SIZE) -> list:
    "`(xb, yb)` tensors as the lesson's unshuffled `DataLoader` makes them: rows of 784 floats in 0..1, targets `(n, 1)`"
    import torch
    xt = torch.tensor(x).float().div_(255).view(-1, 28*28)
    yt = torch.from_numpy(y.astype(np.int64))[:, None]
    return [(xt[i:i+bs], yt[i:i+bs]) for i in range(0, len(xt), bs)]

def first_epoch(train:tuple, valid:tuple, bs:int=BATCH_SIZE, lr:float=LR, seed:int=SEED) -> float:
    "Chapter 03's loop for one epoch on `train` from `linear1_model(seed)`: the validation accuracy it reaches"
    from functools import partial
    from mnist37.linear import linear1_model, train_epoch, validate_epoch
    from mnist37.sgd import sgd_step
    model, params = linear1_model(seed)
    train_epoch(model, batches(*train, bs), partial(sgd_step, params, lr))
    return validate_epoch(model, batches(*valid, bs))

def roller_coaster() -> dict:
    "Chapter 02's roller coaster: 20 noisy speed readings, and the random start of the quadratic's three parameters"
    import torch
    torch.manual_seed(42)  # as chapter 02 draws them, in the same order
    time = torch.arange(0, 20).float()
    speed = torch.randn(20)*3 + 0.75*(time - 9.5)**2 + 1
    return dict(time=time.tolist(), speed=speed.tolist(), params=torch.randn(3).tolist())

def chapter_defaults() -> dict:
    "The page's starting settings, read from the functions that set them: `mnist_dls`'s batch size, `train_linear1_params`'s rate and seed"
    import inspect
    from mnist37.learner import mnist_dls
    from mnist37.linear import train_linear1_params
    fit = inspect.signature(train_linear1_params).parameters
    return dict(batch_size=inspect.signature(mnist_dls).parameters['bs'].default, lr=fit['lr'].default, seed=fit['seed'].default)

def samples(arrays:dict, per_digit:int=SAMPLES_PER_DIGIT, seed:int=SEED) -> list:
    "`per_digit` validation images (MNIST's test set) of each class in `VOCAB`, picked at random: `{label, pixels}` dicts"
    from mnist37.data import VOCAB
    rng = np.random.default_rng(seed)
    out = []
    for d in VOCAB:
        x = arrays[('valid', d)][0]
        out += [dict(label=d, pixels=x[i].ravel().tolist()) for i in np.sort(rng.choice(len(x), per_digit, replace=False))]
    return out

def ten_asset(name:str):
    "mnist37/assets/`name`: checked against SHA256SUMS where that lists it (the models that ship), as it is where it does not (a model being developed), None where there is none"
    from mnist37.storage import assets_dir, packaged_file
    folder = assets_dir()
    listed = {l.split()[-1] for l in (folder/'SHA256SUMS').read_text().splitlines() if l.strip()}
    if name in listed: return packaged_file(name)
    return folder/name if (folder/name).is_file() else None

def ten_files() -> dict:
    "`{path in playground/: source}`: the ten-digit models' .onnx files that the page fetches, those that are there"
    return {f'models/{k}.onnx': p for k in ten_runtime() if (p := ten_asset(f'{k}.onnx'))}

def linear10_weights(path:Path) -> tuple:
    "The ten-digit linear model's weights (10, 784) and biases (10,), float32, from its `.pt`: the only tensors of those shapes"
    import torch
    state = torch.load(path, map_location='cpu', weights_only=True)
    found = {shape: [v for v in state.values() if tuple(v.shape) == shape] for shape in [(10, 784), (10,)]}
    if any(len(v) != 1 for v in found.values()):
        raise SystemExit(f'{path}: expected one (10, 784) weight and one (10,) bias, found {[tuple(v.shape) for v in state.values()]}')
    return tuple(found[s][0].detach().float().numpy() for s in [(10, 784), (10,)])

def short(a:np.ndarray) -> list:
    "float32s as the shortest decimals that give each back exactly (JavaScript's Float32Array rounds them to the same)"
    return [float(np.format_float_positional(v, unique=True)) for v in a.astype(np.float32).ravel()]

def ten_data() -> dict:
    "What the 'Draw any digit' experiment uses: its models' names, the linear model's weights, samples and a first digit"
    import handwriting
    pt = ten_asset(f'{TEN_LINEAR}.pt')
    linear = None
    if pt:
        w, b = linear10_weights(pt)
        linear = dict(kind=TEN_LINEAR, weights=short(w), bias=short(b))
    shapes = handwriting.load_set()
    i, j = TEN_SAMPLE
    samples = [dict(label=d, pixels=np.round(handwriting.prepared(d, shapes[d][i], i, j) * 255).astype(np.uint8).ravel().tolist())
               for d in TEN_VOCAB]
    kinds = kinds_with(10)
    return dict(kinds=kinds, names={k: KIND_NAMES[k] for k in kinds}, vocab=TEN_VOCAB, onnx=ten_runtime(), linear=linear,
                sizes={name: p.stat().st_size for name, p in ten_files().items()}, samples=samples,
                first=shapes[TEN_FIRST[0]][TEN_FIRST[1]]['strokes'])

def page_files() -> dict:
    "`{path in playground/: source}`: the files the page fetches besides its own scripts, data.json and digits.bin.gz"
    from mnist37.storage import packaged_file
    return {**{f'ort/{p.name}': p for p in ort_files()},
            **{f'models/{k}.onnx': packaged_file(f'{k}.onnx') for k in RUNTIME_KINDS}}

def page_data() -> tuple:
    "What the page uses: numbers as a dict (JSON), and its pictures as bytes, the training ones then the validation ones"
    from mnist37.data import VOCAB, load_sample_arrays
    from mnist37.linear import linear1_model
    from mnist37.models import packaged_model
    arrays = load_sample_arrays()
    train, valid = training_subset(arrays), validation_set(arrays)
    weights, bias = linear1_model(SEED)[1]
    linear = packaged_model('linear').state_dict()
    data = dict(
        train=dict(count=len(train[0]), targets=train[1].tolist()),
        valid=dict(count=len(valid[0]), targets=valid[1].tolist()),
        start=dict(seed=SEED, weights=weights.detach().flatten().tolist(), bias=bias.item()),  # float32s, exactly
        defaults=chapter_defaults(),
        kinds=kinds_with(2), kind_names={k: KIND_NAMES[k] for k in kinds_with(2)}, vocab=list(VOCAB),
        samples=samples(arrays),
        sizes={name: p.stat().st_size for name, p in page_files().items()},  # the page checks what it fetches against these
        python_first_epoch=first_epoch(train, valid),  # shown on the page beside the browser's own
        linear=dict(weights=linear['weight'].flatten().tolist(), bias=linear['bias'].item()),  # for the heat-map
        ten=ten_data(),
        roller_coaster=roller_coaster())
    return data, np.concatenate([train[0], valid[0]]).tobytes()

def ort_files(ort:Path=ORT) -> list:
    "onnxruntime-web's files that the page loads, from `npm ci`'s install"
    paths = [ort/'dist'/f for f in ORT_FILES]
    if not all(p.is_file() for p in paths):
        raise SystemExit(f'onnxruntime-web is not installed in {ort.parent}: run `npm ci` in docs/ (`make docs` does)')
    return paths

def add_playground(proc:Path, # the folder of page sources Sphinx reads
                   html:Path, # the folder Sphinx writes the site into
                  ) -> Path:
    "Put the playground page into `proc`, and what it loads into `html/playground/`"
    shutil.copy(SRC/'playground.md', proc/'playground.md')
    out = html/'playground'
    shutil.rmtree(out, ignore_errors=True)
    for d in ('ort', 'models'): (out/d).mkdir(parents=True)
    for p in [*SRC.glob('*.js'), *SRC.glob('*.css')]: shutil.copy(p, out/p.name)
    for name, p in {**page_files(), **ten_files()}.items(): shutil.copy(p, out/name)
    data, pictures = page_data()
    (out/'data.json').write_text(json.dumps(data, separators=(',', ':')))
    (out/'digits.bin.gz').write_bytes(gzip.compress(pictures, 9, mtime=0))  # about a quarter of the 3 MB
    return out
