"""The `mnist37` command: `data`, `reproduce`, `train` and `predict` (see `mnist37 --help`)."""

# Only argparse and sys are imported at the top; each command imports what it needs when it runs, so that
# `mnist37 predict` loads PyTorch, PIL and NumPy but never fastai (which takes about five seconds to import).

import argparse, os, sys, textwrap, time, warnings
from pathlib import Path

__all__ = ['main']

KINDS = ('linear', 'mlp', 'cnn')


def _err(msg):
    print(f'mnist37: error: {msg}', file=sys.stderr)


def _data(args):
    from mnist37.data import mnist_sample, DataError
    try: path = mnist_sample(args.data_dir, verify=True)
    except DataError as e: _err(e); return 1
    except OSError as e: _err(f'cannot write MNIST_SAMPLE into {args.data_dir}: {e.strerror or e}'); return 1
    print(f'MNIST_SAMPLE is complete and verified (14,434 images, every pixel checked) in {path}')
    return 0


def _predict(args):
    from mnist37.inference import ImageError, WeightsError, load_weights, packaged_model, predict_batch
    try: model = load_weights(args.weights, None if args.model == 'auto' else args.model) if args.weights \
            else packaged_model('cnn' if args.model == 'auto' else args.model)
    except WeightsError as e: _err(e); return 1
    failed = 0
    for f, res in zip(args.files, predict_batch(args.files, model)):
        if isinstance(res, ImageError):
            failed += 1
            print(f'{f}: error: {res.problem}', file=sys.stderr)
        else: print(f'{f}: {res.label} ({res.prob:.3f})')
        sys.stdout.flush()
    return 2 if failed else 0


def _train(args):
    from mnist37.inference import TRAINING, load_weights, save_weights, train_model, WeightsError
    out = Path(args.out or f'{args.model}.pt')
    epochs, lr = args.epochs or TRAINING[args.model]['epochs'], args.lr or TRAINING[args.model]['lr']
    print(f'training {args.model} for {epochs} epochs at lr {lr}, seed {args.seed}')
    t0 = time.perf_counter()
    learn = train_model(args.model, epochs, lr, seed=args.seed, progress=not args.quiet)
    secs = time.perf_counter() - t0
    try: save_weights(learn.model, out)
    except OSError as e: _err(f'cannot write {out}: {e.strerror or e}'); return 1
    try: load_weights(out, args.model)  # prove the file loads back, the way predict will load it
    except WeightsError as e: _err(e); return 1
    acc = learn.recorder.values[-1][-1]
    print(f'{out}: {args.model} weights, {out.stat().st_size / 1024:.0f} KB; validation accuracy {acc:.4f} '
          f'after {secs:.1f}s of training')
    return 0


def _reproduce(args):
    from mnist37.reproduce import reproduce, format_table, save_plots, write_results
    out = Path(args.out)
    try: out.mkdir(parents=True, exist_ok=True)
    except OSError as e: _err(f'cannot create {out}: {e.strerror or e}'); return 1
    t0 = time.perf_counter()
    results, extras = reproduce(progress=not args.quiet)
    plots = save_plots(results, extras, out)
    total = time.perf_counter() - t0
    js = write_results(results, out, total)
    print(format_table(results))
    print(f'\n{len(results)} approaches in {total:.0f}s; wrote {js} and {", ".join(p.name for p in plots)}')
    return 0


_EXAMPLES = {
    'data': 'example:\n  mnist37 data                      # writes ~/.fastai/data/mnist_sample if needed, then checks it',
    'reproduce': 'example:\n  mnist37 reproduce --out results   # about half a minute on a laptop CPU',
    'train': 'examples:\n  mnist37 train --model cnn --out cnn.pt\n'
             '  mnist37 train --model mlp --epochs 10 --lr 0.1 --out mlp.pt',
    'predict': 'examples:\n  mnist37 predict photo.jpg scans/*.png\n  mnist37 predict --model linear digit.png\n'
               '  mnist37 predict --weights cnn.pt digit.png\n\n'
               'Prints one line per file, e.g. "photo.jpg: 7 (0.998)": the digit and the model\'s probability for it.\n'
               'Files that cannot be read get a one-line error on stderr; the exit status is then 2 (else 0).',
}


class _Formatter(argparse.HelpFormatter):
    "Wraps prose paragraphs to the terminal's width but keeps example blocks (indented lines) as written"
    def _fill_text(self, text, width, indent):
        paras = text.split('\n\n')
        return '\n\n'.join(p if '\n  ' in p else textwrap.fill(' '.join(p.split()), width, initial_indent=indent,
                                                                subsequent_indent=indent) for p in paras)


def _parser():
    fmt = _Formatter
    p = argparse.ArgumentParser(prog='mnist37', formatter_class=fmt,
                                description='Tell handwritten 3s from 7s: the data, the lesson, and trained models.',
                                epilog='examples:\n  mnist37 reproduce --out results\n  mnist37 predict photo.jpg\n\n'
                                       'Run "mnist37 COMMAND --help" for each command\'s options.')
    sub = p.add_subparsers(dest='command', metavar='COMMAND', required=True)

    s = sub.add_parser('data', help='write MNIST_SAMPLE to disk (from the package, no download) and verify it',
                       description='Write MNIST_SAMPLE in fastai\'s layout from the arrays inside the package (no '
                                   'download), or check an existing copy pixel by pixel, and print where it is.',
                       epilog=_EXAMPLES['data'], formatter_class=fmt)
    s.add_argument('--data-dir', metavar='DIR', help="parent folder for mnist_sample/ (default: fastai's data folder)")
    s.set_defaults(func=_data)

    s = sub.add_parser('reproduce', help="train every approach of the lesson and compare with the lesson's figures",
                       description="Train every approach of the lesson (pixel similarity, the hand-rolled linear model, "
                                   "BasicOptim, nn.Linear, fastai SGD, Learner, simple_net, simple_cnn), print one table "
                                   "with the lesson's published figures, and write results.json and plots to --out.",
                       epilog=_EXAMPLES['reproduce'], formatter_class=fmt)
    s.add_argument('--out', default='results', metavar='DIR', help='folder for results.json and the plots (default: results)')
    s.add_argument('-q', '--quiet', action='store_true', help='no progress bar')
    s.set_defaults(func=_reproduce)

    s = sub.add_parser('train', help='train one model and save its weights',
                       description='Train one model with its chapter\'s recipe (seed 42 unless told) and save its weights '
                                   '(a state dict, nothing else) for "mnist37 predict --weights".',
                       epilog=_EXAMPLES['train'], formatter_class=fmt)
    s.add_argument('--model', choices=KINDS, default='cnn', help='linear: nn.Linear; mlp: simple_net; cnn: simple_cnn '
                                                                 '(default: cnn)')
    s.add_argument('--epochs', type=int, metavar='N', help='default: the chapter\'s (linear 20, mlp 40, cnn 8)')
    s.add_argument('--lr', type=float, metavar='X', help='learning rate; default: the chapter\'s (1, 0.1, 0.01)')
    s.add_argument('--seed', type=int, default=42, help='random seed (default: 42)')
    s.add_argument('--out', metavar='FILE', help='where to write the weights (default: MODEL.pt)')
    s.add_argument('-q', '--quiet', action='store_true', help='no progress bar or table of epochs')
    s.set_defaults(func=_train)

    s = sub.add_parser('predict', help='say whether each picture shows a 3 or a 7',
                       description='Say whether each picture shows a 3 or a 7. Any size, colour or format PIL reads; '
                                   'dark ink on light paper or the reverse. Uses the trained CNN that ships with mnist37 '
                                   'unless told otherwise.',
                       epilog=_EXAMPLES['predict'], formatter_class=fmt)
    s.add_argument('files', nargs='+', metavar='FILE', help='image files')
    s.add_argument('--model', choices=('auto',) + KINDS, default='auto',
                   help='which packaged model to use (default: cnn), or with --weights, which kind they are')
    s.add_argument('--weights', metavar='FILE', help='weights written by "mnist37 train" instead of the packaged ones')
    s.set_defaults(func=_predict)
    return p


def main(argv=None) -> int:
    "Entry point of the `mnist37` command; returns the exit status"
    args = _parser().parse_args(argv)
    warnings.filterwarnings('ignore', message='.*torch.jit.script.*', category=FutureWarning)  # raised by fastai's import
    try: rc = args.func(args)
    except KeyboardInterrupt:
        _err('interrupted'); return 130
    if argv is None and args.command == 'predict':
        # Run as the command: skip the interpreter's teardown of PyTorch, half a second of a two-second start.
        # predict has written nothing but its output, which is flushed first.
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(rc)
    return rc


if __name__ == '__main__': sys.exit(main())
