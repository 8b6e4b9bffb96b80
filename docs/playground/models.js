// The packaged models that need onnxruntime-web (the two-layer net and the CNN), run in the browser from the same .onnx
// files that `mnist37` ships (chapter 07, "Saving and loading a model"). Each takes `images`, shape [n, 28, 28], and
// gives `scores`: one column (a score whose sigmoid is the chance of a 3), or one per class in the order of Python's
// `VOCAB` (turned into chances by softmax); the ten-digit CNN gives ten, score i for digit i. The linear models need no
// runtime: each is one matrix product (linear.js).
import {fetch_bytes, import_module, mb} from './load.js';

const here = path => new URL(path, import.meta.url).href;
export const RUNTIME = {module: 'ort/ort.wasm.bundle.min.mjs', wasm: 'ort/ort-wasm-simd-threaded.wasm'};

// onnxruntime-web, its WebAssembly fetched here so that `on_progress(text)` can say how much of it has come. Both
// drawing experiments ask for it: it is loaded once, and each is told how far it has come.
let runtime = null;
const listeners = new Set();
export function load_runtime(sizes, on_progress) {
  if (on_progress) listeners.add(on_progress);
  runtime ??= (async () => {
    const ort = await import_module(here(RUNTIME.module));
    const wasm = await fetch_bytes(here(RUNTIME.wasm), {expected: sizes[RUNTIME.wasm],
      on_progress: (got, all) => { for (const f of listeners) f(`${mb(got)} of ${mb(all)} MB`); }});
    ort.env.wasm.wasmBinary = wasm.buffer;
    ort.env.wasm.numThreads = 1;  // more threads need a server that sends cross-origin isolation headers; one is plenty
    ort.env.logLevel = 'error';
    return ort;
  })();
  return runtime;
}

// `picture => its scores` (a Float32Array, one per class) for models/<kind>.onnx, which `sizes` says the size of
export async function load_scores(ort, kind, sizes) {
  const file = `models/${kind}.onnx`;
  const bytes = await fetch_bytes(here(file), {expected: sizes[file]});
  const session = await ort.InferenceSession.create(bytes, {executionProviders: ['wasm']});
  return async picture => (await session.run({images: new ort.Tensor('float32', picture, [1, 28, 28])})).scores.data;
}

// `picture => chance of a 3` for models/<kind>.onnx; `three`: the 3's place in Python's `VOCAB`
export async function load_model(ort, kind, sizes, three) {
  const scores = await load_scores(ort, kind, sizes);
  return async picture => prob_3(await scores(picture), three);
}

// The probability a model's scores give a picture of being a 3, as `prob_3` does in Python; `three` is the 3's place
// among the scores where there is one per class
function prob_3(s, three) {
  if (s.length === 1) return 1 / (1 + Math.exp(-s[0]));  // sigmoid
  return 1 / (1 + Math.exp(s[1 - three] - s[three]));  // softmax of two scores, the 3's share
}

// Scores turned into chances that add up to 1: each exponentiated, less the largest first so that none overflows
export function softmax(scores) {
  const top = Math.max(...scores), e = Array.from(scores, v => Math.exp(v - top)), sum = e.reduce((a, b) => a + b, 0);
  return e.map(v => v / sum);
}
