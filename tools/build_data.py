"""Build `mnist37/assets/mnist_sample.npz` and `mnist37/assets/mnist.npz` from the raw MNIST files.

Run once by a developer (`python tools/build_data.py`); the results are committed, so
users and CI never need the raw files. It reads `../shared/data/mnist/*.gz` (or
`--raw DIR`) and checks each file against `SHA256SUMS.uncompressed`. `mnist_sample.npz` keeps the 3s and 7s
and writes them in the order the lesson uses: train 3s, train 7s, valid 3s, valid 7s,
each sorted by file name the way `Path.ls().sorted()` sorts `'10.png'` before `'2.png'`. `mnist.npz` holds all
70,000 images and labels in the raw files' order (`train_x`, `train_y`, `test_x`, `test_y`, all uint8). Both are
written with fixed timestamps, so a rebuild gives the same bytes. Then it records the new files' SHA-256 in
`mnist37/assets/SHA256SUMS`, which mnist37 checks before using them.
"""
import argparse, gzip, hashlib, io, shutil, sys, tempfile, zipfile
from pathlib import Path

import numpy as np
from torchvision.datasets.mnist import read_image_file, read_label_file

from mnist37.data import SAMPLE_COUNTS
from mnist37.storage import atomic_write, write_sha256sums

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT.parent/'shared'/'data'/'mnist'
OUT = ROOT/'mnist37'/'assets'/'mnist_sample.npz'
FULL = 'mnist.npz'  # written beside OUT
FILES = dict(train=('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
             valid=('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'))
FULL_SPLITS = dict(train='train', valid='test')  # the names of the raw files' halves in mnist.npz


def gunzip_checked(raw: Path, tmp: Path) -> dict:
    "Uncompress the four raw files into `tmp`, refusing any whose sha256 is not the published one"
    sums = dict(l.split()[::-1] for l in (raw/'SHA256SUMS.uncompressed').read_text().splitlines() if l.strip())
    out = {}
    for name, want in sums.items():
        dest = tmp/name
        with gzip.open(raw/f'{name}.gz') as src, open(dest, 'wb') as dst: shutil.copyfileobj(src, dst)
        got = hashlib.sha256(dest.read_bytes()).hexdigest()
        if got != want: sys.exit(f'{name}: sha256 {got} does not match {want}')
        out[name] = dest
    return out


def select(images, labels, split):
    "The 3s and 7s of one split as (images, raw indices, digits), ordered as the lesson orders them"
    xs, idxs, digits = [], [], []
    for d in (3, 7):
        idx = np.flatnonzero(labels == d)
        idx = np.array(sorted(idx, key=lambda i: f'{i}.png'))  # lexicographic, like Path.ls().sorted()
        assert len(idx) == SAMPLE_COUNTS[(split, str(d))], (split, d, len(idx))
        xs.append(images[idx]); idxs.append(idx); digits.append(np.full(len(idx), d, np.uint8))
    return np.concatenate(xs), np.concatenate(idxs).astype(np.int32), np.concatenate(digits)


def write_npz(path: Path, arrays: dict):
    "Like `np.savez_compressed`, but with fixed timestamps so the same input gives the same bytes"
    with atomic_write(path) as f, zipfile.ZipFile(f, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for k, v in arrays.items():
            buf = io.BytesIO(); np.lib.format.write_array(buf, np.ascontiguousarray(v), allow_pickle=False)
            zi = zipfile.ZipInfo(f'{k}.npy', date_time=(1998, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, buf.getvalue(), compresslevel=9)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--raw', type=Path, default=RAW, help='folder with the four MNIST .gz files')
    p.add_argument('--out', type=Path, default=OUT, help=f'the sample file; {FULL} is written beside it')
    a = p.parse_args()
    parts, full = {k: [] for k in ('x', 'idx', 'digit', 'split')}, {}
    with tempfile.TemporaryDirectory() as t:
        files = gunzip_checked(a.raw, Path(t))
        for si, (split, (img, lbl)) in enumerate(FILES.items()):
            images, labels = read_image_file(str(files[img])).numpy(), read_label_file(str(files[lbl])).numpy()
            full.update({f'{FULL_SPLITS[split]}_x': images, f'{FULL_SPLITS[split]}_y': labels})
            x, idx, digit = select(images, labels, split)
            for k, v in zip(('x', 'idx', 'digit', 'split'), (x, idx, digit, np.full(len(x), si, np.uint8))):
                parts[k].append(v)
    arrays = {k: np.concatenate(v) for k, v in parts.items()}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    write_npz(a.out, arrays)
    write_npz(a.out.parent/FULL, {k: full[k].astype(np.uint8) for k in ('train_x', 'train_y', 'test_x', 'test_y')})
    sums = write_sha256sums(a.out.parent)
    for out, n in ((a.out, len(arrays['x'])), (a.out.parent/FULL, len(full['train_y']) + len(full['test_y']))):
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        print(f'wrote {out} ({out.stat().st_size:,} bytes, {n:,} images), sha256 {digest}')
    print(f'and {sums}')


if __name__ == '__main__': main()
