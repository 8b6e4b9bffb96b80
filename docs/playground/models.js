// The three packaged models, run in the browser by onnxruntime-web from the same .onnx files that `mnist37` ships
// (chapter 07, "Saving and loading a model"). Each takes `images`, shape [n, 28, 28], and gives `scores`: one column for
// the linear model and the two-layer net (a score whose sigmoid is the chance of a 3), two for the CNN (a score per
// class, 3 first as in `VOCAB`, turned into chances by softmax).
import * as ort from './ort/ort.wasm.bundle.min.mjs';

// the runtime itself, from this site (its JavaScript half is in the bundle above)
ort.env.wasm.wasmPaths = {wasm: new URL('./ort/ort-wasm-simd-threaded.wasm', import.meta.url).href};
ort.env.wasm.numThreads = 1;  // more threads need a server that sends cross-origin isolation headers; one is plenty
ort.env.logLevel = 'error';

export const MODEL_KINDS = ['linear', 'mlp', 'cnn'];

// `{kind: session}` for every kind, each read from models/<kind>.onnx
export async function load_models() {
  const sessions = {};
  for (const kind of MODEL_KINDS)
    sessions[kind] = await ort.InferenceSession.create(new URL(`./models/${kind}.onnx`, import.meta.url).href,
                                                       {executionProviders: ['wasm']});
  return sessions;
}

// The probability `session`'s model gives a prepared 28x28 picture of being a 3, as `prob_3` does in Python
export async function prob_3(session, picture) {
  const {scores} = await session.run({images: new ort.Tensor('float32', picture, [1, 28, 28])});
  const s = scores.data;
  if (s.length === 1) return 1 / (1 + Math.exp(-s[0]));  // sigmoid
  return 1 / (1 + Math.exp(s[1] - s[0]));  // softmax of two scores, the 3's share: e^s0 / (e^s0 + e^s1)
}
