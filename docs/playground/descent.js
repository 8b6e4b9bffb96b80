// Experiment 2, "Gradient descent by hand": chapter 02's parabola and roller coaster, one step per click, at the
// learning rate of a slider.
import {apply_step, descend_step, f, mse, quadratic} from './sgd.js';
import {LIMIT, chart, dots, line, log_range, overflowed} from './plot.js';

const BLUE = '#1f77b4', RED = '#d62728', GREY = '#aaa';  // matplotlib's first colours, as in the chapter's plots

// Numbers as a reader would write them: 25,823.81, 2.25, 0.00123, 1.37e+6
export function fmt(v) {
  const a = Math.abs(v);
  return a >= 1e6 ? v.toExponential(2) : a >= 100 ? v.toLocaleString('en', {maximumFractionDigits: 2}) : String(Number(v.toPrecision(3)));
}

// Say how the last step went: the loss before it, and after. Past float32's range there is no number to give
export function verdict(losses) {
  if (losses.length < 2) return 'Press Step.';
  const [a, b] = losses.slice(-2);
  if (overflowed(b)) return `The step overshot: the loss is now larger than 10^${Math.log10(LIMIT)}. Press Start again.`;
  if (fmt(a) === fmt(b)) return `The loss stayed the same, at ${fmt(b)}.`;
  return b < a ? `The loss fell, from ${fmt(a)} to ${fmt(b)}.` : `The loss grew, from ${fmt(a)} to ${fmt(b)}.`;
}

// A slider, the number it shows beside it (and tells a screen reader), and the learning rate it stands for: `to_lr`
// turns its value into one
function rate_slider(input, to_lr) {
  const show = () => {
    const lr = to_lr(+input.value), text = lr < 1e-3 ? lr.toExponential() : String(lr);
    input.nextElementSibling.textContent = text;
    input.setAttribute('aria-valuetext', text);
  };
  input.addEventListener('input', show);
  show();
  return () => to_lr(+input.value);
}

// The parabola f(x) = x², from x = -1.5 as in the chapter
function setup_parabola(root, report) {
  const $ = sel => root.querySelector(sel);
  const lr = rate_slider($('input[type=range]'), v => v);
  let xs;
  const xgrid = Array.from({length: 101}, (_, i) => -3.4 + 6.8 * i / 100);
  function draw() {
    const c = chart($('canvas'), {x: [-3.4, 3.4], y: [-0.5, 11.5], xlabel: 'x', ylabel: 'f(x) = x²'});
    line(c, xgrid, xgrid.map(f), GREY);
    line(c, xs, xs.map(f), RED, 1);
    dots(c, xs, xs.map(f), RED);
    dots(c, xs.slice(0, 1), [f(xs[0])], '#000', 4.5);
    report.losses = xs.map(f);
    const last = xs.at(-1), where = overflowed(f(last)) ? 'x has flown off the chart' : `x = ${fmt(last)}`;
    $('.pg-verdict').textContent = `${where}. ${verdict(report.losses)}`;
    $('canvas').setAttribute('aria-label', `Chart of f(x) = x² with ${xs.length - 1} step${xs.length === 2 ? '' : 's'} ` +
      `from x = -1.5; ${where}.`);
  }
  $('.pg-step').addEventListener('click', () => {
    if (!overflowed(f(xs.at(-1)))) xs.push(descend_step(xs.at(-1), lr()));  // once overshot, Start again
    draw();
  });
  $('.pg-reset').addEventListener('click', () => { xs = [-1.5]; draw(); });
  xs = [-1.5];
  draw();
}

// The roller coaster: a quadratic fitted to 20 speed readings, from chapter 02's random start
function setup_roller_coaster(root, {time, speed, params: start}, report) {
  const $ = sel => root.querySelector(sel);
  const lr = rate_slider($('input[type=range]'), v => Number((10 ** v).toPrecision(3)));  // the slider moves in powers of 10
  let params, losses;
  function draw() {
    const preds = time.map(t => quadratic(t, params));
    const c = chart($('canvas.pg-fit'), {x: [-0.5, 19.5], y: [-300, 100], xlabel: 'time (s)', ylabel: 'speed'});
    dots(c, time, speed, BLUE, 3);
    dots(c, time, preds, RED, 3);
    const all = [...losses, mse(preds, speed)];  // the losses before each step, and now
    const l = chart($('canvas.pg-loss'), {x: [0, Math.max(10, all.length - 1)], y: log_range(all), log: true,
                                          xlabel: 'steps', ylabel: 'loss (log scale)'});
    const steps = all.map((_, i) => i);
    line(l, steps, all, RED, 1);
    dots(l, steps, all, RED, 3);
    report.losses = all;
    const gone = overflowed(all.at(-1));
    $('.pg-verdict').textContent = (gone ? '' : `a, b, c = ${params.map(p => p.toFixed(3)).join(', ')}. `) + verdict(all);
    $('canvas.pg-fit').setAttribute('aria-label', gone ? 'Chart of the 20 speed readings; the quadratic has flown off it.' :
      `Chart of the 20 speed readings and the quadratic's predictions for them, at a mean squared error of ${fmt(all.at(-1))}.`);
    $('canvas.pg-loss').setAttribute('aria-label', `Chart of the loss, on a log scale, over ${all.length - 1} step` +
      `${all.length === 2 ? '' : 's'}: from ${fmt(all[0])} to ${gone ? 'more than 10^38' : fmt(all.at(-1))}.`);
  }
  $('.pg-step').addEventListener('click', () => {
    const now = mse(time.map(t => quadratic(t, params)), speed);
    if (!overflowed(now)) losses.push(apply_step(params, time, speed, lr()));  // once overshot, Start again
    draw();
  });
  $('.pg-reset').addEventListener('click', () => { params = [...start]; losses = []; draw(); });
  params = [...start]; losses = [];
  draw();
}

export function setup_parabola_panel(parabola, report) {
  report.parabola = {};
  setup_parabola(parabola, report.parabola);
}

export function setup_roller_coaster_panel(roller_coaster, data, report) {
  report.roller_coaster = {};
  setup_roller_coaster(roller_coaster, data, report.roller_coaster);
}
