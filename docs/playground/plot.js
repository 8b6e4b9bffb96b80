// Pictures and charts on <canvas>: 28x28 images, and a few lines and dots on axes. A handful of small functions does
// what the page needs, so it loads no chart library.

// 28x28 `values` on `canvas`, one canvas pixel per image pixel (CSS scales it up), coloured by `colour(v)` -> [r, g, b]
export function show_image(canvas, values, colour) {
  canvas.width = canvas.height = 28;
  const ctx = canvas.getContext('2d'), img = ctx.createImageData(28, 28);
  values.forEach((v, i) => { img.data.set([...colour(v), 255], 4 * i); });
  ctx.putImageData(img, 0, 0);
}

// MNIST's way: 0 is black, 1 is white ink
export const greys = v => [255 * v, 255 * v, 255 * v];

// matplotlib's 'RdBu' (ColorBrewer), as `show_weights` draws weights: blue above 0 (towards a 3), red below (a 7)
const RDBU = [[103, 0, 31], [178, 24, 43], [214, 96, 77], [244, 165, 130], [253, 219, 199], [247, 247, 247],
              [209, 229, 240], [146, 197, 222], [67, 147, 195], [33, 102, 172], [5, 48, 97]];
export function red_blue(lim) {
  return v => {
    const pos = Math.min(Math.max((v / (lim || 1) + 1) / 2, 0), 1) * (RDBU.length - 1);
    const i = Math.min(Math.floor(pos), RDBU.length - 2), t = pos - i;
    return RDBU[i].map((c, k) => c + (RDBU[i + 1][k] - c) * t);
  };
}

// The largest number a chart or a sentence shows as a number: float32's range, as PyTorch would hold it. Anything past
// it (or Infinity, or NaN) is said to have overflowed instead.
export const LIMIT = 1e38;
export const overflowed = v => !(Math.abs(v) <= LIMIT);  // true for NaN too

// Round numbers for the ticks of an axis from lo to hi: about five, and never more than `most`, linear or log
export function ticks(lo, hi, log, most = 8) {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) return [];
  if (log) {
    const a = Math.ceil(Math.log10(lo)), b = Math.floor(Math.log10(hi));
    const every = Math.max(1, Math.ceil((b - a + 1) / most));  // 1e0, 1e10, 1e20... when the range is wide
    const out = [];
    for (let e = a; e <= b; e += every) out.push(10 ** e);
    return out;
  }
  const raw = (hi - lo) / 4, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9 && out.length < most; v += step) out.push(Math.round(v / step) * step || 0);  // no -0
  return out;
}

// A log axis's range for `values`: whole powers of 10 around them and around [floor, ceiling], ignoring values that
// overflowed (they are drawn at the top edge)
export function log_range(values, floor = 1e2, ceiling = 1e5) {
  const ok = values.filter(v => v > 0 && !overflowed(v));
  const bottom = Math.min(...ok, floor), top = Math.max(...ok, ceiling);
  return [10 ** Math.floor(Math.log10(bottom)), Math.min(10 ** Math.ceil(Math.log10(top)), 1e38)];
}

function label(v) {
  const a = Math.abs(v);
  return a >= 1e5 || (a > 0 && a < 1e-3) ? v.toExponential(0) : v.toLocaleString('en', {maximumFractionDigits: 3});
}

// Axes on `canvas` for x in `x` = [lo, hi] and y in `y` (a log scale with `log`): returns `{ctx, X, Y}`, where X and Y
// turn data into canvas coordinates, and draws only inside the axes from then on
export function chart(canvas, {x, y, log = false, xlabel = '', ylabel = ''}) {
  const dpr = globalThis.devicePixelRatio || 1, w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  const box = {left: 56, right: w - 10, top: 10, bottom: h - 34};
  const ty = log ? Math.log10 : v => v;
  // canvas coordinates, held to a few screens around the axes: a point that flew off is drawn at the edge, and a
  // coordinate of 1e150 never reaches the canvas
  const hold = (v, lo, hi) => Number.isNaN(v) ? lo : Math.min(Math.max(v, lo - 2 * (hi - lo)), hi + 2 * (hi - lo));
  const X = v => hold(box.left + (v - x[0]) / (x[1] - x[0]) * (box.right - box.left), box.left, box.right);
  const Y = v => hold(box.bottom - (ty(v) - ty(y[0])) / (ty(y[1]) - ty(y[0])) * (box.bottom - box.top), box.top, box.bottom);
  ctx.font = '11px sans-serif';
  ctx.strokeStyle = '#ddd'; ctx.fillStyle = '#555'; ctx.lineWidth = 1;
  ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  for (const v of ticks(y[0], y[1], log)) {
    ctx.beginPath(); ctx.moveTo(box.left, Y(v)); ctx.lineTo(box.right, Y(v)); ctx.stroke();
    ctx.fillText(label(v), box.left - 4, Y(v));
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  for (const v of ticks(x[0], x[1], false)) ctx.fillText(label(v), X(v), box.bottom + 4);
  ctx.fillText(xlabel, (box.left + box.right) / 2, box.bottom + 19);
  ctx.save(); ctx.translate(12, (box.top + box.bottom) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(ylabel, 0, -6); ctx.restore();
  ctx.strokeStyle = '#888'; ctx.strokeRect(box.left, box.top, box.right - box.left, box.bottom - box.top);
  ctx.beginPath(); ctx.rect(box.left, box.top, box.right - box.left, box.bottom - box.top); ctx.clip();
  return {ctx, X, Y};
}

// A line through the points (xs[i], ys[i]) of a chart
export function line({ctx, X, Y}, xs, ys, colour, width = 2) {
  ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.beginPath();
  xs.forEach((v, i) => ctx[i ? 'lineTo' : 'moveTo'](X(v), Y(ys[i])));
  ctx.stroke();
}

// A dot at each point (xs[i], ys[i]) of a chart
export function dots({ctx, X, Y}, xs, ys, colour, r = 3.5) {
  ctx.fillStyle = colour;
  xs.forEach((v, i) => { ctx.beginPath(); ctx.arc(X(v), Y(ys[i]), r, 0, 2 * Math.PI); ctx.fill(); });
}

// A key on a chart, [[text, colour], ...], its top right corner at the data point `at` = [x, y]
export function legend({ctx, X, Y}, items, at) {
  ctx.font = '12px sans-serif'; ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  items.forEach(([text, colour], i) => {
    const x = X(at[0]) - 8, y = Y(at[1]) + 16 * i;
    ctx.fillStyle = '#333'; ctx.fillText(text, x - 20, y);
    ctx.fillStyle = colour; ctx.fillRect(x - 14, y - 1.5, 14, 3);
  });
}
