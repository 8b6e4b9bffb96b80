#!/usr/bin/env python
"""The lesson's own pipeline against mnist37's, side by side, in one run.

    python tools/benchmark.py            # everything, about a minute and a half on a two-core laptop
    python tools/benchmark.py --quick    # leaves out resnet18 (about forty seconds of it)
    python tools/benchmark.py --json bench.json

Each comparison is timed on this machine in this process (fastai is imported before any clock starts):

1. data: the lesson opens every PNG of MNIST_SAMPLE with PIL and stacks the pixels; mnist37 reads its packaged arrays
   (`load_mnist_tensors`, the file's checksum cache cleared first so that it is really read and checked);
2. the CNN: resnet18 from scratch, one epoch of fit_one_cycle on the PNG folders (the lesson), against `train_cnn`
   (simple_cnn, eight epochs, from tensors). Accuracy and seconds, including building the DataLoaders.

Small steps are repeated and the best time kept; the big ones run once. This is a measurement, not a test: the numbers
depend on the machine and on whatever else it is doing, so the load average is printed with them.
"""
import argparse, json, os, platform, time, warnings
from functools import partial

warnings.filterwarnings('ignore', message='.*torch.jit.script.*', category=FutureWarning)


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
    import mnist37.storage as storage
    from mnist37.data import load_mnist_tensors
    storage._verified.cache_clear()  # a cold read: load the file and check its checksum again
    return load_mnist_tensors()


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help='leave out resnet18')
    p.add_argument('--repeats', type=int, default=3, help='repeats of the small steps (best time kept)')
    p.add_argument('--json', metavar='FILE', help='also write the results here')
    args = p.parse_args()

    import torch
    import fastai.basics, fastai.callback.progress  # noqa: F401  imported before any timing
    from fastai.torch_core import set_seed
    from mnist37.sample import mnist_sample
    path = mnist_sample(progress=False)  # materialised (or checked) before timing: both sides start from files on disk
    rows = []

    def row(what, lesson_s, ours_s, note=''):
        rows.append(dict(what=what, lesson_s=round(lesson_s, 3), mnist37_s=round(ours_s, 3),
                         ratio=round(lesson_s / ours_s, 1), note=note))
        print(f'{what:<34} {lesson_s:9.3f} {ours_s:9.3f} {lesson_s / ours_s:7.1f}x  {note}', flush=True)

    print(f'{platform.node()}: {os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} threads, '
          f'{"CUDA " + torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"}; '
          f'load average before: {os.getloadavg()[0]:.2f}')
    print(f'{"":<34} {"lesson s":>9} {"mnist37 s":>9} {"ratio":>8}')

    t_lesson, lesson_data = best_of(max(1, args.repeats - 1), partial(lesson_tensors, path))
    t_ours, ours_data = best_of(args.repeats, mnist37_tensors)
    assert all(torch.equal(a, b) for a, b in zip(lesson_data, ours_data)), 'the two pipelines disagree'
    row('data: PNG loop vs packaged arrays', t_lesson, t_ours, 'identical tensors')

    from mnist37.cnn import train_cnn
    t0 = time.perf_counter(); cnn = train_cnn(progress=False); t_cnn = time.perf_counter() - t0
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
    print(f'load average after: {os.getloadavg()[0]:.2f}')
    if args.json:
        with open(args.json, 'w') as f: json.dump(dict(rows=rows, load_average=os.getloadavg()[0]), f, indent=1)


if __name__ == '__main__': main()
