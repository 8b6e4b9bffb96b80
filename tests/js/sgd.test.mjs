// docs/playground/sgd.js (chapter 02) against autograd, and descent.js's sentences, which must stay true at any rate.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {apply_step, descend_step, f, mse, quadratic} from '../../docs/playground/sgd.js';
import {fmt, verdict} from '../../docs/playground/descent.js';

const {roller_coaster: rc} = JSON.parse(readFileSync(new URL('../fixtures/playground_autograd.json', import.meta.url)));

test('apply_step returns the loss before the step and moves a, b, c as autograd\'s gradients do', () => {
  const params = [...rc.params];
  const loss = apply_step(params, rc.time, rc.speed, rc.lr);
  assert.ok(Math.abs(loss - rc.loss) < 1e-2, `${loss} against ${rc.loss}`);
  params.forEach((p, i) => {
    const grad = (rc.params[i] - p) / rc.lr;
    assert.ok(Math.abs(grad - rc.grad[i]) <= 1e-4 * Math.abs(rc.grad[i]), `gradient ${i}: ${grad} against ${rc.grad[i]}`);
  });
});

test('the parabola: a step moves x against the slope 2x', () => {
  assert.equal(descend_step(-1.5, 0.1), -1.2);
  assert.equal(f(descend_step(-1.5, 1)), f(-1.5));  // rate 1 jumps to the other side, at the same height
  assert.equal(mse(rc.time.map(t => quadratic(t, [0, 0, 0])), rc.time.map(() => 2)), 4);
});

test('the sentences say fell, grew, stayed the same, or overshot, and never show NaN or Infinity', () => {
  assert.equal(verdict([25823.81]), 'Press Step.');
  assert.equal(verdict([25823.81, 5435.54]), 'The loss fell, from 25,823.81 to 5,435.54.');
  assert.equal(verdict([2.25, 2.25]), 'The loss stayed the same, at 2.25.');
  assert.match(verdict([1e30, Infinity]), /overshot: the loss is now larger than 10\^38/);
  assert.match(verdict([1e30, NaN]), /overshot/);
  assert.match(verdict([1e30, 1e39]), /overshot/);
  assert.equal(fmt(1.37e6), '1.37e+6');
});

test('500 steps at the highest rates end in a sentence, not NaN', () => {
  let x = -1.5;
  const losses = [f(x)];
  for (let i = 0; i < 500; i++) { x = descend_step(x, 1.2); losses.push(f(x)); }
  assert.doesNotMatch(verdict(losses), /NaN|Infinity/);
  const params = [...rc.params], rcl = [];
  for (let i = 0; i < 500; i++) rcl.push(apply_step(params, rc.time, rc.speed, 1e-4));
  assert.ok(rcl.some(v => !Number.isFinite(v)), 'at 1e-4 the loss should overflow within 500 steps');
  assert.match(verdict(rcl), /overshot/);
});
