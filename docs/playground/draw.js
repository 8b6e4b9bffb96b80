// Experiment 1, "Draw a 3 or a 7": a canvas that takes a mouse, a finger or a pen, and a row of MNIST's own digits to
// choose with the keyboard; the 28x28 picture the models see; each packaged model's answer; and the linear model's
// reasons, pixel by pixel. The linear model answers at once; the other two once onnxruntime-web has loaded.
import {linear_prob_3} from './linear.js';
import {LoadError, mb} from './load.js';
import {RUNTIME, load_model, load_runtime} from './models.js';
import {drawing_rounds, list} from './pad.js';
import {greys, red_blue, show_image} from './plot.js';

// Points along an arc of a circle, angles in degrees (clockwise, as the canvas's y axis points down)
function arc(cx, cy, r, from, to, n = 24) {
  return Array.from({length: n + 1}, (_, i) => {
    const a = (from + (to - from) * i / n) * Math.PI / 180;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  });
}

// A 3 to start with, so that the models have something to read before you draw
const FIRST_THREE = [...arc(140, 92, 52, -160, 90), ...arc(140, 192, 52, -90, 160)];

// One row per model: its name, a bar split between 3 (blue, left) and the other digit (red, right), and its answer,
// or why it has none yet
function answer_rows(root, kinds, names) {
  const rows = {};
  for (const kind of kinds) {
    const row = document.createElement('div');
    row.className = 'pg-answer';
    row.innerHTML = `<span class="pg-model">${names[kind]}</span><span class="pg-bar" aria-hidden="true"><span class="pg-bar-3"></span></span>` +
                    '<span class="pg-says">loading…</span>';
    root.append(row);
    rows[kind] = row;
  }
  return rows;
}

// The answer to a picture with chance `p3` of being a 3, as Python's `predict` gives it: the likelier digit
function show_answer(row, p3, other) {
  row.querySelector('.pg-bar-3').style.width = `${(100 * p3).toFixed(1)}%`;
  const [digit, p] = p3 >= 0.5 ? ['3', p3] : [other, 1 - p3];
  row.querySelector('.pg-says').textContent = `${digit} (${(100 * p).toFixed(1)}%)`;
  row.dataset.digit = digit;
}

function show_failure(row, message) {
  row.classList.add('pg-failed');
  row.querySelector('.pg-says').textContent = message;
}

// Each pixel of `picture` times its weight: what pushed the linear model's score towards a 3 (blue) or the other (red)
function show_reasons(canvas, caption, picture, linear, other) {
  const parts = picture.map((v, i) => v * linear.weights[i]);
  // the strongest twentieth of the inked pixels at full colour: scaled to the very strongest, most would look pale
  const sizes = parts.filter(v => v !== 0).map(Math.abs).sort();
  show_image(canvas, parts, red_blue(sizes[Math.floor(0.95 * (sizes.length - 1))]));
  const score = parts.reduce((a, b) => a + b, 0) + linear.bias;
  caption.textContent = `Their sum plus the bias: ${score.toFixed(2)}, so a ${score >= 0 ? 3 : other}.`;
}

// Wire up the experiment in the element `root` with the page's data (tools/build_playground.py)
export async function setup_drawing(root, data, report) {
  const $ = sel => root.querySelector(sel);
  const {kinds, kind_names: names, vocab, sizes} = data;
  const other = vocab.find(d => d !== '3');
  const reasons = $('.pg-reasons canvas');
  const progress = $('.pg-progress'), said = $('.pg-said');
  const rows = answer_rows($('.pg-answers'), kinds, names);
  const linear = {weights: Float32Array.from(data.linear.weights), bias: data.linear.bias};
  const models = {linear: picture => linear_prob_3(picture, linear)};  // the others once the runtime has loaded
  // Read the canvas (or the chosen sample), prepare it, and ask the models (pad.js)
  const changed = drawing_rounds(root, report, {samples: data.samples, first: [FIRST_THREE], show, speak});
  async function show(picture) {
    if (!picture) return;
    for (const kind of kinds) {
      if (!models[kind]) continue;  // still loading, or it failed
      report.probs[kind] = await models[kind](picture);
      show_answer(rows[kind], report.probs[kind], other);
    }
    report.first_prediction ??= performance.now();  // milliseconds since the page was opened
    if (Object.keys(report.probs).length === kinds.length) report.all_models ??= performance.now();
    show_reasons(reasons, $('.pg-reasons .pg-score'), picture, linear, other);
  }
  function speak() {
    const text = !report.probs ? `The picture is blank: draw a 3 or a ${other}, or choose a sample.` :
      kinds.filter(k => k in report.probs).map(k => `${names[k]}: ${rows[k].querySelector('.pg-says').textContent}`).join('. ') + '.';
    if (said.textContent !== text) said.textContent = text;
  }
  changed(performance.now());  // the linear model's first answer, to the 3 above

  // then onnxruntime-web, saying how much of it has come, and the models that need it
  const slow = kinds.filter(k => !models[k]), failures = [];
  const loading = `The models are loading; draw anyway. The linear model answers already; the runtime for the ${list(slow.map(k => names[k]))}`;
  let ort = null;
  progress.textContent = `${loading}: starting.`;
  try {
    ort = await load_runtime(sizes, text => { progress.textContent = `${loading}: ${text}.`; });
  } catch (e) {
    failures.push(e.message);
    for (const kind of slow) show_failure(rows[kind], e.message);
  }
  if (ort) await Promise.all(slow.map(async kind => {
    try { models[kind] = await load_model(ort, kind, sizes, vocab.indexOf('3')); }
    catch (e) {
      const message = e instanceof LoadError ? e.message : `could not start ${kind}.onnx (${e.message})`;
      failures.push(message);
      show_failure(rows[kind], message);
    }
  }));
  root.classList.toggle('pg-some-failed', failures.length > 0);
  const answering = kinds.filter(k => models[k]).map(k => names[k]);
  progress.textContent = failures.length ? `Some models could not start: ${failures.join('; ')}. ` +
    `The ${list(answering)} ${answering.length === 1 ? 'model answers' : 'models answer'}.` :
    `All ${kinds.length} models are loaded (the runtime is ${mb(sizes[RUNTIME.wasm])} MB).`;
  report.models_loaded = performance.now();
  await changed(performance.now());  // every model's answer to what is there now
}
