"""How well the ten-digit models read handwriting they never saw: accuracy per digit for cnn10 and linear10.

The set is in tests/fixtures/handwriting/<digit>.json, and it is not MNIST. Each file holds three shapes of its digit,
each a different way people write it (a 1 with or without a flag and a base, a 4 open or closed, a 7 with or without a
crossbar, an 8 in one stroke or as two circles...), as pen strokes: lists of points on the playground's 280x280 canvas.
They were written as coordinates (arcs and polylines), not traced from any image, by the helper that built the
playground; no person's handwriting was scanned. Each shape is rendered here in four ways, with a different pen width,
slant, size and wobble, as dark ink on white paper, and then prepared by the package's own `mnist37.images.preprocess`,
exactly as `mnist37 predict` prepares a photo: 3 shapes x 4 renderings = 12 pictures of each digit, 120 in all.
The browser test (tests/test_playground_digits.py) draws the same strokes with the mouse in the playground.

    python tools/handwriting.py                  # the packaged models, mnist37/assets/{cnn10,linear10}.onnx
    python tools/handwriting.py --assets DIR     # the .onnx files in DIR instead
    python tools/handwriting.py --sheet set.png  # also a picture of the 120 prepared digits, for looking at
"""
import argparse, json, sys
from pathlib import Path

import numpy as np

from mnist37.data import DIGITS  # score i is digit i (the ten-digit models' contract)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT/'tests'/'fixtures'/'handwriting'
SIDE = 280  # the playground's canvas, in which the strokes are given
KINDS = ('cnn10', 'linear10')  # the ten-digit models this reports on
# how each shape is rendered: (pen width in canvas pixels, slant: x moves by slant * height above the middle, size
# around the canvas's centre, wobble: how far each point strays at random, in pixels)
RENDERINGS = [(22, 0., 1., 0.),  # as drawn in the playground, with its 22-pixel pen
              (12, 0.2, 0.8, 1.5),  # a thin pen, slanted right, smaller
              (34, -0.15, 0.9, 1.5),  # a felt pen, slanted left
              (17, 0.35, 0.65, 2.5)]  # small, very slanted, shaky


def load_set(folder:Path=FIXTURES) -> dict:
    "`{digit: [{name, strokes}, ...]}` from the set's JSON files; strokes are lists of [x, y] points on the canvas"
    out = {}
    for d in DIGITS:
        doc = json.loads((folder/f'{d}.json').read_text())
        if doc['digit'] != d or doc['canvas'] != [SIDE, SIDE]: raise ValueError(f'{d}.json: not a {d} on a {SIDE}x{SIDE} canvas')
        out[d] = doc['shapes']
    return out

def transform(strokes:list, slant:float=0., size:float=1., wobble:float=0., seed:int=0) -> list:
    "The strokes slanted, scaled about the canvas's centre and made shaky (seeded), as lists of (x, y)"
    rng, c = np.random.default_rng(seed), SIDE / 2
    out = []
    for s in strokes:
        p = np.array(s, float)
        p = c + (p - c) * size
        p[:, 0] += slant * (c - p[:, 1])
        if wobble: p += rng.normal(0, wobble, p.shape)
        out.append([tuple(q) for q in p])
    return out

def render(strokes:list, pen:float=22, scale:int=4):
    "The strokes in dark ink on white paper, `SIDE` pixels square, with round ends and joints as the canvas draws them"
    from PIL import Image, ImageDraw
    big = Image.new('L', (SIDE * scale, SIDE * scale), 255)  # drawn large, then shrunk: smooth edges, like the canvas's
    draw, r = ImageDraw.Draw(big), pen * scale / 2
    for s in strokes:
        pts = [(x * scale, y * scale) for x, y in s]
        if len(pts) > 1: draw.line(pts, fill=0, width=round(pen * scale))
        for x, y in pts: draw.ellipse([x - r, y - r, x + r, y + r], fill=0)
    return big.resize((SIDE, SIDE), Image.BOX).convert('RGB')

def prepared(digit:str, shape:dict, i:int, j:int):
    "The (28, 28) picture of `shape` (the `i`th of `digit`) in rendering `j`, prepared by `mnist37.images.preprocess`"
    from mnist37.images import preprocess
    pen, slant, size, wobble = RENDERINGS[j]
    img = render(transform(shape['strokes'], slant, size, wobble, seed=100 * int(digit) + 10 * i + j), pen)
    return preprocess(img, f'{digit}.json {shape["name"]}')

def pictures(folder:Path=FIXTURES) -> list:
    "Every picture of the set, prepared by `mnist37.images.preprocess`: `(digit, shape name, rendering, (28, 28) array)`"
    return [(d, shape['name'], j, prepared(d, shape, i, j))
            for d, shapes in load_set(folder).items() for i, shape in enumerate(shapes) for j in range(len(RENDERINGS))]

def scores(path:Path, x:np.ndarray) -> np.ndarray:
    "The ten scores of an ONNX model of the contract (input `images` (n, 28, 28) float32, output `scores` (n, 10))"
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    s = ort.InferenceSession(str(path), opts, providers=['CPUExecutionProvider'])
    out = s.run(['scores'], {'images': x.astype(np.float32)})[0]
    if out.shape != (len(x), 10): raise ValueError(f'{path.name} gives scores of shape {out.shape}, not ({len(x)}, 10)')
    return out

def accuracy(assets:Path, pics:list) -> tuple:
    "`{kind: {digit: (right, count)}}` for each ten-digit model in `assets`, and the misread pictures as lines of text"
    x = np.stack([p[3] for p in pics])
    y = np.array([int(p[0]) for p in pics])
    out, wrong = {}, []
    for kind in KINDS:
        guess = scores(assets/f'{kind}.onnx', x).argmax(1)
        out[kind] = {d: (int((guess[y == int(d)] == int(d)).sum()), int((y == int(d)).sum())) for d in DIGITS}
        wrong += [f'{kind} reads the {d} "{name}" (rendering {j}) as {"an" if g == 8 else "a"} {g}' for (d, name, j, _), g in zip(pics, guess) if int(d) != g]
    return out, wrong

def table(acc:dict) -> str:
    "Accuracy per digit and in all, one column per model"
    lines = ['digit  ' + '  '.join(f'{k:>9}' for k in acc)]
    for d in DIGITS: lines.append(f'{d:>5}  ' + '  '.join(f'{acc[k][d][0]:>6}/{acc[k][d][1]:<2}' for k in acc))
    tot = {k: (sum(r for r, _ in acc[k].values()), sum(n for _, n in acc[k].values())) for k in acc}
    lines.append('  all  ' + '  '.join(f'{tot[k][0] / tot[k][1]:>9.3f}' for k in acc))
    return '\n'.join(lines)

def sheet(pics:list, path:Path):
    "The prepared pictures in a grid, one row per digit, white ink on black as the models see them"
    from PIL import Image
    per = len(pics) // len(DIGITS)
    grid = np.zeros((len(DIGITS) * 30, per * 30), np.uint8)
    for k, p in enumerate(pics): grid[(k // per) * 30 + 1:(k // per) * 30 + 29, (k % per) * 30 + 1:(k % per) * 30 + 29] = p[3] * 255
    tmp = path.with_name(f'.{path.name}.tmp')
    Image.fromarray(grid).resize((grid.shape[1] * 3, grid.shape[0] * 3), Image.NEAREST).save(tmp, format='PNG')
    tmp.replace(path)

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog='handwriting', description=__doc__.split('\n\n')[0])
    ap.add_argument('--assets', type=Path, default=None, help='folder of cnn10.onnx and linear10.onnx (default: the package\'s)')
    ap.add_argument('--sheet', type=Path, default=None, help='also write the prepared pictures to this PNG')
    args = ap.parse_args(argv)
    try:
        if args.assets is None:
            from mnist37.storage import assets_dir
            args.assets = assets_dir()
        for kind in KINDS:
            if not (args.assets/f'{kind}.onnx').is_file():
                raise FileNotFoundError(f'{args.assets/kind}.onnx is missing (the ten-digit models come from the cnn10 work: tools/build_models.py)')
        pics = pictures()
        if args.sheet: sheet(pics, args.sheet)
        acc, wrong = accuracy(args.assets, pics)
    except Exception as e:  # one line, never a traceback
        print(f'handwriting: error: {e}', file=sys.stderr)
        return 1
    per = len(pics) // len(DIGITS)
    print(f'{len(pics)} pictures, {per} of each digit ({per // len(RENDERINGS)} shapes x {len(RENDERINGS)} renderings), '
          f'not from MNIST; right / count:')
    print(table(acc))
    if wrong: print('misread:\n' + '\n'.join(f'  {w}' for w in wrong))
    return 0

if __name__ == '__main__':
    sys.exit(main())
