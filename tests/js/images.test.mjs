// docs/playground/images.js's small steps: Python's rounding, PIL's greys, and a blank canvas. The whole `to_mnist`
// is checked against Python's in tests/test_playground.py.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {py_round, read_canvas, resize_lanczos, to_mnist} from '../../docs/playground/images.js';

test('py_round sends halves to the even neighbour, as Python\'s round does', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(py_round), [0, 2, 2, -0, 2, 3]);
});

test('read_canvas turns RGBA into PIL\'s grey levels from 0 to 1', () => {
  const data = Uint8ClampedArray.of(255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255);
  const g = read_canvas({width: 3, height: 1, data});
  assert.deepEqual(Array.from(g.data, v => Math.round(v * 255)), [255, 0, 76]);  // PIL: L = (299 R + 587 G + 114 B) / 1000
});

test('a blank canvas has no digit; a bar of ink becomes a centred 28x28 picture', () => {
  const w = 60, h = 60, paper = {h, w, data: new Float32Array(w * h).fill(1)};
  assert.equal(to_mnist(paper), null);
  const ink = Float32Array.from(paper.data);
  for (let y = 10; y < 50; y++) for (let x = 26; x < 34; x++) ink[y * w + x] = 0;
  const pic = to_mnist({h, w, data: ink});
  assert.equal(pic.length, 784);
  let mass = 0, sx = 0, sy = 0;
  pic.forEach((v, i) => { mass += v; sx += v * (i % 28); sy += v * Math.floor(i / 28); });
  assert.ok(Math.abs(sx / mass - 14) <= 1 && Math.abs(sy / mass - 14) <= 1, `centre of mass at ${sx / mass}, ${sy / mass}`);
  assert.equal(Math.max(...pic), 1);
});

test('resize_lanczos keeps a flat picture flat', () => {
  const out = resize_lanczos({h: 10, w: 30, data: new Float32Array(300).fill(0.25)}, 7, 3);
  assert.equal(out.data.length, 21);
  for (const v of out.data) assert.ok(Math.abs(v - 0.25) < 1e-6);
});
