"""The checkers of the "Check yourself" exercises (mnist37.exercises), each against three kinds of attempt: the reference
solution (from nbs/96_solutions.ipynb, the page readers look up) must pass; the untouched stub must get "not done
yet"; and each typical mistake, written here the way a reader would write it, must get its own hint. No attempt may
make a checker raise: the reader always gets one sentence.
"""
import ast, inspect, json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mnist37 import exercises as ex
from mnist37.linear import mnist_loss, batch_accuracy
from mnist37.similarity import mnist_distance

ROOT = Path(__file__).resolve().parents[1]


def solutions() -> dict:
    "The functions and classes the solutions notebook defines (its imports and definitions, none of its checks)"
    ns = {}
    for cell in json.loads((ROOT/'nbs'/'96_solutions.ipynb').read_text())['cells']:
        if cell['cell_type'] != 'code': continue
        tree = ast.parse(''.join(cell['source']))
        tree.body = [s for s in tree.body if isinstance(s, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
        exec(compile(tree, '96_solutions.ipynb', 'exec'), ns)
    return ns

SOL = solutions()

def stub(*args): raise NotImplementedError

class StubClass:
    def __init__(self, *args): raise NotImplementedError

# --- the typical mistakes, one small wrong attempt each --------------------------------------------------------------

def rmse_every_axis(a, b): return ((a - b)**2).mean().sqrt()
def rmse_no_root(a, b): return ((a - b)**2).mean((-1, -2))
def rmse_abs(a, b): return (a - b).abs().mean((-1, -2))

def closest_argmax(x, means): return mnist_distance(x[:, None], means).argmax(1)
def closest_wrong_axis(x, means): return mnist_distance(x[:, None], means).argmin(0)
def closest_no_new_axis(x, means): return mnist_distance(x, means).argmin()

def step_kept_grad(params, lr):
    for p in params: p.data -= lr * p.grad
def step_rebound(params, lr):
    for p in params:
        p = p - lr * p.grad
        p.grad = None
def step_uphill(params, lr):
    for p in params:
        p.data += lr * p.grad
        p.grad = None
def step_no_grad(params, lr):
    for p in params:
        p -= lr * p.grad
        p.grad = None
def step_first_only(params, lr):
    for p in params:
        p.data -= lr * p.grad
        p.grad = None
        return

def _err(t, y, params): a, b, c = params; return a*t**2 + b*t + c - y
def grads_no_two(t, y, params): e = _err(t, y, params); return torch.stack([(e*t**2).mean(), (e*t).mean(), e.mean()])
def grads_sum(t, y, params): e = _err(t, y, params); return torch.stack([(2*e*t**2).sum(), (2*e*t).sum(), (2*e).sum()])
def grads_sign(t, y, params): e = -_err(t, y, params); return torch.stack([(2*e*t**2).mean(), (2*e*t).mean(), (2*e).mean()])
def grads_swapped(t, y, params): e = _err(t, y, params); return torch.stack([(2*e*t).mean(), (2*e*t**2).mean(), (2*e).mean()])
def grads_autograd(t, y, params):
    loss = ((params[0]*t**2 + params[1]*t + params[2] - y)**2).mean()
    loss.backward()
    return params.grad

def loss_no_sigmoid(p, t): return torch.where(t == 1, 1 - p, p).mean()
def loss_swapped(p, t): p = p.sigmoid(); return torch.where(t == 1, p, 1 - p).mean()
def loss_sum(p, t): p = p.sigmoid(); return torch.where(t == 1, 1 - p, p).sum()
def loss_no_mean(p, t): p = p.sigmoid(); return torch.where(t == 1, 1 - p, p)

def acc_raw_score(xb, yb): return ((xb > 0.5) == yb).float().mean()
def acc_flipped(xb, yb): return ((xb.sigmoid() < 0.5) == yb).float().mean()
def acc_count(xb, yb): return ((xb.sigmoid() > 0.5) == yb).sum()

def epoch_no_zero(model, dl, params, lr):
    for xb, yb in dl:
        mnist_loss(model(xb), yb).backward()
        for p in params: p.data -= lr * p.grad
def epoch_uphill(model, dl, params, lr):
    for xb, yb in dl:
        mnist_loss(model(xb), yb).backward()
        for p in params: p.data += lr * p.grad; p.grad = None
def epoch_once(model, dl, params, lr):
    for xb, yb in dl: mnist_loss(model(xb), yb).backward()
    for p in params: p.data -= lr * p.grad; p.grad = None
def epoch_no_grad(model, dl, params, lr):
    for xb, yb in dl:
        mnist_loss(model(xb), yb).backward()
        for p in params: p -= lr * p.grad; p.grad = None

class OptKeepsGenerator:
    def __init__(self, params, lr): self.params, self.lr = params, lr
    def step(self):
        for p in self.params: p.data -= self.lr * p.grad
    def zero_grad(self):
        for p in self.params: p.grad = None
class OptNoZero(OptKeepsGenerator):
    def __init__(self, params, lr): self.params, self.lr = list(params), lr
    def zero_grad(self): pass
class OptUphill(OptNoZero):
    def step(self):
        for p in self.params: p.data += self.lr * p.grad
class OptNoGrad(OptNoZero):
    def step(self):
        for p in self.params: p -= self.lr * p.grad
class OptNothing(OptNoZero):
    def step(self):
        for p in self.params: p = p - self.lr * p.grad

def linear_no_transpose(x, layer): return x @ layer.weight + layer.bias
def linear_no_bias(x, layer): return x @ layer.weight.T
def linear_weight_first(x, layer): return layer.weight @ x.T + layer.bias[:, None]

def layers_no_relu(xb, params):
    for w, b in params: xb = xb @ w + b
    return xb
def layers_relu_out(xb, params):
    for w, b in params: xb = F.relu(xb @ w + b)
    return xb
def layers_first_relu_only(xb, params):
    (w1, b1), *rest = params
    xb = F.relu(xb @ w1 + b1)
    for w, b in rest: xb = xb @ w + b
    return xb

def img_acc_batch_means(model, dl): return torch.stack([batch_accuracy(model(xb), yb) for xb, yb in dl]).mean()
def img_acc_count(model, dl): return sum(((model(xb) > 0) == yb).sum() for xb, yb in dl)
def img_acc_per_batch(model, dl): return sum(((model(xb) > 0) == yb).sum() for xb, yb in dl) / len(dl)
def img_acc_raw(model, dl):
    return sum(((model(xb) > 0.5) == yb).sum() for xb, yb in dl) / sum(len(xb) for xb, yb in dl)

def _learner(train=True, zero=True, step=True, valid=True, returns=True):
    "A Learner with one slip (or none)"
    class L:
        def __init__(self, dls, model, loss_func, opt_func, metric):
            self.dls, self.model, self.loss_func, self.opt_func, self.metric = dls, model, loss_func, opt_func, metric
        def fit(self, epochs, lr):
            opt, accs = self.opt_func(self.model.parameters(), lr), []
            for _ in range(epochs):
                for xb, yb in self.dls.train:
                    self.loss_func(self.model(xb), yb).backward()
                    if step: opt.step()
                    if zero: opt.zero_grad()
                with torch.no_grad():
                    accs.append(torch.stack([self.metric(self.model(xb), yb) for xb, yb in (self.dls.valid if valid else self.dls.train)]).mean())
            return accs if returns else None
    return L

def conv_no_plus_one(n, k, s, p): return (n + 2*p - k)//s
def conv_padding_once(n, k, s, p): return (n + p - k)//s + 1
def conv_true_division(n, k, s, p): return (n + 2*p - k)/s + 1

def softmax_dim0(s): return s.exp() / s.exp().sum(0)
def softmax_whole(s): return s.exp() / s.exp().sum()
def softmax_no_exp(s): return s / s.sum(1, keepdim=True)
def softmax_overflow(s): return s.exp() / s.exp().sum(1, keepdim=True)

def cm_swapped(preds, targs, n): return torch.bincount(preds*n + targs, minlength=n*n).view(n, n)
def cm_too_small(preds, targs, n):
    k = int(max(preds.max(), targs.max())) + 1
    return torch.bincount(targs*k + preds).view(k, k)

# --- checker, the solution's name, and the mistakes it must recognise -----------------------------------------------

EXERCISES = {
    'check_rmse_distance': ('my_rmse_distance', stub, {'every axis': rmse_every_axis, 'no square root': rmse_no_root,
                                                       'absolute value': rmse_abs}),
    'check_closest_mean': ('my_closest_mean', stub, {'argmax': closest_argmax, 'wrong axis': closest_wrong_axis,
                                                     'no new axis': closest_no_new_axis}),
    'check_sgd_step': ('my_sgd_step', stub, {'gradient kept': step_kept_grad, 'nothing changed': step_rebound,
                                             'uphill': step_uphill, 'outside no_grad': step_no_grad, 'first only': step_first_only}),
    'check_quadratic_grads': ('my_quadratic_grads', stub, {'no factor 2': grads_no_two, 'sum': grads_sum, 'wrong sign': grads_sign,
                                                           'swapped inputs': grads_swapped, 'autograd': grads_autograd}),
    'check_mnist_loss': ('my_mnist_loss', stub, {'no sigmoid': loss_no_sigmoid, 'swapped branches': loss_swapped,
                                                 'sum': loss_sum, 'no mean': loss_no_mean}),
    'check_batch_accuracy': ('my_batch_accuracy', stub, {'raw score': acc_raw_score, 'flipped': acc_flipped, 'count': acc_count}),
    'check_train_epoch': ('my_train_epoch', stub, {'gradients piled up': epoch_no_zero, 'uphill': epoch_uphill,
                                                   'one step per epoch': epoch_once, 'outside no_grad': epoch_no_grad}),
    'check_optimizer': ('MyOptim', StubClass, {'kept the generator': OptKeepsGenerator, 'zero_grad does nothing': OptNoZero,
                                               'uphill': OptUphill, 'outside no_grad': OptNoGrad, 'nothing changed': OptNothing}),
    'check_linear_by_hand': ('my_linear', stub, {'no transpose': linear_no_transpose, 'no bias': linear_no_bias,
                                                 'weight first': linear_weight_first}),
    'check_layers': ('my_layers', stub, {'no ReLU': layers_no_relu, 'ReLU on the output': layers_relu_out,
                                         'first ReLU only': layers_first_relu_only}),
    'check_image_accuracy': ('my_image_accuracy', stub, {'batch averages': img_acc_batch_means, 'count': img_acc_count,
                                                         'per batch': img_acc_per_batch, 'raw score': img_acc_raw}),
    'check_learner': ('MyLearner', StubClass, {'gradients piled up': _learner(zero=False), 'never stepped': _learner(step=False),
                                               'no validation': _learner(valid=False), 'returned': _learner(returns=False)}),
    'check_conv_out_size': ('my_conv_out_size', stub, {'no +1': conv_no_plus_one, 'padding once': conv_padding_once,
                                                       'true division': conv_true_division}),
    'check_softmax': ('my_softmax', stub, {'wrong axis': softmax_dim0, 'whole tensor': softmax_whole, 'no exp': softmax_no_exp,
                                           'overflow': softmax_overflow}),
    'check_confusion_matrix': ('my_confusion_matrix', stub, {'swapped': cm_swapped, 'too small': cm_too_small}),
}


def test_every_checker_is_tested():
    checkers = {n for n in ex.__all__ if n.startswith('check_')}
    assert checkers == set(EXERCISES)
    assert all(len(m) >= 2 for _, _, m in EXERCISES.values()), 'each exercise needs at least two named mistakes'


@pytest.mark.parametrize('name', EXERCISES)
def test_solution_passes(name):
    fb = getattr(ex, name)(SOL[EXERCISES[name][0]])
    assert fb.ok and fb.startswith('Right: '), fb


@pytest.mark.parametrize('name', EXERCISES)
def test_stub_is_not_done_yet(name):
    fb = getattr(ex, name)(EXERCISES[name][1])
    assert (fb.ok, fb.mistake, str(fb)) == (False, 'not done', ex.NOT_DONE)


@pytest.mark.parametrize('name', EXERCISES)
def test_each_mistake_gets_its_own_hint(name):
    "Each typical mistake gets the hint named for it, in one line ending in a full stop, and no two hints are the same"
    hints = {}
    for mistake, attempt in EXERCISES[name][2].items():
        fb = getattr(ex, name)(attempt)
        assert (fb.ok, fb.mistake) == (False, mistake), f'{mistake}: {fb}'
        assert '\n' not in fb and fb.endswith('.'), fb
        hints[mistake] = str(fb)
    assert len(set(hints.values())) == len(hints), hints


def test_any_attempt_gets_a_sentence_never_a_traceback():
    "Attempts that return nonsense, raise, or take the wrong arguments all get one sentence back"
    for name in EXERCISES:
        check = getattr(ex, name)
        for attempt in [lambda *a: 'nonsense', lambda *a: None, lambda *a: 1/0, lambda: 0, lambda *a: torch.zeros(3, 3)]:
            fb = check(attempt)
            assert isinstance(fb, ex.Feedback) and not fb.ok and '\n' not in fb, (name, fb)
    fb = ex.check_mnist_loss(lambda p, t: 1/0)
    assert fb.mistake == 'error' and 'ZeroDivisionError' in fb


def test_generic_answer_says_what_was_expected():
    fb = ex.check_mnist_loss(lambda p, t: torch.tensor(0.25))
    assert fb.mistake == 'wrong' and fb == "Not yet: on the checker's example your code gave 0.25, and the answer is 0.4908."  # (0.119 + 0.269 + 0.622 + 0.953)/4


def test_conv_sizes_are_pytorchs():
    "The checker's truth is PyTorch's own convolution, and the solution's formula agrees on every setting tried"
    for n, k, s, p in ex._CONV_CASES:
        assert nn.Conv2d(1, 1, k, stride=s, padding=p)(torch.zeros(1, 1, n, n)).shape[-1] == SOL['my_conv_out_size'](n, k, s, p)


def test_learner_check_compares_with_fastai():
    "A Learner whose training is not the lesson's (here, a learning rate ten times smaller) is told how far it is off"
    class Slow(SOL['MyLearner']):
        def fit(self, epochs, lr): return super().fit(epochs, lr/10)
    fb = ex.check_learner(Slow)
    assert fb.mistake == 'wrong' and "fastai's reached" in fb, fb


def test_sliders_fall_back_to_the_picture_outside_jupyter():
    assert not ex.can_show_sliders()
    assert ex.interact_or_show(lambda lr: 'slider', lambda: 'picture', lr=(0.1, 1.)) == 'picture'


def test_checkers_have_docs():
    for name in EXERCISES:
        f = getattr(ex, name)
        assert inspect.getdoc(f) and list(inspect.signature(f).parameters)[0] in ('f', 'opt_cls', 'learner_cls')
