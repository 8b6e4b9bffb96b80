// Chapter 03 ("A linear model, by hand") in JavaScript, under the chapter's names. An image is a row of 784 numbers
// from 0 to 1; a batch of n images is one Float32Array of n*784 numbers, row after row, and its targets are 1 for a 3
// and 0 for a 7. The parameters are float32, as PyTorch's are, so that the numbers stay the chapter's.

export const PIXELS = 28 * 28;

// The starting weights and bias: Python's `init_params` from seed 42 (`linear1_model()`), copied so that the browser
// starts where the chapter starts. (JavaScript's random numbers can't be seeded to match PyTorch's.)
export function init_params(start) {
  return [Float32Array.from(start.weights), Float32Array.of(start.bias)];
}

// A linear model: `xb@weights + bias`, one score per image
export function linear1(xb, weights, bias) {
  const n = xb.length / PIXELS, scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < PIXELS; j++) s += xb[i * PIXELS + j] * weights[j];
    scores[i] = s + bias[0];
  }
  return scores;
}

export function sigmoid(x) { return 1 / (1 + Math.exp(-x)); }

// The chance that a prepared 28x28 picture is a 3, for a trained linear model `{weights, bias}` (784 numbers and one):
// the sigmoid of its score. This is all the packaged linear model does, so the page needs no runtime for it
export function linear_prob_3(picture, {weights, bias}) { return sigmoid(linear1(picture, weights, [bias])[0]); }

// Mean distance between the sigmoid of each score and its 0/1 target
export function mnist_loss(predictions, targets) {
  let total = 0;
  predictions.forEach((p, i) => { total += targets[i] === 1 ? 1 - sigmoid(p) : sigmoid(p); });
  return total / predictions.length;
}

// Predict on a batch, compute the loss, and leave each parameter's gradient in its `.grad`. In Python
// `loss.backward()` works the gradients out; here they are written down. An image's loss changes with its score at
// the rate σ(1-σ), negated for a 3 (a higher score brings a 3's loss down); its score changes with each weight at the
// rate of that pixel's value, and with the bias at the rate 1. The loss is a mean, so each image counts 1/n.
export function calc_grad(xb, yb, params) {
  const [weights, bias] = params;
  const preds = linear1(xb, weights, bias), n = preds.length;
  const wgrad = new Float64Array(PIXELS);
  let bgrad = 0;
  preds.forEach((p, i) => {
    const s = sigmoid(p), d = (yb[i] === 1 ? -1 : 1) * s * (1 - s) / n;
    for (let j = 0; j < PIXELS; j++) wgrad[j] += d * xb[i * PIXELS + j];
    bgrad += d;
  });
  weights.grad = Float32Array.from(wgrad);
  bias.grad = Float32Array.of(bgrad);
  return mnist_loss(preds, yb);
}

// Move each parameter by lr times its gradient, downhill, then forget the gradient
export function sgd_step(params, lr) {
  for (const p of params) {
    for (let j = 0; j < p.length; j++) p[j] -= Math.fround(lr * p.grad[j]);
    p.grad = null;
  }
}

// Fraction of the batch where the sigmoid of the score is on the same side of 0.5 as the target
export function batch_accuracy(preds, yb) {
  let right = 0;
  preds.forEach((p, i) => { right += (sigmoid(p) > 0.5) === (yb[i] === 1); });
  return right / preds.length;
}

// The model's mean `batch_accuracy` over the batches, rounded to 4 places
export function validate_epoch(params, batches) {
  const accs = batches.map(([xb, yb]) => batch_accuracy(linear1(xb, ...params), yb));
  return Math.round(accs.reduce((a, b) => a + b, 0) / accs.length * 1e4) / 1e4;
}

// A dataset cut into batches of `bs` images in order, as the chapter's unshuffled `DataLoader` cuts it: `[xb, yb]` pairs
export function batches(x, y, bs) {
  const out = [];
  for (let i = 0; i < y.length; i += bs) out.push([x.subarray(i * PIXELS, (i + bs) * PIXELS), y.subarray(i, i + bs)]);
  return out;
}

// A linear model with one output per class, as the ten-digit one has: `weights` holds a row of 784 numbers for each
// class, one after the other, and `bias` a number for each. The scores it gives one prepared picture, class by class
export function linear_scores(picture, {weights, bias}) {
  return Array.from(bias, (b, k) => {
    let s = 0;
    for (let j = 0; j < PIXELS; j++) s += picture[j] * weights[k * PIXELS + j];
    return s + b;
  });
}
