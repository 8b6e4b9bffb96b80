"""The checkers of the "Check yourself" exercises (mnist37.exercises): the reference solution (from
nbs/96_solutions.ipynb, the page readers look up) must pass, and the untouched stub must get "not done yet". No attempt
may make a checker raise: the reader always gets one sentence, in a notebook as in a script. (Wrong attempts and right
ones in other styles: test_checker_mutations.py.)
"""
import ast, inspect, json, os, re, subprocess, sys
from pathlib import Path

import pytest
import torch
from torch import nn

from mnist37 import exercises as ex, widgets

ROOT = Path(__file__).resolve().parents[1]

def solutions() -> dict:
    "The functions and classes the solutions notebook defines (its imports and definitions, none of its checks)"
    ns = {}
    for cell in json.loads((ROOT/'nbs'/'96_solutions.ipynb').read_text())['cells']:
        if cell['cell_type'] != 'code': continue
        tree = ast.parse(''.join(cell['source']))
        kept = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
        tree.body = [s for s in tree.body if isinstance(s, kept)]
        exec(compile(tree, '96_solutions.ipynb', 'exec'), ns)
    return ns

SOL = solutions()

def stub(*args): raise NotImplementedError

class StubClass:
    def __init__(self, *args): raise NotImplementedError

# --- checker, and the name of its solution --------------------------------------------------------------------------
# (the wrong attempts each checker must name, and more right ones, are in test_checker_mutations.py)

EXERCISES = {
    'check_rmse_distance': ('my_rmse_distance', stub), 'check_closest_mean': ('my_closest_mean', stub),
    'check_sgd_step': ('my_sgd_step', stub), 'check_quadratic_grads': ('my_quadratic_grads', stub),
    'check_mnist_loss': ('my_mnist_loss', stub), 'check_batch_accuracy': ('my_batch_accuracy', stub),
    'check_train_epoch': ('my_train_epoch', stub), 'check_optimizer': ('MyOptim', StubClass),
    'check_linear_by_hand': ('my_linear', stub), 'check_layers': ('my_layers', stub),
    'check_image_accuracy': ('my_image_accuracy', stub), 'check_learner': ('MyLearner', StubClass),
    'check_conv_out_size': ('my_conv_out_size', stub), 'check_softmax': ('my_softmax', stub),
    'check_confusion_matrix': ('my_confusion_matrix', stub),
    'check_log_softmax': ('my_log_softmax', stub), 'check_cross_entropy': ('my_cross_entropy', stub),
    'check_digit_accuracy': ('my_digit_accuracy', stub), 'check_top2_accuracy': ('my_top2_accuracy', stub),
    'check_most_confused': ('my_most_confused', stub),
    'check_one_cycle': ('my_one_cycle', stub), 'check_per_class_accuracy': ('my_per_class_accuracy', stub),
}

def test_every_checker_is_tested():
    assert {n for n in ex.__all__ if n.startswith('check_')} == set(EXERCISES)

@pytest.mark.parametrize('name', EXERCISES)
def test_solution_passes(name):
    fb = getattr(ex, name)(SOL[EXERCISES[name][0]])
    assert fb.ok and fb.startswith('Right: '), fb

@pytest.mark.parametrize('name', EXERCISES)
def test_stub_is_not_done_yet(name):
    fb = getattr(ex, name)(EXERCISES[name][1])
    assert (fb.ok, fb.mistake, str(fb)) == (False, 'not done', ex.NOT_DONE)

def test_any_attempt_gets_a_sentence_never_a_traceback():
    "Attempts that return nonsense, raise, or take the wrong arguments all get one sentence back"
    for name in EXERCISES:
        check = getattr(ex, name)
        for attempt in [lambda *a: 'nonsense', lambda *a: None, lambda *a: 1/0, lambda: 0,
                        lambda *a: torch.zeros(3, 3)]:
            fb = check(attempt)
            assert isinstance(fb, ex.Feedback) and not fb.ok and '\n' not in fb, (name, fb)
    fb = ex.check_mnist_loss(lambda p, t: 1/0)
    assert fb.mistake == 'error' and 'ZeroDivisionError' in fb
    fb = ex.check_mnist_loss(torch.tensor(0.5))  # what the function returned, not the function
    assert fb == 'Give the checker your function (or class) itself, `check_mnist_loss(my_function)`, not what it ' \
                 'returns: here it got 0.5.', fb

def test_generic_answer_says_what_was_expected():
    fb = ex.check_mnist_loss(lambda p, t: torch.tensor(0.25))
    assert fb.mistake == 'wrong'
    assert fb == "Not yet: on the checker's example your code gave 0.25, and the answer is 0.4908."  # the mean of
    # 0.119, 0.269, 0.622 and 0.953

def test_conv_sizes_are_pytorchs():
    "The checker's truth is PyTorch's own convolution, and the solution's formula agrees on every setting tried"
    for n, k, s, p in ex._CONV_CASES:
        width = nn.Conv2d(1, 1, k, stride=s, padding=p)(torch.zeros(1, 1, n, n)).shape[-1]
        assert width == SOL['my_conv_out_size'](n, k, s, p)

def test_learner_check_compares_with_fastai():
    "A Learner whose steps, order and loaders are all right but whose metric is not is told how far it is off"
    class OwnMetric(SOL['MyLearner']):
        def __init__(self, dls, model, loss_func, opt_func, metric):
            super().__init__(dls, model, loss_func, opt_func, lambda p, y: ((p > 0.5) == y).float().mean())
    fb = ex.check_learner(OwnMetric)
    assert fb.mistake == 'wrong' and "fastai's reached" in fb, fb
    class Slow(SOL['MyLearner']):
        def fit(self, epochs, lr): return super().fit(epochs, lr/10)
    assert ex.check_learner(Slow).mistake == 'lr ignored'

def test_sliders_fall_back_to_the_picture_outside_jupyter():
    assert not widgets.can_show_sliders()
    assert widgets.interact_or_show(lambda lr: 'slider', lambda: 'picture', lr=(0.1, 1.)) == 'picture'

def test_each_checker_says_what_to_write():
    "A function's checker opens with the call it makes, `Check `f(a, b)``: the parameters of the solution, in order"
    for name, (solution, _) in EXERCISES.items():
        f, sol = getattr(ex, name), SOL[solution]
        if inspect.isclass(sol): assert list(inspect.signature(f).parameters)[0] in ('opt_cls', 'learner_cls'); continue
        shown = re.match(r'Check `f\(([^)]*)\)`', inspect.getdoc(f) or '')
        assert shown and shown[1].split(', ') == list(inspect.signature(sol).parameters), (name, inspect.getdoc(f))

SCRIPT = """from mnist37.exercises import check_conv_out_size
def my_conv_out_size(n, k, stride, padding): return (n + 2*padding - k)//stride + 1
fb = check_conv_out_size(my_conv_out_size)
assert fb.ok
check_conv_out_size(lambda n, k, s, p: (n + 2*p - k)//s)
"""

def _python(*args, stdin=None):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, *args], input=stdin, capture_output=True, text=True, timeout=300, env=env,
                          cwd=ROOT)

def test_a_checker_speaks_in_a_script(tmp_path):
    "Run as a script, a checker prints its sentence, once, and still returns it"
    (tmp_path/'mine.py').write_text(SCRIPT)
    done = _python(str(tmp_path/'mine.py'))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ['Right: the widths PyTorch gives, for all six settings.',
                                        'Every answer is one short: the kernel fits once at the start, and then once '
                                        'more for every `stride` pixels it can move, so add 1.']

def test_a_checker_speaks_once_at_the_prompt():
    "At the `>>>` prompt Python shows what a call returns, so the checker does not print it a second time"
    done = _python('-i', '-q', stdin=SCRIPT)
    assert done.stdout.count('Right: the widths PyTorch gives') == 0, done.stdout  # assigned to fb: nothing shown
    assert done.stdout.count('Every answer is one short') == 1, done.stdout

def test_a_checker_stays_quiet_where_ipython_shows_what_it_returns(capsys):
    from IPython.core.interactiveshell import InteractiveShell
    prompts = {name: getattr(sys, name) for name in ('ps1', 'ps2', 'ps3') if hasattr(sys, name)}
    InteractiveShell.instance()
    try: fb = ex.check_conv_out_size(SOL['my_conv_out_size'])
    finally:
        InteractiveShell.clear_instance()
        for name in ('ps1', 'ps2', 'ps3'):  # IPython sets the prompts, as the `>>>` prompt does
            if name in prompts: setattr(sys, name, prompts[name])
            elif hasattr(sys, name): delattr(sys, name)
    assert fb.ok and capsys.readouterr().out == ''
    ex.check_conv_out_size(SOL['my_conv_out_size'])
    assert capsys.readouterr().out == 'Right: the widths PyTorch gives, for all six settings.\n'
