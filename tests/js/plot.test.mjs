// docs/playground/plot.js's scales: ticks are few whatever the range (an unbounded loop here froze the tab), and a log
// axis ignores values that overflowed.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {LIMIT, log_range, overflowed, ticks} from '../../docs/playground/plot.js';

test('linear ticks are round numbers across the range', () => {
  assert.deepEqual(ticks(0, 10, false), [0, 5, 10]);
  assert.deepEqual(ticks(-0.5, 11.5, false), [0, 5, 10]);
  assert.deepEqual(ticks(-300, 100, false), [-300, -200, -100, 0, 100]);
});

test('log ticks are powers of 10, at most 8 however wide the range', () => {
  assert.deepEqual(ticks(1e2, 1e5, true), [1e2, 1e3, 1e4, 1e5]);
  const wide = ticks(1, 1e38, true);
  assert.ok(wide.length <= 8 && wide.length >= 3, String(wide));
  assert.ok(ticks(1e-300, 1e300, true).length <= 8);
});

test('no ticks, rather than a loop, for a range that is not a range', () => {
  for (const [lo, hi] of [[0, Infinity], [NaN, 1], [5, 5], [1, 0]]) assert.deepEqual(ticks(lo, hi, true), []);
  assert.deepEqual(ticks(0, NaN, false), []);
});

test('log_range: powers of 10 around the finite values and the default range, overflow left out', () => {
  assert.deepEqual(log_range([25823.81, 5435.54]), [1e2, 1e5]);
  assert.deepEqual(log_range([25823.81, 3e7]), [1e2, 1e8]);
  assert.deepEqual(log_range([25823.81, 1e37, Infinity, NaN]), [1e2, 1e37]);
  assert.ok(overflowed(Infinity) && overflowed(NaN) && overflowed(-2 * LIMIT) && !overflowed(LIMIT));
});
