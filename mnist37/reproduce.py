"""Train every approach of the lesson through mnist37's API and compare with the lesson's published figures."""

# This is what `mnist37 reproduce` runs. Each approach uses its chapter's recipe and seed, so the numbers are the ones
# the chapters print. A plain module rather than a notebook: it only strings together what the chapters built.

import json, platform, time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import torch
from torch import nn

from mnist37.data import load_mnist_tensors

__all__ = ['Result', 'APPROACHES', 'reproduce', 'format_table', 'save_plots']


@dataclass
class Result:
    "One approach's outcome"
    approach: str  # what was trained
    epochs: int  # passes over the training set (0 for pixel similarity, which learns nothing)
    accuracy: float  # validation accuracy at the end
    lesson: str  # the figure the lesson (the printed fastbook) reports for the same recipe
    seconds: float  # time spent training (data preparation and imports excluded)
    curve: list = field(default_factory=list)  # validation accuracy after each epoch
    detail: str = ''  # e.g. the per-digit accuracies of pixel similarity


def _pixel_similarity(data):
    "The average 3 and 7 from the training set; a digit is called a 3 when it is nearer the average 3"
    from mnist37.similarity import is_3
    train_x, train_y, valid_x, valid_y = data
    imgs, vimgs = train_x.view(-1, 28, 28), valid_x.view(-1, 28, 28)
    t0 = time.perf_counter()
    mean3, mean7 = imgs[train_y[:, 0] == 1].mean(0), imgs[train_y[:, 0] == 0].mean(0)
    secs = time.perf_counter() - t0
    v3, v7 = vimgs[valid_y[:, 0] == 1], vimgs[valid_y[:, 0] == 0]
    acc3, acc7 = is_3(v3, mean3, mean7).float().mean().item(), (~is_3(v7, mean3, mean7)).float().mean().item()
    overall = (acc3 * len(v3) + acc7 * len(v7)) / (len(v3) + len(v7))
    return Result('pixel similarity (3s / 7s)', 0, overall, '0.9168 / 0.9854', secs,
                  detail=f'{acc3:.4f} / {acc7:.4f}')


def _loaders(data):
    "The lesson's loaders (batches of 256, not shuffled), as chapter 5's `mnist_dls` builds them"
    from mnist37.learner import mnist_dls
    dls = mnist_dls(*data)
    return dls.train, dls.valid


def _hand_rolled(data, optimiser):
    "`init_params` and `linear1`, updated by `sgd_step` or by `BasicOptim`, for 20 epochs at lr 1 (chapters 3 and 4)"
    from mnist37.linear import init_params, linear1, sgd_step, fit
    from mnist37.optimizer import BasicOptim
    dl, valid_dl = _loaders(data)
    torch.manual_seed(42)
    weights, bias = init_params((28*28, 1)), init_params(1)
    start = weights.detach().clone()
    opt = partial(sgd_step, [weights, bias], 1.) if optimiser == 'sgd_step' else BasicOptim([weights, bias], 1.)
    t0 = time.perf_counter()
    accs = fit(partial(linear1, weights=weights, bias=bias), dl, valid_dl, opt, 20, show=False)
    secs = time.perf_counter() - t0
    learnt = weights.detach() - start  # the random start (std 1) would hide what training added
    if optimiser == 'sgd_step': return Result('hand-rolled linear (sgd_step)', 20, accs[-1], '0.9677', secs, accs), learnt
    return Result('BasicOptim, linear1', 20, accs[-1], '(none printed)', secs, accs), learnt


def _nn_linear(data, optimiser):
    "`nn.Linear(784, 1)` trained by our `fit` with `BasicOptim` or fastai's `SGD`, 20 epochs at lr 1 (chapter 4)"
    from fastai.optimizer import SGD
    from mnist37.linear import fit
    from mnist37.optimizer import BasicOptim
    dl, valid_dl = _loaders(data)
    torch.manual_seed(42)
    model = nn.Linear(28*28, 1)
    opt = (BasicOptim if optimiser == 'BasicOptim' else SGD)(model.parameters(), 1.)
    t0 = time.perf_counter()
    accs = fit(model, dl, valid_dl, opt, 20, show=False)
    name = 'nn.Linear, BasicOptim' if optimiser == 'BasicOptim' else 'nn.Linear, fastai SGD'
    return Result(name, 20, accs[-1], '0.9785', time.perf_counter() - t0, accs)


def _learner(kind, epochs, name, lesson):
    "A model trained by `train_model` (fastai `Learner`), with its chapter's recipe"
    from mnist37.inference import train_model
    t0 = time.perf_counter()
    learn = train_model(kind, epochs=epochs, progress=False)
    secs = time.perf_counter() - t0
    curve = [round(float(v[-1]), 4) for v in learn.recorder.values]
    return Result(name, len(curve), curve[-1], lesson, secs, curve), learn


APPROACHES = ['pixel similarity', 'hand-rolled linear', 'BasicOptim', 'nn.Linear', 'fastai SGD', 'Learner linear',
              'simple_net', 'simple_cnn']


def reproduce(progress:bool=True, # show a progress bar, one step per approach
             ):
    "Train every approach; returns the list of `Result`s and the objects the plots need"
    import fastai.basics  # noqa: F401  imported before any timing starts, so no approach is charged for it
    from fastprogress.fastprogress import progress_bar
    data = load_mnist_tensors()
    results, extras = [], {}
    bar = progress_bar(range(len(APPROACHES)), leave=False) if progress else range(len(APPROACHES))
    for i in bar:
        name = APPROACHES[i]
        if progress: bar.comment = name; bar.update(i)  # show the approach now starting, not the one just done
        if name == 'pixel similarity': results.append(_pixel_similarity(data))
        elif name == 'hand-rolled linear':
            r, extras['hand_weights'] = _hand_rolled(data, 'sgd_step'); results.append(r)
        elif name == 'BasicOptim': results.append(_hand_rolled(data, 'BasicOptim')[0])
        elif name == 'nn.Linear': results.append(_nn_linear(data, 'BasicOptim'))
        elif name == 'fastai SGD': results.append(_nn_linear(data, 'SGD'))
        elif name == 'Learner linear':
            r, learn = _learner('linear', 10, 'Learner, nn.Linear', '0.9676')
            results.append(r); extras['linear_weights'] = learn.model.weight.detach().cpu()
        elif name == 'simple_net': results.append(_learner('mlp', 40, 'Learner, simple_net', '0.9828')[0])
        elif name == 'simple_cnn':
            r, learn = _learner('cnn', None, 'Learner, simple_cnn', '0.9971 (resnet18, 1 epoch)')
            results.append(r); extras['cnn_learn'] = learn
    return results, extras


def format_table(results:list, # `Result`s
                ) -> str:
    "The results as a fixed-width text table"
    rows = [('approach', 'epochs', 'accuracy', 'lesson', 'seconds')]
    rows += [(r.approach, str(r.epochs or '-'), r.detail or f'{r.accuracy:.4f}', r.lesson, f'{r.seconds:.1f}')
             for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    fmt = lambda row: '  '.join(c.ljust(w) if i in (0, 2, 3) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
    return '\n'.join([fmt(rows[0]), '  '.join('-' * w for w in widths)] + [fmt(r) for r in rows[1:]])


def save_plots(results, extras, out:Path) -> list:
    "Accuracy curves, the linear weights as images and the CNN's confusion matrix, as PNGs in `out`"
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from mnist37.cnn import confusion_matrix, plot_confusion, CNN_VOCAB
    paths = []
    fig, axs = plt.subplots(1, 2, figsize=(12, 4.2))
    for ax, ylim in zip(axs, [(0.45, 1.0), (0.95, 1.0)]):
        seen = []
        for r in results:
            if not r.curve:
                ax.axhline(r.accuracy, color='0.5', ls='--', lw=1, label=f'{r.approach.split(" (")[0]} (no training)')
                continue
            twin = r.curve in seen  # identical runs (BasicOptim repeats sgd_step, SGD repeats BasicOptim) overlap
            ax.plot(range(1, len(r.curve) + 1), r.curve, 'x:' if twin else 'o-', ms=4 if twin else 2.5, lw=1.2,
                    label=r.approach + (' (same numbers)' if twin else ''))
            seen.append(r.curve)
        ax.set(xlabel='epoch', ylabel='validation accuracy', ylim=ylim)
        ax.grid(alpha=0.3)
    axs[0].set_title('Every approach, one point per epoch')
    axs[1].set_title('The top, enlarged')
    axs[1].legend(fontsize=8, loc='lower right')
    fig.tight_layout(); paths.append(out/'accuracy_curves.png'); fig.savefig(paths[-1], dpi=110); plt.close(fig)

    fig, axs = plt.subplots(1, 2, figsize=(7, 3.6))
    for ax, (key, title) in zip(axs, [('hand_weights', 'init_params + linear1, 20 epochs:\nchange from the random start'),
                                      ('linear_weights', 'Learner nn.Linear, 10 epochs')]):
        w = extras[key].detach().reshape(28, 28)
        lim = w.abs().max()
        im = ax.imshow(w, cmap='RdBu', vmin=-lim, vmax=lim)
        ax.set_title(title, fontsize=10); ax.axis('off')
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle('Linear weights: blue pixels vote for a 3, red for a 7')
    fig.tight_layout(); paths.append(out/'linear_weights.png'); fig.savefig(paths[-1], dpi=110); plt.close(fig)

    learn = extras['cnn_learn']
    with learn.no_bar(): scores, targs = learn.get_preds()
    preds = scores.argmax(1)
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.6), gridspec_kw=dict(width_ratios=[1, 1.4]))
    plot_confusion(confusion_matrix(preds, targs), CNN_VOCAB, ax=axs[0], title='simple_cnn, validation set')
    wrong = (preds != targs).nonzero().flatten()[:6].tolist()
    probs = scores.softmax(1)
    xs = load_mnist_tensors()[2].view(-1, 28, 28)
    strip = torch.cat([xs[i] for i in wrong], 1) if wrong else torch.zeros(28, 28)
    axs[1].imshow(strip, cmap='Greys'); axs[1].axis('off')
    axs[1].set_title('Its mistakes: ' + (', '.join(f'{CNN_VOCAB[targs[i]]} read as {CNN_VOCAB[preds[i]]} '
                                                  f'(p={probs[i, preds[i]]:.2f})' for i in wrong) or 'none'), fontsize=9)
    fig.tight_layout(); paths.append(out/'confusion_matrix.png'); fig.savefig(paths[-1], dpi=110); plt.close(fig)
    return paths


def write_results(results, out:Path, total_seconds:float) -> Path:
    "results.json: every `Result`, plus the machine and versions that produced them"
    import fastai
    info = dict(python=platform.python_version(), torch=torch.__version__, fastai=fastai.__version__,
                machine=platform.machine(), cpu_threads=torch.get_num_threads(),
                cuda=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
                total_seconds=round(total_seconds, 1))
    path = out/'results.json'
    path.write_text(json.dumps(dict(environment=info, results=[asdict(r) for r in results]), indent=1) + '\n')
    return path
