"""Mutation test of the exercise checkers (mnist37.exercises): for every checker, wrong attempts of different kinds,
written the way a beginner who half-remembers the chapter would, must each be rejected with the mistake they make (or,
where no named mistake fits, with the message that says where the numbers differ); and right attempts in different
styles must all be accepted. The eight cases that issue 18 found misjudged get their messages checked word for word.
"""
import math
from functools import partial

import pytest
import torch
import torch.nn.functional as F

from mnist37 import exercises as ex
from mnist37.linear import mnist_loss, train_epoch, validate_epoch
from mnist37.sgd import sgd_step
from mnist37.similarity import mnist_distance
from test_digits import CASES as CHAPTER_10

# --- chapter 01 -----------------------------------------------------------------------------------------------------

def rmse(a, b): return ((a - b)**2).mean((-1, -2)).sqrt()
def rmse_pow(a, b): return torch.sqrt((a - b).pow(2).mean(dim=(-2, -1)))
def rmse_mse_loss(a, b): return F.mse_loss(a, b.expand_as(a), reduction='none').mean((1, 2)).sqrt()
def rmse_every_axis(a, b): return ((a - b)**2).mean().sqrt()
def rmse_no_root(a, b): return ((a - b)**2).mean((-1, -2))
def rmse_abs(a, b): return (a - b).abs().mean((-1, -2))
def rmse_sum(a, b): return ((a - b)**2).sum((-1, -2)).sqrt()
def rmse_one_axis(a, b): return ((a - b)**2).mean(-1).sqrt()

def closest(x, means): return mnist_distance(x[:, None], means).argmin(1)
def closest_loop(x, means): return torch.stack([mnist_distance(img, means).argmin() for img in x])
def closest_sum(x, means): return (x.unsqueeze(1) - means).abs().sum((-1, -2)).argmin(dim=1)
def closest_argmax(x, means): return mnist_distance(x[:, None], means).argmax(1)
def closest_axis0(x, means): return mnist_distance(x[:, None], means).argmin(0)
def closest_no_axis(x, means): return mnist_distance(x, means).argmin()
def closest_distances(x, means): return mnist_distance(x[:, None], means)
def closest_two_means(x, means):
    d = mnist_distance(x[:, None], means)
    return (d[:, 1] < d[:, 0]).long()

# --- chapter 02 -----------------------------------------------------------------------------------------------------

def step(params, lr):
    for p in params: p.data -= lr * p.grad; p.grad = None
def step_no_grad(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad.zero_()
def step_assign(params, lr):
    for p in params: p.data = p.data - lr*p.grad; p.grad = None
def step_kept(params, lr):
    for p in params: p.data -= lr * p.grad
def step_rebound(params, lr):
    for p in params: p = p - lr * p.grad; p.grad = None
def step_uphill(params, lr):
    for p in params: p.data += lr * p.grad; p.grad = None
def step_in_place(params, lr):
    for p in params:
        p -= lr * p.grad
        p.grad = None
def step_first_only(params, lr):
    for p in params: p.data -= lr * p.grad; p.grad = None; return
def step_point_one(params, lr):
    for p in params: p.data -= 0.1 * p.grad; p.grad = None  # the chapter's rate, written in
def step_zero_first(params, lr):
    for p in params: p.grad.zero_(); p.data -= lr * p.grad
def step_none_first(params, lr):
    for p in params:
        p.grad = None
        p.data -= lr * p.grad
def step_no_lr(params, lr):
    for p in params: p.data -= p.grad; p.grad = None

def _err(t, y, params): a, b, c = params; return a*t**2 + b*t + c - y
def grads(t, y, params):
    e = _err(t, y, params)
    return torch.stack([(2*e*x).mean() for x in (t**2, t, torch.ones_like(t))])
def grads_written_out(t, y, params):
    e, n = _err(t, y, params), len(t)
    return torch.tensor([2*(e*t*t).sum()/n, 2*(e*t).sum()/n, 2*e.sum()/n])
def grads_autograd_copy(t, y, params):
    p = params.clone().requires_grad_()
    return torch.autograd.grad(((p[0]*t**2 + p[1]*t + p[2] - y)**2).mean(), p)[0]
def grads_no_two(t, y, params): e = _err(t, y, params); return torch.stack([(e*t**2).mean(), (e*t).mean(), e.mean()])
def grads_sum(t, y, params): e = _err(t, y, params); return torch.stack([(2*e*t**2).sum(), (2*e*t).sum(), (2*e).sum()])
def grads_sign(t, y, params):
    e = -_err(t, y, params)
    return torch.stack([(2*e*t**2).mean(), (2*e*t).mean(), (2*e).mean()])
def grads_swapped(t, y, params):
    e = _err(t, y, params)
    return torch.stack([(2*e*t).mean(), (2*e*t**2).mean(), (2*e).mean()])
def grads_autograd(t, y, params):
    ((params[0]*t**2 + params[1]*t + params[2] - y)**2).mean().backward()
    return params.grad
def grads_all_t(t, y, params): e = _err(t, y, params); return torch.stack([(2*e*t).mean()]*3)

# --- chapter 03 -----------------------------------------------------------------------------------------------------

def loss(p, t): p = p.sigmoid(); return torch.where(t == 1, 1 - p, p).mean()
def loss_abs(p, t): return (t - p.sigmoid()).abs().mean()
def loss_l1(p, t): return F.l1_loss(torch.sigmoid(p), t.float())
def loss_no_sigmoid(p, t): return torch.where(t == 1, 1 - p, p).mean()
def loss_swapped(p, t): p = p.sigmoid(); return torch.where(t == 1, p, 1 - p).mean()
def loss_sum(p, t): p = p.sigmoid(); return torch.where(t == 1, 1 - p, p).sum()
def loss_no_mean(p, t): p = p.sigmoid(); return torch.where(t == 1, 1 - p, p)
def loss_item(p, t): p = p.sigmoid(); return torch.where(t == 1, 1 - p, p).mean().item()
def loss_new_tensor(p, t): p = p.sigmoid(); return torch.tensor(torch.where(t == 1, 1 - p, p).mean().item())
def loss_detached(p, t): p = p.detach().sigmoid(); return torch.where(t == 1, 1 - p, p).mean()
def loss_squeezed(p, t): p = p.sigmoid(); return torch.where(t.squeeze() == 1, 1 - p, p).mean()

def acc(xb, yb): return ((xb > 0) == (yb == 1)).float().mean()
def acc_round(xb, yb): return (xb.sigmoid().round() == yb).float().mean().item()
def acc_sigmoid(xb, yb): return ((torch.sigmoid(xb) > 0.5) == yb).float().mean()
def acc_raw_half(xb, yb): return ((xb > 0.5) == yb).float().mean()
def acc_flipped(xb, yb): return ((xb.sigmoid() < 0.5) == yb).float().mean()
def acc_count(xb, yb): return ((xb.sigmoid() > 0.5) == yb).sum()
def acc_round_raw(xb, yb): return (xb.round() == yb).float().mean()
def acc_no_targets(xb, yb): return (xb > 0).float().mean()
def acc_bool_mean(xb, yb): return ((xb > 0) == yb).mean()
def acc_squeezed(xb, yb): return ((xb > 0) == yb.squeeze()).float().mean()

def _epoch(step, name):
    "A train_epoch as the chapter writes it, updating the parameters with `step` (an attempt above) after each batch"
    def epoch(model, dl, params, lr):
        for xb, yb in dl:
            mnist_loss(model(xb), yb).backward()
            step(params, lr)
    epoch.__name__ = name
    return epoch
epoch, epoch_piled = _epoch(step, 'epoch'), _epoch(step_kept, 'epoch_piled')
epoch_uphill, epoch_no_lr = _epoch(step_uphill, 'epoch_uphill'), _epoch(step_no_lr, 'epoch_no_lr')
epoch_in_place = _epoch(step_in_place, 'epoch_in_place')
epoch_zero_first = _epoch(step_zero_first, 'epoch_zero_first')
epoch_none_first = _epoch(step_none_first, 'epoch_none_first')
def epoch_no_grad_style(model, dl, params, lr):
    for xb, yb in dl:
        loss = mnist_loss(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            for p in params: p -= lr * p.grad
        for p in params: p.grad.zero_()
def epoch_by_index(model, dl, params, lr):
    for i in range(len(dl)):
        xb, yb = dl[i]
        mnist_loss(model(xb), yb).backward()
        sgd_step(params, lr)
def epoch_lesson(model, dl, params, lr): train_epoch(model, dl, partial(sgd_step, params, lr))
def epoch_step_after_loop(model, dl, params, lr):
    for xb, yb in dl:
        mnist_loss(model(xb), yb).backward()
    for p in params: p.data -= lr * p.grad; p.grad = None
def epoch_rebound(model, dl, params, lr):
    for xb, yb in dl:
        mnist_loss(model(xb), yb).backward()
        for p in params: p = p - lr * p.grad
def epoch_no_backward(model, dl, params, lr):
    for xb, yb in dl:
        mnist_loss(model(xb), yb)
        for p in params: p.data -= lr * p.grad
def epoch_returns_early(model, dl, params, lr):
    for xb, yb in dl:
        mnist_loss(model(xb), yb).backward()
        for p in params: p.data -= lr * p.grad; p.grad = None
        return

# --- chapter 04 -----------------------------------------------------------------------------------------------------

class Optim:
    def __init__(self, params, lr): self.params, self.lr = list(params), lr
    def step(self):
        for p in self.params: p.data -= self.lr * p.grad
    def zero_grad(self):
        for p in self.params: p.grad = None
class OptimNoGrad:
    def __init__(self, params, lr): self.params, self.lr = tuple(params), lr
    @torch.no_grad()
    def step(self):
        for p in self.params: p.sub_(self.lr * p.grad)
    def zero_grad(self):
        for p in self.params:
            if p.grad is not None: p.grad.zero_()
class OptKeepsGenerator(Optim):
    def __init__(self, params, lr): self.params, self.lr = params, lr
class OptNoZero(Optim):
    def zero_grad(self): pass
class OptUphill(Optim):
    def step(self):
        for p in self.params: p.data += self.lr * p.grad
class OptInPlace(Optim):
    def step(self):
        for p in self.params: p -= self.lr * p.grad
class OptRebound(Optim):
    def step(self):
        for p in self.params: p = p - self.lr * p.grad
class OptZeroFirst(Optim):
    def step(self):
        for p in self.params: p.grad.zero_(); p.data -= self.lr * p.grad
class OptNoLr(Optim):
    def step(self):
        for p in self.params: p.data -= p.grad
class OptPointOne(Optim):
    def step(self):
        for p in self.params: p.data -= 0.1 * p.grad
class OptHalf(Optim):
    def step(self):
        for p in self.params: p.data -= self.lr * p.grad / 2
class OptSign(Optim):
    def step(self):
        for p in self.params: p.data -= self.lr * p.grad.sign()

def linear(x, layer): return x @ layer.weight.T + layer.bias
def linear_f(x, layer): return F.linear(x, layer.weight, layer.bias)
def linear_by_sums(x, layer): return (x[:, None, :] * layer.weight).sum(-1) + layer.bias
def linear_no_transpose(x, layer): return x @ layer.weight + layer.bias
def linear_no_bias(x, layer): return x @ layer.weight.T
def linear_weight_first(x, layer): return layer.weight @ x.T + layer.bias[:, None]
def linear_called(x, layer): return layer(x)
def linear_bias_subtracted(x, layer): return x @ layer.weight.T - layer.bias

# --- chapter 05 -----------------------------------------------------------------------------------------------------

def layers(xb, params):
    for i, (w, b) in enumerate(params):
        xb = xb @ w + b
        if i < len(params) - 1: xb = xb.max(torch.tensor(0.))
    return xb
def layers_split(xb, params):
    for w, b in params[:-1]: xb = (xb @ w + b).clamp(min=0)
    w, b = params[-1]
    return xb @ w + b
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
def layers_three(xb, params):
    (w1, b1), (w2, b2), (w3, b3) = params
    return F.relu(F.relu(xb @ w1 + b1) @ w2 + b2) @ w3 + b3
def layers_two(xb, params):
    (w1, b1), (w2, b2) = params[:2]
    return F.relu(xb @ w1 + b1) @ w2 + b2

def img_acc(model, dl):
    right, seen = 0, 0
    with torch.no_grad():
        for xb, yb in dl:
            right += ((model(xb) > 0) == (yb == 1)).sum().item()
            seen += len(xb)
    return right / seen
def img_acc_cat(model, dl):
    preds = torch.cat([model(xb) for xb, _ in dl])
    return ((preds.sigmoid() > 0.5) == torch.cat([yb for _, yb in dl])).float().mean()
def img_acc_dataset(model, dl):
    return sum(((model(xb) > 0) == yb).sum() for xb, yb in dl) / len(dl.dataset)
def img_acc_forward(model, dl):
    with torch.no_grad(): hits = [((model.forward(xb) > 0).long() == yb) for xb, yb in dl]
    return torch.cat(hits).float().mean()
def img_acc_batch_means(model, dl): return validate_epoch(model, dl)
def img_acc_count(model, dl): return sum(((model(xb) > 0) == yb).sum() for xb, yb in dl)
def img_acc_per_batch(model, dl): return sum(((model(xb) > 0) == yb).sum() for xb, yb in dl) / len(dl)
def img_acc_raw(model, dl):
    return sum(((model(xb) > 0.5) == yb).sum() for xb, yb in dl) / sum(len(xb) for xb, yb in dl)
def img_acc_no_model(model, dl):
    return sum(((xb > 0) == yb).float().mean() * len(xb) for xb, yb in dl) / sum(len(xb) for xb, yb in dl)
def img_acc_no_model_first_column(model, dl):
    return torch.cat([(xb[:, :1] > 0) == yb for xb, yb in dl]).float().mean()

def _learner(train=True, zero=True, step=True, valid=True, returns=True, step_in_loop=True, zero_first=False,
             lr_scale=1.):
    "A Learner as the chapter writes it, with one slip (or none)"
    class L:
        def __init__(self, dls, model, loss_func, opt_func, metric):
            self.dls, self.model, self.loss_func, self.opt_func, self.metric = dls, model, loss_func, opt_func, metric
        def fit(self, epochs, lr):
            opt, accs = self.opt_func(self.model.parameters(), lr*lr_scale), []
            for _ in range(epochs):
                for xb, yb in (self.dls.train if train else self.dls.valid):
                    self.loss_func(self.model(xb), yb).backward()
                    if zero_first and zero: opt.zero_grad()
                    if step and step_in_loop: opt.step()
                    if zero and step_in_loop and not zero_first: opt.zero_grad()
                if not step_in_loop: opt.step(); opt.zero_grad()
                with torch.no_grad():
                    dl = self.dls.valid if valid else self.dls.train
                    accs.append(torch.stack([self.metric(self.model(xb), yb) for xb, yb in dl]).mean())
            return accs if returns else None
    return L

class LearnerOwnOptimizer(_learner()):
    "Steps with an optimizer of its own, not the one `opt_func` makes"
    def fit(self, epochs, lr):
        self.opt_func = lambda params, lr: torch.optim.SGD(params, lr)
        return super().fit(epochs, lr)

class LearnerZeroFirst:
    "Clears the gradients at the start of each batch, through the model, and keeps its history as floats"
    def __init__(self, dls, model, loss_func, opt_func, metric):
        self.dls, self.model, self.loss, self.opt_func, self.metric = dls, model, loss_func, opt_func, metric
    def one_batch(self, xb, yb):
        self.model.zero_grad()
        self.loss(self.model(xb), yb).backward()
        self.opt.step()
    def fit(self, epochs, lr):
        self.opt = self.opt_func(self.model.parameters(), lr)
        history = []
        for epoch in range(epochs):
            for xb, yb in self.dls.train: self.one_batch(xb, yb)
            with torch.no_grad(): history.append(validate_epoch(self.model, self.dls.valid, self.metric))
        return history

# --- chapter 06 -----------------------------------------------------------------------------------------------------

def conv(n, k, stride, padding): return (n + 2*padding - k)//stride + 1
def conv_int(n, k, stride, padding): return int((n + 2*padding - k) / stride) + 1
def conv_floor(n, k, stride, padding): return math.floor((n - k + 2*padding) / stride) + 1
def conv_no_plus_one(n, k, s, p): return (n + 2*p - k)//s
def conv_padding_once(n, k, s, p): return (n + p - k)//s + 1
def conv_true_division(n, k, s, p): return (n + 2*p - k)/s + 1
def conv_ceil(n, k, s, p): return math.ceil((n + 2*p - k)/s) + 1
def conv_no_stride(n, k, s, p): return n + 2*p - k + 1

def softmax(s): e = (s - s.max(1, keepdim=True).values).exp(); return e / e.sum(1, keepdim=True)
def softmax_torch(s): return torch.softmax(s, dim=1)
def softmax_logsumexp(s): return (s - s.logsumexp(1, keepdim=True)).exp()
def softmax_dim0(s): return s.exp() / s.exp().sum(0)
def softmax_whole(s): return s.exp() / s.exp().sum()
def softmax_no_exp(s): return s / s.sum(1, keepdim=True)
def softmax_overflow(s): return s.exp() / s.exp().sum(1, keepdim=True)
def softmax_sum_drops_axis(s): return s.exp() / s.exp().sum(1)
def softmax_f_dim0(s): return F.softmax(s, dim=0)

def cm(preds, targs, n):
    out = torch.zeros(n, n, dtype=torch.long)
    for t, p in zip(targs.tolist(), preds.tolist()): out[t, p] += 1
    return out
def cm_bincount(preds, targs, n): return torch.bincount(targs*n + preds, minlength=n*n).view(n, n)
def cm_index_put(preds, targs, n):
    return torch.zeros(n, n).index_put_((targs, preds), torch.ones(len(preds)), accumulate=True)
def cm_swapped(preds, targs, n): return torch.bincount(preds*n + targs, minlength=n*n).view(n, n)
def cm_too_small(preds, targs, n):
    k = int(max(preds.max(), targs.max())) + 1
    return torch.bincount(targs*k + preds).view(k, k)
def cm_fancy_index(preds, targs, n):
    out = torch.zeros(n, n, dtype=torch.long)
    out[targs, preds] += 1
    return out
def cm_off_by_one(preds, targs, n):
    out = torch.zeros(n, n, dtype=torch.long)
    for t, p in zip(targs, preds): out[t - 1, p - 1] += 1
    return out

# --- chapter 11 -----------------------------------------------------------------------------------------------------

def _glide(a, b, t): return b + (a - b) * (1 + math.cos(math.pi * t)) / 2
def cycle(pos, lr):
    return _glide(lr / 25, lr, pos / 0.25) if pos < 0.25 else _glide(lr, lr / 25e4, (pos - 0.25) / 0.75)
def cycle_torch(pos, lr):
    from mnist37.digit_cnn import one_cycle
    return one_cycle(pos, lr)[0]
def cycle_lines(pos, lr):
    return lr / 25 + (lr - lr / 25) * pos / 0.25 if pos < 0.25 else lr + (lr / 25e4 - lr) * (pos - 0.25) / 0.75
def cycle_no_warmup(pos, lr): return _glide(lr, lr / 25e4, pos)
def cycle_pytorch_default(pos, lr):
    return _glide(lr / 25, lr, pos / 0.3) if pos < 0.3 else _glide(lr, lr / 25e4, (pos - 0.3) / 0.7)
def cycle_from_zero(pos, lr): return _glide(0, lr, pos / 0.25) if pos < 0.25 else cycle(pos, lr)
def cycle_constant(pos, lr): return lr
def cycle_never_down(pos, lr): return _glide(lr / 25, lr, min(pos / 0.25, 1))

def per_class(preds, targs, n): return torch.stack([(preds[targs == c] == c).float().mean() for c in range(n)])
def per_class_cm(preds, targs, n):
    cm = torch.zeros(n, n)
    for t, p in zip(targs, preds): cm[t, p] += 1
    return cm.diag() / cm.sum(1)
def per_class_precision(preds, targs, n): return torch.stack([(targs[preds == c] == c).float().mean() for c in range(n)])
def per_class_overall(preds, targs, n): return torch.full((n,), (preds == targs).float().mean().item())
def per_class_counts(preds, targs, n): return torch.stack([((preds == c) & (targs == c)).sum() for c in range(n)]).float()
def per_class_of_all(preds, targs, n): return per_class_counts(preds, targs, n) / len(targs)
def per_class_errors(preds, targs, n): return 1 - per_class(preds, targs, n)

# --- each checker: (wrong attempts with the mistake each must be named as, right attempts) --------------------------

CASES = {
    'check_rmse_distance': ({'every axis': rmse_every_axis, 'no square root': rmse_no_root, 'absolute value': rmse_abs,
                             'wrong': [rmse_sum, rmse_one_axis]}, [rmse, rmse_pow, rmse_mse_loss]),
    'check_closest_mean': ({'argmax': closest_argmax, 'wrong axis': closest_axis0, 'no new axis': closest_no_axis,
                            'wrong': [closest_distances, closest_two_means]}, [closest, closest_loop, closest_sum]),
    'check_sgd_step': ({'gradient kept': step_kept, 'nothing changed': step_rebound, 'uphill': step_uphill,
                        'outside no_grad': step_in_place, 'first only': step_first_only,
                        'cleared first': [step_zero_first, step_none_first],
                        'lr ignored': [step_no_lr, step_point_one]},
                       [step, step_no_grad, step_assign]),
    'check_quadratic_grads': ({'no factor 2': grads_no_two, 'sum': grads_sum, 'wrong sign': grads_sign,
                               'swapped inputs': grads_swapped, 'autograd': grads_autograd, 'wrong': grads_all_t},
                              [grads, grads_written_out, grads_autograd_copy]),
    'check_mnist_loss': ({'no sigmoid': loss_no_sigmoid, 'swapped branches': loss_swapped, 'sum': loss_sum,
                          'no mean': loss_no_mean, 'a number, not a tensor': loss_item,
                          'cut off': [loss_new_tensor, loss_detached], 'wrong': loss_squeezed},
                         [loss, loss_abs, loss_l1, mnist_loss]),
    'check_batch_accuracy': ({'raw score': acc_raw_half, 'flipped': acc_flipped, 'count': acc_count,
                              'rounded raw score': acc_round_raw, 'no targets': acc_no_targets,
                              'bool mean': acc_bool_mean, 'wrong': acc_squeezed}, [acc, acc_round, acc_sigmoid]),
    'check_train_epoch': ({'gradients piled up': epoch_piled, 'uphill': epoch_uphill,
                           'one step per epoch': epoch_step_after_loop, 'outside no_grad': epoch_in_place,
                           'cleared first': [epoch_zero_first, epoch_none_first], 'nothing changed': epoch_rebound,
                           'no backward': epoch_no_backward, 'stopped early': epoch_returns_early,
                           'lr ignored': epoch_no_lr}, [epoch, epoch_no_grad_style, epoch_lesson, epoch_by_index]),
    'check_optimizer': ({'kept the generator': OptKeepsGenerator, 'zero_grad does nothing': OptNoZero,
                         'uphill': OptUphill, 'outside no_grad': OptInPlace, 'nothing changed': OptRebound,
                         'cleared first': OptZeroFirst, 'lr ignored': [OptNoLr, OptPointOne, OptHalf],
                         'wrong': OptSign},
                        [Optim, OptimNoGrad]),
    'check_linear_by_hand': ({'no transpose': linear_no_transpose, 'no bias': linear_no_bias,
                              'weight first': linear_weight_first, 'called the layer': linear_called,
                              'wrong': linear_bias_subtracted}, [linear, linear_f, linear_by_sums]),
    'check_layers': ({'no ReLU': layers_no_relu, 'ReLU on the output': layers_relu_out,
                      'first ReLU only': layers_first_relu_only, 'error': layers_three, 'wrong': layers_two},
                     [layers, layers_split]),
    'check_image_accuracy': ({'batch averages': img_acc_batch_means, 'count': img_acc_count,
                              'per batch': img_acc_per_batch, 'raw score': img_acc_raw,
                              'model not called': [img_acc_no_model, img_acc_no_model_first_column]},
                             [img_acc, img_acc_cat, img_acc_dataset, img_acc_forward]),
    'check_learner': ({'gradients piled up': _learner(zero=False), 'never stepped': _learner(step=False),
                       'no validation': _learner(valid=False), 'returned': _learner(returns=False),
                       'validation leak': _learner(train=False), 'step outside the loop': _learner(step_in_loop=False),
                       'cleared first': _learner(zero_first=True), 'lr ignored': _learner(lr_scale=0.1),
                       'own optimizer': LearnerOwnOptimizer},
                      [_learner(), LearnerZeroFirst]),
    'check_conv_out_size': ({'no +1': conv_no_plus_one, 'padding once': conv_padding_once,
                             'true division': conv_true_division, 'wrong': [conv_ceil, conv_no_stride]},
                            [conv, conv_int, conv_floor]),
    'check_softmax': ({'wrong axis': [softmax_dim0, softmax_f_dim0], 'whole tensor': softmax_whole,
                       'no exp': softmax_no_exp, 'overflow': softmax_overflow, 'no keepdim': softmax_sum_drops_axis},
                      [softmax, softmax_torch, softmax_logsumexp]),
    'check_confusion_matrix': ({'swapped': cm_swapped, 'too small': cm_too_small,
                                'repeats counted once': cm_fancy_index, 'wrong': cm_off_by_one},
                               [cm, cm_bincount, cm_index_put]),
    'check_one_cycle': ({'straight lines': cycle_lines, 'no warm-up': cycle_no_warmup,
                         'warm-up length': cycle_pytorch_default, 'from zero': cycle_from_zero,
                         'wrong': [cycle_constant, cycle_never_down]}, [cycle, cycle_torch]),
    'check_per_class_accuracy': ({'by prediction': per_class_precision, 'overall': per_class_overall,
                                  'count': per_class_counts, 'share of all': per_class_of_all, 'wrong': per_class_errors},
                                 [per_class, per_class_cm]),
}

CASES.update(CHAPTER_10)  # chapter 10's checkers, whose attempts are written in test_digits.py

WRONG = [(name, mistake, f) for name, (wrong, _) in CASES.items() for mistake, fs in wrong.items()
         for f in (fs if isinstance(fs, list) else [fs])]
RIGHT = [(name, f) for name, (_, rights) in CASES.items() for f in rights]

def test_every_checker_has_four_kinds_of_wrong_and_two_styles_of_right():
    assert set(CASES) == {n for n in ex.__all__ if n.startswith('check_')}
    for name, (wrong, rights) in CASES.items():
        assert sum(len(fs) if isinstance(fs, list) else 1 for fs in wrong.values()) >= 4 and len(rights) >= 2, name

@pytest.mark.parametrize('name,mistake,f', WRONG, ids=[f'{n}-{f.__name__}' for n, _, f in WRONG])
def test_wrong_attempt_is_named(name, mistake, f):
    fb = getattr(ex, name)(f)
    assert (fb.ok, fb.mistake) == (False, mistake), fb
    assert '\n' not in fb and fb.endswith('.'), fb
    if mistake == 'wrong':
        assert fb.startswith('Not yet') or any(w in fb for w in ('for two', 'did not move', 'on a second')), fb

@pytest.mark.parametrize('name,f', RIGHT, ids=[f'{n}-{f.__name__}' for n, f in RIGHT])
def test_right_attempt_is_accepted(name, f):
    fb = getattr(ex, name)(f)
    assert fb.ok and fb.startswith('Right: '), fb

def test_the_hints_of_one_checker_all_differ():
    for name, (wrong, _) in CASES.items():
        said = {}
        for mistake, fs in wrong.items():
            if mistake == 'wrong': continue
            said.setdefault(str(getattr(ex, name)(fs[0] if isinstance(fs, list) else fs)), mistake)
        assert len(said) == len([m for m in wrong if m != 'wrong']), (name, said)

# --- what the messages say, word for word or in part (the eight cases issue 18 found misjudged among them) ----------

CLEARED_FIRST = ('because the gradient was cleared before the update could use it: update first, then clear it '
                 '(`p.grad = None`, or `p.grad.zero_()`).')
WORD_FOR_WORD = [  # (what the case is, checker, attempt, the whole message)
    ('a loss returned as a float is refused', ex.check_mnist_loss, loss_item, 'The value is right, but it is a plain '
     'Python float (from `.item()` or `float`), and SGD cannot follow a number back to the scores: return the tensor '
     'itself.'),
    ('an accuracy that never calls the model is refused', ex.check_image_accuracy, img_acc_no_model,
     'Your code never called `model`: the scores are `model(xb)`, and a score above 0 means a 3.'),
    ('zeroing before the update is named as such', ex.check_sgd_step, step_zero_first,
     f'The parameters did not move, {CLEARED_FIRST}'),
    ('clearing before the update is named as such', ex.check_sgd_step, step_none_first,
     f'Your code failed at `p.data -= lr * p.grad` in `step_none_first`, {CLEARED_FIRST}'),
    ('zeroing before the update in an epoch', ex.check_train_epoch, epoch_zero_first,
     f'The parameters never moved, {CLEARED_FIRST}'),
    ('rounding raw scores is not called a flipped comparison', ex.check_batch_accuracy, acc_round_raw,
     'You rounded the raw scores, which gives 0 or 1 only for scores between 0 and 1: round the sigmoid of the scores, '
     'or compare the scores with 0.'),
    ("an error is said in the lesson's words with the line that raised", ex.check_batch_accuracy, acc_bool_mean,
     "Your code failed at `def acc_bool_mean(xb, yb): return ((xb > 0) == yb).mean()` in `acc_bool_mean`: `.mean()` "
     "can't average True and False: turn them into numbers first, `.float().mean()`."),
    ('seven numbers are no longer answered with their shape', ex.check_closest_mean, closest_two_means,
     "Not yet: on the checker's example at [0] yours is 1 and the answer 2; at [5] yours is 1 and the answer 2; 2 of "
     'the 7 numbers differ, the rest are right.'),
]
IN_PART = [  # (what the case is, checker, attempt, how the message starts, what else it says)
    ('a step outside the batch loop', ex.check_learner, _learner(step_in_loop=False),
     'Your Learner took 1 step for 49 batches: `opt.step()` sits outside the batch loop', ()),
    ('one step after the last batch', ex.check_train_epoch, epoch_step_after_loop,
     'The parameters moved only once, after the last batch', ()),
    ('training on the validation set is a leak', ex.check_learner, _learner(train=False),
     'Your Learner trained on the validation set', ()),
    ('numbers that differ, side by side, with what the pattern suggests', ex.check_rmse_distance, rmse_sum,
     "Not yet: on the checker's example at [0] yours is ",
     ('and the answer 0.4', 'every number is 28 times the answer, which suggests a sum where a mean belongs')),
    ('a sign that differs', ex.check_quadratic_grads, lambda t, y, p: -grads_all_t(t, y, p) * 0 - grads(t, y, p), '',
     ('wrong sign',)),
    ('one row that differs', ex.check_softmax, lambda s: s.softmax(1) * torch.tensor([[1.], [2.], [1.]]), '',
     ('only row 1 of 3 differs',)),
    ('shapes that differ', ex.check_rmse_distance, rmse_one_axis, '',
     ('a tensor of shape (5, 28), where the answer is a tensor of shape (5,)',)),
    ('sizes that do not line up', ex.check_softmax, softmax_sum_drops_axis, '',
     ('sizes 2 and 3 do not line up', 'keepdim=True', '`softmax_sum_drops_axis`')),
    ('an in-place update PyTorch refuses', ex.check_sgd_step, step_in_place,
     'Your code failed at `p -= lr * p.grad` in `step_in_place`: PyTorch refuses', ()),
]

@pytest.mark.parametrize('case,check,f,said', WORD_FOR_WORD, ids=[c[0] for c in WORD_FOR_WORD])
def test_message_word_for_word(case, check, f, said):
    assert check(f) == said

@pytest.mark.parametrize('case,check,f,start,parts', IN_PART, ids=[c[0] for c in IN_PART])
def test_message_in_part(case, check, f, start, parts):
    fb = check(f)
    assert fb.startswith(start) and all(part in fb for part in parts), fb

def test_sizes_that_do_not_broadcast_are_named():
    fb = ex.check_rmse_distance(lambda a, b: (a - b[:5])**2)
    assert fb.mistake == 'no broadcast' and 'sizes 28 and 5 meet on axis 1' in fb, fb
