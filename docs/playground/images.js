// How a drawing becomes the 28x28 picture the models see: `to_mnist` from mnist37/images.py (Appendix C, "reading any
// picture"), step by step in JavaScript. A picture is an object {h, w, data}: `data` holds h*w numbers row by row.
// Arrays are Float32Array because NumPy works on float32 here; that keeps the two within a rounding error of each other.

export const MNIST_SIDE = 28;  // an MNIST image is 28 pixels square...
export const DIGIT_BOX = 20;  // ...and its digit was scaled so that its longer side is 20 pixels...
export const CENTRE = MNIST_SIDE / 2;  // ...then moved so that its centre of mass is at the middle

// Python's round(): a half goes to the even neighbour (JavaScript's Math.round always goes up)
export function py_round(x) {
  const r = Math.round(x);
  return (r - x === 0.5 && r % 2 !== 0) ? r - 1 : r;
}

// The canvas's pixels as grey levels, 0 black to 1 white. PIL's `convert('L')` mixes red, green and blue with these
// integer weights; read_image then divides by 255.
export function read_canvas(image_data) {
  const {width: w, height: h, data: rgba} = image_data;
  const grey = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const [r, g, b] = [rgba[4*i], rgba[4*i + 1], rgba[4*i + 2]];
    grey[i] = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) / 255;
  }
  return {h, w, data: grey};
}

function median(values) {
  const s = Float32Array.from(values).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// The pixels of a frame 5% wide around the picture (its corners twice over, as NumPy's concatenation has them)
function frame(pic) {
  const {h, w, data} = pic;
  const k = Math.max(1, Math.floor(Math.min(h, w) / 20));
  const out = [];
  for (const rows of [[0, k], [h - k, h]]) for (let y = rows[0]; y < rows[1]; y++) for (let x = 0; x < w; x++) out.push(data[y*w + x]);
  for (const cols of [[0, k], [w - k, w]]) for (let y = 0; y < h; y++) for (let x = cols[0]; x < cols[1]; x++) out.push(data[y*w + x]);
  return out;
}

// Linear interpolation of an (h, w) array to n samples along one axis (0: rows, 1: columns), as `_stretch` does
function stretch(a, h, w, n, axis) {
  const m = axis === 0 ? h : w;
  const [oh, ow] = axis === 0 ? [n, w] : [h, n];
  const out = new Float32Array(oh * ow);
  for (let i = 0; i < n; i++) {
    const pos = Math.min(Math.max((i + 0.5) * m / n - 0.5, 0), m - 1);
    const lo = Math.floor(pos), hi = Math.min(lo + 1, m - 1), t = Math.fround(pos - lo);
    const mix = (u, v) => Math.fround(Math.fround(u * Math.fround(1 - t)) + Math.fround(v * t));  // in float32
    if (axis === 0) for (let x = 0; x < w; x++) out[i*w + x] = mix(a[lo*w + x], a[hi*w + x]);
    else for (let y = 0; y < h; y++) out[y*n + i] = mix(a[y*w + lo], a[y*w + hi]);
  }
  return out;
}

// The local background level under every pixel of `ink`: the least inky value in each block of k x k pixels and the
// blocks around it, smoothly interpolated back to full size
export function background(ink) {
  const {h, w, data} = ink;
  const k = Math.max(1, Math.floor(Math.min(h, w) / 8));
  const bh = Math.ceil(h / k), bw = Math.ceil(w / k);
  const low = new Float32Array(bh * bw).fill(Infinity);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const b = Math.floor(y / k) * bw + Math.floor(x / k);
    low[b] = Math.min(low[b], data[y*w + x]);
  }
  const around = new Float32Array(bh * bw).fill(Infinity);
  for (let i = 0; i < bh; i++) for (let j = 0; j < bw; j++)
    for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) {
      const y = i + di, x = j + dj;
      if (y >= 0 && y < bh && x >= 0 && x < bw) around[i*bw + j] = Math.min(around[i*bw + j], low[y*bw + x]);
    }
  return {h, w, data: stretch(stretch(around, bh, bw, h, 0), h, bw, w, 1)};
}

// The level that best separates `values` into a low and a high group (Otsu's method), with NumPy's 256-bin histogram
export function otsu_threshold(values) {
  let lo = Infinity, hi = -Infinity;
  for (let j = 0; j < values.length; j++) { if (values[j] < lo) lo = values[j]; if (values[j] > hi) hi = values[j]; }
  if (hi <= lo) return hi;
  const bins = 256, step = (hi - lo) / bins;
  const edges = new Float32Array(bins + 1).map((_, i) => i * step + lo);  // np.linspace, kept in float32 as NumPy does
  edges[bins] = hi;
  const counts = new Float64Array(bins);
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    let i = Math.min(Math.floor((v - lo) / (hi - lo) * bins), bins - 1);
    if (v < edges[i]) i--;  // NumPy corrects its estimate against the edges, as here
    else if (i < bins - 1 && v >= edges[i + 1]) i++;
    counts[i]++;
  }
  // for each cut after bin i: the weight w0 and (unnormalised) mean m0 of the low group, then the variance between
  // the groups, which the best cut maximises (NaN where a group is empty)
  const w0 = [], m0 = [];
  let w = 0, m = 0;
  for (let i = 0; i < bins; i++) {
    const p = counts[i] / values.length, mid = Math.fround(Math.fround(edges[i] + edges[i + 1]) / 2);
    w += p; m += p * mid;
    w0.push(w); m0.push(m);
  }
  const between = w0.map((w, i) => { const d = m * w - m0[i]; return d * d / (w * (1 - w)); });
  const best = Math.max(...between.filter(v => !Number.isNaN(v)));
  // often a run of equally good cuts: take its middle (np.isclose's tolerances)
  const close = [...between.keys()].filter(i => Math.abs(between[i] - best) <= 1e-8 + 1e-5 * Math.abs(best));
  return edges[Math.floor((close[0] + close[close.length - 1]) / 2) + 1];
}

function percentile(values, q) {  // NumPy's default ("linear")
  const s = Float32Array.from(values).sort();
  const pos = (s.length - 1) * q / 100, lo = Math.floor(pos), hi = Math.min(lo + 1, s.length - 1);
  return Math.fround(s[lo] + (s[hi] - s[lo]) * (pos - lo));
}

// PIL's Lanczos filter: a sinc, tapered by a wider sinc, three lobes each side
function sinc(x) { return x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x); }
function lanczos(x) { return (-3 <= x && x < 3) ? sinc(x) * sinc(x / 3) : 0; }

// For each of `out_size` output pixels, the first input pixel it reads and the weights of the ones it reads, as PIL
// works them out: when shrinking, the filter widens to cover every input pixel that lands in the output pixel
function resample_weights(in_size, out_size) {
  const scale = in_size / out_size, filter_scale = Math.max(scale, 1), support = 3 * filter_scale;
  const out = [];
  for (let o = 0; o < out_size; o++) {
    const centre = (o + 0.5) * scale;
    const first = Math.max(Math.trunc(centre - support + 0.5), 0), last = Math.min(Math.trunc(centre + support + 0.5), in_size);
    const k = [];
    for (let i = first; i < last; i++) k.push(lanczos((i - centre + 0.5) / filter_scale));
    const sum = k.reduce((a, b) => a + b, 0);
    out.push({first, k: k.map(v => sum !== 0 ? v / sum : v)});
  }
  return out;
}

// `Image.fromarray(a).resize((w, h), Image.LANCZOS)` for a float picture: rows first, then columns (each pass only if
// that side changes size), each pass rounded to float32 as PIL's 'F' images are
export function resize_lanczos(pic, w, h) {
  let {h: ih, w: iw, data} = pic;
  if (w !== iw) {
    const ks = resample_weights(iw, w), out = new Float32Array(ih * w);
    for (let y = 0; y < ih; y++) for (let x = 0; x < w; x++) {
      let s = 0;
      ks[x].k.forEach((kv, i) => { s += data[y*iw + ks[x].first + i] * kv; });
      out[y*w + x] = s;
    }
    [data, iw] = [out, w];
  }
  if (h !== ih) {
    const ks = resample_weights(ih, h), out = new Float32Array(h * iw);
    for (let y = 0; y < h; y++) for (let x = 0; x < iw; x++) {
      let s = 0;
      ks[y].k.forEach((kv, i) => { s += data[(ks[y].first + i)*iw + x] * kv; });
      out[y*iw + x] = s;
    }
    [data, ih] = [out, h];
  }
  return {h: ih, w: iw, data};
}

// Each step of `to_mnist` on its own. `ink` is a Float32Array of h*w values, bright where there is ink.

// Ink is bright: invert a picture whose frame is mostly light (dark ink on light paper, as on our canvas)
function ink_of(grey) {
  const ink = Float32Array.from(grey.data);
  if (median(frame(grey)) > 0.5) for (let i = 0; i < ink.length; i++) ink[i] = 1 - ink[i];
  return ink;
}

// Take away the background's level, which flattens uneven lighting in a photo
function flatten(ink, h, w) {
  const bg = background({h, w, data: ink}).data;
  for (let i = 0; i < ink.length; i++) ink[i] -= bg[i];
}

// Keep what is clearly ink, its brightest tenth at full strength; false if the picture looks blank
function threshold(ink) {
  const t = otsu_threshold(ink);
  const strokes = ink.filter(v => v > t);
  let all = 0, bright = 0;
  for (let i = 0; i < ink.length; i++) all += ink[i];
  for (let i = 0; i < strokes.length; i++) bright += strokes[i];
  const contrast = bright / strokes.length - (all - bright) / Math.max(ink.length - strokes.length, 1);
  if (strokes.length < 4 || contrast < 0.2) return false;
  const p90 = percentile(strokes, 90);
  for (let i = 0; i < ink.length; i++) ink[i] = ink[i] > t / 2 ? Math.min(Math.max(ink[i] / p90, 0), 1) : 0;
  return true;
}

// The smallest rectangle that holds all the ink
function crop(ink, h, w) {
  let top = h, bottom = -1, left = w, right = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (ink[y * w + x] !== 0) {
    if (y < top) top = y;
    bottom = y;
    if (x < left) left = x;
    if (x > right) right = x;
  }
  const ch = bottom - top + 1, cw = right - left + 1, out = new Float32Array(ch * cw);
  for (let y = 0; y < ch; y++) out.set(ink.subarray((top + y) * w + left, (top + y) * w + right + 1), y * cw);
  return {h: ch, w: cw, data: out};
}

// Scaled so that its longer side is 20 pixels, and its brightest pixel is 1
function fit_box(pic) {
  const scale = DIGIT_BOX / Math.max(pic.h, pic.w);
  const small = resize_lanczos(pic, Math.max(1, py_round(pic.w * scale)), Math.max(1, py_round(pic.h * scale)));
  const d = small.data;
  let top = 0;
  for (let i = 0; i < d.length; i++) { d[i] = Math.max(d[i], 0); top = Math.max(top, d[i]); }
  for (let i = 0; i < d.length; i++) d[i] /= top;
  return small;
}

// Placed in a 28x28 picture so that its centre of mass is at the middle
function centre(small) {
  const {h, w, data} = small;
  let mass = 0, sy = 0, sx = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const v = data[y * w + x]; mass += v; sy += v * y; sx += v * x; }
  const place = (c, n) => Math.min(Math.max(py_round(CENTRE - c), 0), MNIST_SIDE - n);
  const top = place(sy / mass, h), left = place(sx / mass, w);
  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  for (let y = 0; y < h; y++) out.set(data.subarray(y * w, (y + 1) * w), (top + y) * MNIST_SIDE + left);
  return out;
}

// Invert, flatten, threshold, crop, scale and centre a picture of one digit the way MNIST's were made: the 28x28
// picture as a Float32Array (0 background, up to 1 for ink), or null where the picture looks blank
export function to_mnist(grey) {
  const {h, w} = grey;
  const ink = ink_of(grey);
  flatten(ink, h, w);
  if (!threshold(ink)) return null;
  return centre(fit_box(crop(ink, h, w)));
}
