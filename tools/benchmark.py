#!/usr/bin/env python
"""The lesson's own pipeline against mnist37's, side by side, in one run.

    python tools/benchmark.py            # everything, about a minute and a half on a two-core laptop
    python tools/benchmark.py --quick    # leaves out resnet18 (about forty seconds of it)
    python tools/benchmark.py --json bench.json
    python tools/benchmark.py --only-full-data   # only the full MNIST: loading it, and writing its 70,000 PNGs
    python tools/benchmark.py --only-digits      # only the ten-digit CNN (chapter 11): recipes, resnet18, predict

Each comparison is timed on this machine:

1. predicting, first and in fresh processes (this one has imported nothing big yet): `mnist37 predict` on one picture,
   cold, through PyTorch (`--weights cnn.pt`) and through ONNX (the default), median wall time of several runs and peak
   memory (each child's own maxrss from `os.wait4`); and both on 2,000 pictures in one call. Targets: one picture in
   0.4 s and 150 MB, 2,000 in 3 s, through ONNX;
2. data: the lesson opens every PNG of MNIST_SAMPLE with PIL and stacks the pixels; mnist37 reads its packaged arrays
   (`load_mnist_tensors`, the file's checksum cache cleared first so that it is really read and checked);
3. the CNN: resnet18 from scratch, one epoch of fit_one_cycle on the PNG folders (the lesson), against `train_cnn`
   (simple_cnn, eight epochs, from tensors). Accuracy and seconds, including building the DataLoaders;
4. the full MNIST (`--only-full-data` runs only this): `load_mnist_arrays()` with its checksum (target: well under a
   second), and `mnist_png()` in fresh processes, from nothing to the complete folder of 70,000 PNGs (target: 60 s)
   and again on the complete folder (target: 1 s), into a temporary data folder;
5. ten digits (`--only-digits` runs only this; `--quick` leaves out resnet18): the full and the short recipe for
   `digit_cnn` (test accuracy on the 10,000 test images, wall seconds, CPU seconds, training images per second; targets
   0.993 in 60 s and 0.990 in 20 s), beside fastai's `vision_learner(resnet18, pretrained=False, n_in=1)` trained from
   scratch on the same tensors with fit_one_cycle for the same number of epochs as the full recipe (accuracy, seconds,
   the ratio); and `mnist37 predict --model cnn10` on one picture, cold (target: 0.4 s and 150 MB, as for 3-or-7).

The data and CNN steps run in this process (fastai imported before any clock starts). Small steps are repeated and the
best time kept; the big ones run once. This is a measurement, not a test: the numbers
depend on the machine and on whatever else it is doing, so the load average is printed with them.
"""
import argparse, json, os, platform, subprocess, sys, time

import numpy as np
from functools import partial


def best_of(n, f):
    "Smallest wall-clock time of `n` calls of `f`, and the last result"
    times = []
    for _ in range(n):
        t0 = time.perf_counter(); res = f(); times.append(time.perf_counter() - t0)
    return min(times), res


def lesson_tensors(path):
    "The lesson's way: open each PNG, stack, scale; train and valid, 3s first, label 1 for a 3"
    import torch
    from PIL import Image
    from fastai.torch_core import tensor
    out = []
    for split in ('train', 'valid'):
        threes, sevens = (path/split/'3').ls().sorted(), (path/split/'7').ls().sorted()
        stacked_threes = torch.stack([tensor(Image.open(o)) for o in threes]).float()/255
        stacked_sevens = torch.stack([tensor(Image.open(o)) for o in sevens]).float()/255
        out += [torch.cat([stacked_threes, stacked_sevens]).view(-1, 28*28),
                tensor([1]*len(threes) + [0]*len(sevens)).unsqueeze(1)]
    return out


def mnist37_tensors():
    from mnist37.data import load_mnist_tensors
    from mnist37.storage import forget_checked
    forget_checked()  # a cold read: load the file and check its checksum again
    return load_mnist_tensors()


def full_mnist(repeats):
    "Seconds: loading the full MNIST's arrays, cold; writing mnist_png from nothing; checking it once it is there"
    import tempfile
    import mnist37.storage as storage
    from mnist37.data import load_mnist_arrays
    from mnist37.folders import MNIST_PNG, folder_problems
    def cold(): storage.forget_checked(); return load_mnist_arrays()  # read and checked again each time
    load_s, arrays = best_of(repeats, cold)
    assert [a.shape for a in arrays] == [(60000, 28, 28), (60000,), (10000, 28, 28), (10000,)]
    write = [sys.executable, '-c', 'import sys; from mnist37.folders import mnist_png; mnist_png(sys.argv[1], progress=0)']
    with tempfile.TemporaryDirectory() as d:
        build_s, build_mb, _ = run_child([*write, d])
        assert folder_problems(MNIST_PNG, f'{d}/mnist_png') == []
        again_s = min(run_child([*write, d])[0] for _ in range(repeats))
    return dict(load_s=round(load_s, 3), build_s=round(build_s, 1), build_mb=round(build_mb), again_s=round(again_s, 3))


def print_full_mnist(res):
    print(f'full MNIST: load_mnist_arrays {res["load_s"]:.3f} s (checksum included); mnist_png from nothing '
          f'{res["build_s"]:.1f} s ({res["build_mb"]} MB peak), on the complete folder {res["again_s"]:.3f} s '
          f'(fresh processes, Python start-up included); load average {os.getloadavg()[0]:.2f}', flush=True)


def digits_recipe(train):
    "One ten-digit recipe: test accuracy, wall and CPU seconds of the training itself, training images per second"
    c0 = time.process_time()
    r = train()
    cpu = time.process_time() - c0  # includes the scoring after each epoch, which `r.seconds` leaves out
    n = len(r.curve) * (60000 // 256) * 256
    return dict(accuracy=round(r.accuracy, 4), seconds=round(r.seconds, 1), cpu_seconds=round(cpu, 1),
                images_per_s=round(n / r.seconds), epochs=len(r.curve))


def digits_resnet18(epochs):
    "fastai's resnet18 from scratch on the same tensors (one channel), one-cycle for `epochs`: test accuracy and seconds"
    import torch
    from torch.utils.data import TensorDataset
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from fastai.metrics import accuracy
    from fastai.torch_core import set_seed
    from fastai.vision.all import resnet18, vision_learner
    from mnist37.digit_cnn import digit_images
    try: from mnist37.folders import offline
    except ImportError: from contextlib import nullcontext as offline  # pretrained=False downloads nothing anyway
    train_x, train_y, test_x, test_y = digit_images()
    set_seed(42, reproducible=True)
    t0 = time.perf_counter()
    dls = DataLoaders(DataLoader(TensorDataset(train_x.float() / 255, train_y), bs=256, shuffle=True, drop_last=True),
                      DataLoader(TensorDataset(test_x.float() / 255, test_y), bs=1000))
    with offline():  # pretrained=False must never reach for the network
        learn = vision_learner(dls, resnet18, pretrained=False, n_in=1, n_out=10, loss_func=torch.nn.functional.cross_entropy,
                               metrics=accuracy, normalize=False)
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, 1e-2)
    return dict(accuracy=round(float(learn.recorder.values[-1][-1]), 4), seconds=round(time.perf_counter() - t0, 1), epochs=epochs)


def predict_cnn10(repeats):
    "`mnist37 predict --model cnn10` on one picture, cold: median seconds and peak MB, measured before anything big is loaded"
    import statistics, tempfile
    from PIL import Image
    from mnist37.data import load_sample_arrays
    with tempfile.TemporaryDirectory() as d:  # a forked child counts its parent's memory too: keep this process small
        Image.fromarray(load_sample_arrays()[('valid', '3')][0][0]).save(f'{d}/digit.png')
        runs = [run_child([sys.executable, '-m', 'mnist37', 'predict', '--model', 'cnn10', f'{d}/digit.png'])
                for _ in range(max(3, repeats + 2))]
    res = dict(one_s=round(statistics.median(r[0] for r in runs), 3), one_mb=round(max(r[1] for r in runs)))
    print(f'mnist37 predict --model cnn10, one picture, cold: {res["one_s"]:.3f} s, {res["one_mb"]} MB peak '
          f'(targets 0.4 s, 150 MB)', flush=True)
    return res


def digits_section(args, predict=None):
    "The ten-digit CNN (chapter 11): both recipes, and resnet18 beside the full one"
    import torch
    from mnist37.digit_cnn import train_digit_cnn, train_digit_cnn_short
    torch.set_num_threads(args.threads)  # 1 by default, as `mnist37 train` and tools/build_models.py train
    res = dict(predict_cnn10=predict, threads=args.threads)
    for name, train in [('full', train_digit_cnn), ('short', train_digit_cnn_short)]:
        r = res[name] = digits_recipe(train)
        print(f'digit_cnn, {name} recipe: test accuracy {r["accuracy"]:.4f} after {r["epochs"]} epochs; {r["seconds"]:.1f} s of '
              f'training on {args.threads} thread(s), {r["cpu_seconds"]:.1f} s of CPU with scoring, {r["images_per_s"]:,} '
              f'images/s; load average '
              f'{os.getloadavg()[0]:.2f}', flush=True)
    if not args.quick:
        rn = res['resnet18'] = digits_resnet18(args.resnet_epochs or res['full']['epochs'])
        per_epoch = rn['seconds'] / rn['epochs'] / (res['full']['seconds'] / res['full']['epochs'])  # a like-for-like ratio
        print(f'resnet18 from scratch, {rn["epochs"]} epochs on the same tensors: test accuracy {rn["accuracy"]:.4f} in '
              f'{rn["seconds"]:.1f} s, {per_epoch:.1f}x the time per epoch of the full recipe '
              f'({res["full"]["accuracy"]:.4f} after {res["full"]["epochs"]}); load average {os.getloadavg()[0]:.2f}', flush=True)
    return res


def run_child(cmd):
    "Wall seconds and peak memory (MB) of one run of `cmd`, from the kernel's account of that child alone"
    import tempfile
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:  # files, not pipes: a full pipe would block it
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        secs = time.perf_counter() - t0
        out.seek(0); err.seek(0)
        out, err = out.read().decode(), err.read().decode()
    if os.waitstatus_to_exitcode(status) != 0: raise SystemExit(f'{" ".join(cmd[:3])}... failed: {err.strip()}')
    return secs, usage.ru_maxrss / 1024, out


def predict_comparison(repeats):
    "mnist37 predict through PyTorch and through ONNX: one picture cold, and 2,000 pictures"
    import statistics, tempfile
    from PIL import Image
    from mnist37.data import load_sample_arrays
    from mnist37.storage import assets_dir
    exe = [sys.executable, '-m', 'mnist37', 'predict']
    ways = {'PyTorch': ['--weights', str(assets_dir()/'cnn.pt')], 'ONNX': []}
    with tempfile.TemporaryDirectory() as d:
        arrays = load_sample_arrays()
        pics = []
        for i, img in enumerate(np.concatenate([arrays[('valid', '3')][0], arrays[('valid', '7')][0]])[:2000]):
            pics.append(f'{d}/{i}.png'); Image.fromarray(img).save(pics[-1])
        res = {}
        for way, extra in ways.items():
            runs = [run_child([*exe, *extra, pics[0]]) for _ in range(repeats)]
            secs, mb = statistics.median(r[0] for r in runs), max(r[1] for r in runs)
            many_s, many_mb, out = run_child([*exe, *extra, *pics])
            assert len(out.splitlines()) == 2000
            res[way] = dict(one_s=round(secs, 3), one_mb=round(mb), many_s=round(many_s, 2), many_mb=round(many_mb))
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help='leave out resnet18')
    p.add_argument('--repeats', type=int, default=3, help='repeats of the small steps (best time kept)')
    p.add_argument('--json', metavar='FILE', help='also write the results here')
    p.add_argument('--only-predict', action='store_true', help='only the comparison of the two ways to predict')
    p.add_argument('--only-full-data', action='store_true', help='only the full MNIST: loading it, and writing mnist_png')
    p.add_argument('--only-digits', action='store_true', help='only the ten-digit CNN: its recipes, resnet18, predict --model cnn10')
    p.add_argument('--threads', type=int, default=1, metavar='N',
                   help='PyTorch threads for the ten-digit training (default 1)')
    p.add_argument('--resnet-epochs', type=int, metavar='N', help="resnet18's epochs on ten digits (default: the full recipe's)")
    args = p.parse_args()

    print(f'{platform.node()}: {os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.2f}')
    if args.only_full_data: return print_full_mnist(full_mnist(args.repeats))
    if args.only_digits: return digits_section(args, predict_cnn10(args.repeats))
    pred = predict_comparison(max(3, args.repeats + 2))
    pred_cnn10 = predict_cnn10(args.repeats)
    print(f'{"mnist37 predict":<34} {"PyTorch":>9} {"ONNX":>9} {"ratio":>8}')
    for key, what in [('one_s', 'one picture, cold: seconds'), ('one_mb', 'one picture, cold: peak MB'),
                      ('many_s', '2,000 pictures: seconds'), ('many_mb', '2,000 pictures: peak MB')]:
        a, b = pred['PyTorch'][key], pred['ONNX'][key]
        print(f'{what:<34} {a:9} {b:9} {a / b:7.1f}x', flush=True)
    if args.only_predict:
        print(f'load average after: {os.getloadavg()[0]:.2f}')
        return

    import torch
    import fastai.basics, fastai.callback.progress  # noqa: F401  imported before any timing
    from fastai.torch_core import set_seed
    from mnist37.folders import mnist_sample
    path = mnist_sample(progress=False)  # materialised (or checked) before timing: both sides start from files on disk
    rows = []

    def row(what, lesson_s, ours_s, note=''):
        rows.append(dict(what=what, lesson_s=round(lesson_s, 3), mnist37_s=round(ours_s, 3),
                         ratio=round(lesson_s / ours_s, 1), note=note))
        print(f'{what:<34} {lesson_s:9.3f} {ours_s:9.3f} {lesson_s / ours_s:7.1f}x  {note}', flush=True)

    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'{"CUDA " + torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"}; '
          f'load average now: {os.getloadavg()[0]:.2f}')
    print(f'{"":<34} {"lesson s":>9} {"mnist37 s":>9} {"ratio":>8}')

    t_lesson, lesson_data = best_of(max(1, args.repeats - 1), partial(lesson_tensors, path))
    t_ours, ours_data = best_of(args.repeats, mnist37_tensors)
    assert all(torch.equal(a, b) for a, b in zip(lesson_data, ours_data)), 'the two pipelines disagree'
    row('data: PNG loop vs packaged arrays', t_lesson, t_ours, 'identical tensors')

    from mnist37.models import train_model
    t0 = time.perf_counter(); cnn = train_model('cnn', progress=False); t_cnn = time.perf_counter() - t0
    acc_cnn = cnn.recorder.values[-1][-1]
    if not args.quick:
        from fastai.vision.all import ImageDataLoaders, vision_learner, resnet18, accuracy
        import torch.nn.functional as F
        set_seed(42, reproducible=True)
        t0 = time.perf_counter()
        dls = ImageDataLoaders.from_folder(path)
        learn = vision_learner(dls, resnet18, pretrained=False, loss_func=F.cross_entropy, metrics=accuracy)
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1, 0.1)
        t_rn = time.perf_counter() - t0
        acc_rn = learn.recorder.values[-1][-1]
        row('CNN: resnet18 1 ep vs simple_cnn 8', t_rn, t_cnn, f'accuracy {acc_rn:.4f} vs {acc_cnn:.4f} '
            f'({round((1 - acc_rn) * 2038)} vs {round((1 - acc_cnn) * 2038)} errors)')
    else: print(f'simple_cnn, 8 epochs: {t_cnn:.1f}s, accuracy {acc_cnn:.4f} (resnet18 left out: --quick)')
    full = full_mnist(args.repeats)
    print_full_mnist(full)
    digits = digits_section(args, pred_cnn10)
    print(f'load average after: {os.getloadavg()[0]:.2f}')
    if args.json:
        from mnist37.storage import atomic_write
        with atomic_write(args.json, 'w') as f: json.dump(dict(predict=pred, rows=rows, full_mnist=full, digits=digits,
                                                                    load_average=os.getloadavg()[0]), f, indent=1)


if __name__ == '__main__': main()
