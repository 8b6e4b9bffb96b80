// Chapter 02 ("Stochastic gradient descent") in JavaScript: a step downhill on a parabola, and the roller coaster's
// speeds fitted by a quadratic. In Python PyTorch finds each gradient (`loss.backward()`); here the gradients are
// written out, the formulas the chapter checks autograd against.

export function f(x) { return x ** 2; }  // the parabola: a loss of one parameter, smallest at 0
function f_grad(x) { return 2 * x; }  // its slope at x

// One step downhill on f: where x moves to with learning rate lr (the chapter's `x.data -= lr * x.grad`)
export function descend_step(x, lr) { return x - lr * f_grad(x); }

// A quadratic curve with coefficients (a, b, c), at t
export function quadratic(t, [a, b, c]) { return a * t ** 2 + b * t + c; }

// Mean squared error
export function mse(preds, targets) {
  return preds.reduce((s, p, i) => s + (p - targets[i]) ** 2, 0) / preds.length;
}

// Steps 2 to 5: predict, measure the loss, get the gradients, and step. Changes `params` and returns the loss *before*
// the step, as the chapter's `apply_step` does
export function apply_step(params, time, speed, lr) {
  const preds = time.map(t => quadratic(t, params));
  const loss = mse(preds, speed);
  // the mean squared error changes with a at the rate 2/n Σ (pred - y) t², with b at 2/n Σ (pred - y) t, with c at
  // 2/n Σ (pred - y)
  const grad = [0, 0, 0];
  preds.forEach((p, i) => {
    const e = 2 * (p - speed[i]) / preds.length;
    grad[0] += e * time[i] ** 2; grad[1] += e * time[i]; grad[2] += e;
  });
  params.forEach((p, i) => { params[i] = p - lr * grad[i]; });  // `sgd_step`
  return loss;
}
