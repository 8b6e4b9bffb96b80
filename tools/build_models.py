#!/usr/bin/env python
"""Train the models that ship with mnist37 (3-or-7 and ten-digit) and write them into `mnist37/assets/`.

Run by a developer after a change to a recipe (`python tools/build_models.py`); the results are committed. Each model is
trained with its chapter's recipe and seed, on one CPU thread, through `mnist37.models.train_model` (the same call as `mnist37 train`),
saved with `save_weights` and `export_onnx`, and their SHA-256s recorded in `mnist37/assets/SHA256SUMS`, which mnist37 checks before it
loads a packaged model. `--kinds linear mlp` rebuilds only some; `--kinds cnn10 linear10` the ten-digit ones (chapter 11).
"""
import argparse, warnings

warnings.filterwarnings('ignore', message='.*torch.jit.script.*', category=FutureWarning)


def main():
    import torch
    from mnist37.models import export_onnx, recipe_for, save_weights, train_model
    from mnist37.kinds import MODEL_KINDS
    from mnist37.storage import assets_dir, write_sha256sums
    torch.set_num_threads(1)  # as the chapters and `mnist37 train` do, so that retraining there gives these very weights
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--kinds', nargs='+', choices=MODEL_KINDS, default=list(MODEL_KINDS), help='which models (default: all)')
    a = p.parse_args()
    for kind in a.kinds:
        model, accuracy = recipe_for(kind).outcome(train_model(kind, progress=False))
        path = save_weights(model, assets_dir()/f'{kind}.pt')
        onnx = export_onnx(model, assets_dir()/f'{kind}.onnx')  # from the very weights just saved
        print(f'{path.name} and {onnx.name}: held-out accuracy {accuracy:.4f}, '
              f'{path.stat().st_size:,} and {onnx.stat().st_size:,} bytes')
    print(f'updated {write_sha256sums()}')


if __name__ == '__main__': main()
