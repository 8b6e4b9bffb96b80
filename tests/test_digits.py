"""Chapter 10, all ten digits (nbs/10_digits.ipynb, `mnist37.digits`), beyond what its notebook shows: wrong attempts
at its exercises that a beginner would write, each with the mistake its checker must name, and right ones in other
styles (`CASES`, which test_checker_mutations.py runs with the other chapters'); and an answer written in by hand. The
numbers its prose quotes are checked against its saved outputs in test_prose_numbers.py. The notebook itself, with its
asserted accuracies, runs in test_notebooks_kernel.py; the solutions and the untouched stubs go through
test_exercises.py.
"""
import torch
import torch.nn.functional as F

from mnist37 import exercises as ex

# --- log-softmax ----------------------------------------------------------------------------------------------------

def lsm(s): return s - s.logsumexp(1, keepdim=True)
def lsm_by_hand(s):
    shifted = s - s.max(1, keepdim=True).values
    return shifted - shifted.exp().sum(1, keepdim=True).log()
def lsm_torch(s): return torch.log_softmax(s, dim=-1)
def lsm_probabilities(s): e = (s - s.max(1, keepdim=True).values).exp(); return e / e.sum(1, keepdim=True)
def lsm_columns(s): return F.log_softmax(s, 0)
def lsm_whole(s): return s - s.exp().sum().log()
def lsm_shift_only(s): return s - s.max(1, keepdim=True).values
def lsm_naive(s): return (s.exp() / s.exp().sum(1, keepdim=True)).log()
def lsm_unshifted(s): return s - s.exp().sum(1, keepdim=True).log()
def lsm_log_of_stable(s): return lsm_probabilities(s).log()
def lsm_no_keepdim(s): return s - s.exp().sum(1).log()

# --- cross-entropy --------------------------------------------------------------------------------------------------

def rows(t): return torch.arange(len(t))
def ce(s, t): return -F.log_softmax(s, 1)[rows(t), t].mean()
def ce_nll(s, t): return F.nll_loss(F.log_softmax(s, 1), t)
def ce_logsumexp(s, t): return (s.logsumexp(1) - s[rows(t), t]).mean()
def ce_one_hot(s, t): return -(F.one_hot(t, s.shape[1]) * s.log_softmax(1)).sum(1).mean()
def ce_no_minus(s, t): return F.log_softmax(s, 1)[rows(t), t].mean()
def ce_no_log(s, t): return -F.softmax(s, 1)[rows(t), t].mean()
def ce_raw(s, t): return -s[rows(t), t].mean()
def ce_sum(s, t): return -F.log_softmax(s, 1)[rows(t), t].sum()
def ce_no_mean(s, t): return -F.log_softmax(s, 1)[rows(t), t]
def ce_every_target(s, t): return -F.log_softmax(s, 1)[:, t].mean()
def ce_columns(s, t): return -F.log_softmax(s, 0)[rows(t), t].mean()
def ce_item(s, t): return ce(s, t).item()
def ce_new_tensor(s, t): return torch.tensor(ce(s, t).item())
def ce_detached(s, t): return ce(s.detach(), t)
def ce_dead_gradient(s, t): return ce(s.detach(), t) + 0 * s.sum()
def ce_naive(s, t): return -(s.exp() / s.exp().sum(1, keepdim=True))[rows(t), t].log().mean()

# --- accuracy -------------------------------------------------------------------------------------------------------

def acc(s, t): return (s.argmax(1) == t).float().mean()
def acc_sum_over_len(s, t): return (s.argmax(dim=-1) == t).sum() / len(t)
def acc_max_indices(s, t): return (s.max(1).indices == t).float().mean().item()
def acc_loop(s, t): return sum(int(r.argmax()) == int(y) for r, y in zip(s, t)) / len(t)
def acc_argmin(s, t): return (s.argmin(1) == t).float().mean()
def acc_values(s, t): return (s.max(1).values == t).float().mean()
def acc_count(s, t): return (s.argmax(1) == t).sum()
def acc_column(s, t): return (s.argmax(1) == t[:, None]).float().mean()
def acc_bool_mean(s, t): return (s.argmax(1) == t).mean()
def acc_columns_argmax(s, t): return (s.argmax(0) == t).float().mean()
def acc_written_in(s, t): return 5/7

# --- top-2 accuracy -------------------------------------------------------------------------------------------------

def top2(s, t): return (s.topk(2, 1).indices == t[:, None]).any(1).float().mean()
def top2_argsort(s, t): return (s.argsort(1, descending=True)[:, :2] == t.unsqueeze(1)).sum(1).float().mean()
def top2_loop(s, t): return sum(int(y) in r.topk(2).indices.tolist() for r, y in zip(s, t)) / len(t)
def top2_top1(s, t): return (s.argmax(1) == t).float().mean()
def top2_lowest(s, t): return (s.topk(2, 1, largest=False).indices == t[:, None]).any(1).float().mean()
def top2_top3(s, t): return (s.topk(3, 1).indices == t[:, None]).any(1).float().mean()
def top2_half(s, t): return (s.topk(2, 1).indices == t[:, None]).float().mean()
def top2_no_column(s, t): return (s.topk(2, 1).indices == t).any(1).float().mean()
def top2_written_in(s, t): return 6/7

# --- the most confused pair -----------------------------------------------------------------------------------------

def confused(cm):
    off = cm.clone().fill_diagonal_(0)
    return divmod(int(off.argmax()), len(cm))
def confused_loop(cm):
    n = len(cm)
    return max(((i, j) for i in range(n) for j in range(n) if i != j), key=lambda ij: cm[ij].item())
def confused_tensor(cm):
    off = cm - torch.diag(cm.diagonal())
    i = off.argmax()
    return torch.stack([i // len(cm), i % len(cm)])
def confused_diagonal(cm): return divmod(int(cm.argmax()), len(cm))
def confused_swapped(cm): r, c = confused(cm); return c, r
def confused_flat(cm): return int(cm.clone().fill_diagonal_(0).argmax())
def confused_count(cm): return cm.clone().fill_diagonal_(0).max()
def confused_smallest(cm): return divmod(int(cm.argmin()), len(cm))
def confused_smallest_zeroed(cm): return divmod(int(cm.clone().fill_diagonal_(0).argmin()), len(cm))
def confused_written_in(cm): return (2, 1)

# --- each checker: (wrong attempts with the mistake each must be named as, right attempts) --------------------------
# (test_checker_mutations.py runs them, with the other chapters')

CASES = {
    'check_log_softmax': ({'probabilities': lsm_probabilities, 'wrong axis': lsm_columns, 'whole tensor': lsm_whole,
                           'no log of the sum': lsm_shift_only, 'overflow': [lsm_naive, lsm_unshifted],
                           'log of zero': lsm_log_of_stable, 'no keepdim': lsm_no_keepdim},
                          [lsm, lsm_by_hand, lsm_torch]),
    'check_cross_entropy': ({'no minus': ce_no_minus, 'no log': ce_no_log, 'raw scores': ce_raw, 'sum': ce_sum,
                             'no mean': ce_no_mean, 'every target': ce_every_target, 'wrong axis': ce_columns,
                             'a number, not a tensor': ce_item, 'cut off': [ce_new_tensor, ce_detached],
                             'wrong gradient': ce_dead_gradient, 'overflow': ce_naive},
                            [ce, F.cross_entropy, ce_nll, ce_logsumexp, ce_one_hot]),
    'check_digit_accuracy': ({'argmin': acc_argmin, 'score, not class': acc_values, 'count': acc_count,
                              'every pair': acc_column, 'bool mean': acc_bool_mean, 'no broadcast': acc_columns_argmax,
                              'wrong': acc_written_in},
                             [acc, acc_sum_over_len, acc_max_indices, acc_loop]),
    'check_top2_accuracy': ({'top 1': top2_top1, 'lowest two': top2_lowest, 'top 3': top2_top3,
                             'half for each': top2_half, 'no broadcast': top2_no_column, 'wrong': top2_written_in},
                            [top2, top2_argsort, top2_loop]),
    'check_most_confused': ({'diagonal': confused_diagonal, 'swapped': confused_swapped, 'flat index': confused_flat,
                             'count': confused_count, 'smallest': [confused_smallest, confused_smallest_zeroed],
                             'wrong': confused_written_in},
                            [confused, confused_loop, confused_tensor]),
}

def test_an_answer_written_in_is_caught_on_the_second_example():
    "A function that returns the first example's answer, whatever it is given, is told that only the first was right"
    for check, f in [(ex.check_digit_accuracy, acc_written_in), (ex.check_top2_accuracy, top2_written_in),
                     (ex.check_most_confused, confused_written_in)]:
        assert check(f).startswith('Right on the first example, but not on a second'), check(f)
    def lsm_fixed_sizes(s): return lsm(s) if len(s) in (2, 3) else lsm(s) + 1  # right on the first two tries
    assert ex.check_log_softmax(lsm_fixed_sizes).startswith('Right on the first example')
    def ce_for_4_images_only(s, t): return ce(s, t) if len(t) == 4 else ce(s, t) * 2
    assert ex.check_cross_entropy(ce_for_4_images_only).startswith('Right on the first example')

def test_messages_say_what_the_numbers_suggest():
    fb = ex.check_cross_entropy(lambda s, t: ce(s, t) + 1)
    assert fb.startswith("Not yet: on the checker's example your code gave") and 'and the answer is' in fb, fb
    fb = ex.check_log_softmax(lsm_no_keepdim)
    assert 'keepdim=True' in fb and '`lsm_no_keepdim`' in fb, fb
    assert ex.check_most_confused(confused_flat) == ('That is the position in the flattened matrix: turn it back into '
                                                     'a row and a column, `divmod(i, n)` (or `i // n` and `i % n`).')

