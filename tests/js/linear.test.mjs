// docs/playground/linear.js against PyTorch's autograd (tests/fixtures/playground_autograd.json, from
// tests/test_playground_js.py): chapter 03's hand-written gradients, its step, and its metric.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {batch_accuracy, batches, calc_grad, init_params, linear1, linear_prob_3, mnist_loss, sgd_step, sigmoid, validate_epoch}
  from '../../docs/playground/linear.js';

const {linear: fx} = JSON.parse(readFileSync(new URL('../fixtures/playground_autograd.json', import.meta.url)));
const xb = Float32Array.from(fx.pixels.flat(), v => v / 255), yb = Uint8Array.from(fx.targets);

// within `rtol` of the largest of `want`: float32 sums in PyTorch against float64 ones here differ by rounding only
function close(got, want, rtol, what) {
  const scale = Math.max(...want.map(Math.abs));
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i] - want[i]) <= rtol * scale, `${what}[${i}]: ${got[i]} against autograd's ${want[i]}`);
}

test('calc_grad gives the loss and the gradients that autograd gives', () => {
  const params = init_params({weights: fx.weights, bias: fx.bias});
  const loss = calc_grad(xb, yb, params);
  assert.ok(Math.abs(loss - fx.loss) < 1e-6, `${loss} against ${fx.loss}`);
  close(params[0].grad, fx.weights_grad, 1e-5, 'weights.grad');
  close(params[1].grad, [fx.bias_grad], 1e-5, 'bias.grad');
  assert.ok(fx.weights_grad.some(g => Math.abs(g) > 1e-4), 'the fixture should have gradients to compare');
});

test('sgd_step moves each parameter as sgd_step does in Python, and forgets the gradient', () => {
  const params = init_params({weights: fx.weights, bias: fx.bias});
  calc_grad(xb, yb, params);
  sgd_step(params, fx.lr);
  close(params[0], fx.weights_after, 1e-6, 'weights');
  close(params[1], [fx.bias_after], 1e-6, 'bias');
  assert.equal(params[0].grad, null);
});

test('mnist_loss, batch_accuracy and linear_prob_3 follow the sigmoid of the score', () => {
  assert.equal(mnist_loss([0, 0], [1, 0]), 0.5);  // a score of 0 is a chance of one half either way
  assert.ok(Math.abs(mnist_loss([10, -10], [1, 0])) < 1e-4);
  assert.equal(batch_accuracy([2, -2, 2], [1, 0, 0]), 2 / 3);
  const weights = new Float32Array(784).fill(0.01), picture = new Float32Array(784).fill(0.5);
  assert.ok(Math.abs(linear_prob_3(picture, {weights, bias: -1}) - sigmoid(784 * 0.005 - 1)) < 1e-6);
  assert.equal(linear1(picture, weights, [-1]).length, 1);
});

test('batches cut in order, and validate_epoch averages batch accuracies to 4 places', () => {
  const x = new Float32Array(5 * 784), y = Uint8Array.of(1, 1, 0, 0, 1);
  const bs = batches(x, y, 2);
  assert.deepEqual(bs.map(([, yb]) => Array.from(yb)), [[1, 1], [0, 0], [1]]);
  const params = [new Float32Array(784), Float32Array.of(1)];  // always says 3
  assert.equal(validate_epoch(params, bs), Math.round((1 + 0 + 1) / 3 * 1e4) / 1e4);
});
