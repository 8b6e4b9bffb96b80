"""The playground's JavaScript without a browser: Node's own test runner (`node --test`, no framework) runs the tests in
tests/js/ against docs/playground/*.js. Their fixture, tests/fixtures/playground_autograd.json, holds what PyTorch's
autograd gives for chapter 03's linear model and chapter 02's roller coaster; `python tests/test_playground_js.py`
writes it, and a test here checks it is still what the chapters' code gives. Without Node the Node tests skip, except
in CI (`CI=true`), where a missing Node is a failure."""
import json, os, shutil, subprocess, sys
from pathlib import Path

from conftest import need

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT/'tests'/'fixtures'/'playground_autograd.json'
JS_TESTS = sorted((ROOT/'tests'/'js').glob('*.test.mjs'))

def autograd_values() -> dict:
    "Gradients and steps worked out by autograd: `calc_grad` and `sgd_step` on a small batch, and one `apply_step`"
    import numpy as np
    import torch
    import build_playground as bp
    from mnist37.linear import calc_grad, linear1_model
    from mnist37.sgd import mse, quadratic, sgd_step
    pixels = np.random.default_rng(0).integers(0, 256, (4, 784)) * (np.random.default_rng(1).random((4, 784)) < 0.3)
    targets = [1, 0, 1, 0]
    model, params = linear1_model(42)
    start = [p.detach().flatten().tolist() for p in params]
    loss = calc_grad(torch.tensor(pixels).float() / 255, torch.tensor(targets)[:, None], model)
    grads = [p.grad.flatten().tolist() for p in params]
    sgd_step(params, 1.)
    rc = bp.roller_coaster()
    p = torch.tensor(rc['params'], requires_grad=True)
    rc_loss = mse(quadratic(torch.tensor(rc['time']), p), torch.tensor(rc['speed']))
    rc_loss.backward()
    return dict(
        linear=dict(pixels=pixels.tolist(), targets=targets, weights=start[0], bias=start[1][0], lr=1., loss=loss.item(),
                    weights_grad=grads[0], bias_grad=grads[1][0], weights_after=params[0].detach().flatten().tolist(),
                    bias_after=params[1].item()),
        roller_coaster=dict(**rc, lr=1e-5, loss=rc_loss.item(), grad=p.grad.tolist(),
                            params_after=(p.detach() - 1e-5 * p.grad).tolist()))

def test_fixture_is_what_autograd_gives():
    "The saved fixture still matches the chapters' code: a change to either shows up here, not as a puzzling Node failure"
    import numpy as np
    saved, now = json.loads(FIXTURE.read_text()), autograd_values()
    for part in now:
        for k, v in now[part].items():
            np.testing.assert_allclose(np.array(saved[part][k], float), np.array(v, float), rtol=1e-6, atol=1e-9, err_msg=f'{part}.{k}')

def test_node_tests_pass():
    "tests/js/*.test.mjs, under `node --test`: linear.js, sgd.js, descent.js's sentences, images.js and the chart scales"
    node = shutil.which('node')
    need(node, "no Node.js: the playground's tests need it")
    assert len(JS_TESTS) >= 4, JS_TESTS
    r = subprocess.run([node, '--test', *map(str, JS_TESTS)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]

if __name__ == '__main__':
    sys.path.insert(0, str(ROOT/'tools'))
    FIXTURE.parent.mkdir(exist_ok=True)
    tmp = FIXTURE.with_suffix('.tmp')
    tmp.write_text(json.dumps(autograd_values(), separators=(',', ':')) + '\n')
    os.replace(tmp, FIXTURE)
