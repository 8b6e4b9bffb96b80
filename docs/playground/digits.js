// Experiment 2, "Draw any digit": the same kind of canvas and row of samples as experiment 1, read by the ten-digit
// models: the CNN (with onnxruntime-web) and the linear model (plain JavaScript, so it answers at once). A table gives
// each model's chance for every digit; beside it the 28x28 picture the models see, and the linear model's reasons for
// its answer, pixel by pixel. The names (models, classes) come from data.json, written by tools/build_playground.py.
import {linear_scores} from './linear.js';
import {LoadError, mb} from './load.js';
import {RUNTIME, load_runtime, load_scores, softmax} from './models.js';
import {drawing_rounds, list} from './pad.js';
import {greys, red_blue, show_image} from './plot.js';

const percent = p => `${(100 * p).toFixed(1)}%`;

// The table of chances: a row for each digit, a column for each model, each cell a bar and its percentage. It is a real
// table, so that a screen reader can read it cell by cell
function chance_table(root, kinds, names, vocab) {
  const table = document.createElement('table');
  table.className = 'pg-tens';
  table.innerHTML = '<caption class="pg-sr">The chance each model gives each digit</caption><thead><tr><th scope="col">digit</th>' +
    kinds.map(k => `<th scope="col">${names[k]}</th>`).join('') + '</tr></thead>';
  const body = table.createTBody(), cells = Object.fromEntries(kinds.map(k => [k, []]));
  for (const d of vocab) {
    const tr = body.insertRow();
    tr.innerHTML = `<th scope="row">${d}</th>`;
    for (const k of kinds) {
      const td = tr.insertCell();
      td.innerHTML = '<span class="pg-tbar" aria-hidden="true"><span></span></span><span class="pg-pct">–</span>';
      cells[k].push(td);
    }
  }
  root.append(table);
  return cells;
}

// One line per model above the table: its name and its answer, or why it has none
function answer_lines(root, kinds, names) {
  return Object.fromEntries(kinds.map(k => {
    const p = document.createElement('p');
    p.className = 'pg-answer10';
    p.innerHTML = `<span class="pg-model">${names[k]}</span> <span class="pg-says">loading…</span>`;
    root.append(p);
    return [k, p];
  }));
}

// The digits in order of the chance `probs` gives them, likeliest first
const ranked = (probs, vocab) => vocab.map((d, i) => [d, probs[i]]).sort((a, b) => b[1] - a[1]);

function show_chances(line, cells, probs, vocab) {
  const [[digit, p]] = ranked(probs, vocab);
  line.querySelector('.pg-says').textContent = `${digit} (${percent(p)})`;
  line.dataset.digit = digit;
  cells.forEach((td, i) => {
    td.querySelector('.pg-tbar > span').style.width = percent(probs[i]);
    td.querySelector('.pg-pct').textContent = percent(probs[i]);
    td.classList.toggle('pg-top', vocab[i] === digit);
  });
}

function clear_chances(line, cells) {
  delete line.dataset.digit;
  for (const td of cells) {
    td.querySelector('.pg-tbar > span').style.width = '0';
    td.querySelector('.pg-pct').textContent = '–';
    td.classList.remove('pg-top');
  }
}

function show_failure(line, cells, message) {
  line.classList.add('pg-failed');
  line.querySelector('.pg-says').textContent = message;
  for (const td of cells) { td.classList.add('pg-failed'); td.querySelector('.pg-pct').textContent = 'n/a'; }
}

// Each pixel of `picture` times the linear model's weight for the digit it chose: blue pixels pushed its score up,
// red ones down
function show_reasons(canvas, caption, picture, linear, k, digit) {
  const w = linear.weights.subarray(k * 784, (k + 1) * 784), parts = picture.map((v, i) => v * w[i]);
  const sizes = parts.filter(v => v !== 0).map(Math.abs).sort();
  show_image(canvas, parts, red_blue(sizes[Math.floor(0.95 * (sizes.length - 1))]));  // as experiment 1 scales them
  const score = parts.reduce((a, b) => a + b, 0) + linear.bias[k];
  caption.textContent = `For the ${digit}: their sum plus its bias is ${score.toFixed(2)}, the highest of the ten scores.`;
}

// Wire up the experiment in the element `root` with the page's data (data.json's `ten`, and `sizes` for the runtime)
export async function setup_digits(root, data, report) {
  const $ = sel => root.querySelector(sel);
  const {kinds, names, vocab, onnx, linear: lin, sizes} = data.ten;
  const reasons = $('.pg-reasons canvas');
  const progress = $('.pg-progress'), said = $('.pg-said');
  const lines = answer_lines($('.pg-answers'), kinds, names), cells = chance_table($('.pg-table'), kinds, names, vocab);
  const models = {}, failures = [];
  const fail = (kind, message) => { failures.push(message); show_failure(lines[kind], cells[kind], message); };
  let linear = null;
  if (lin) {
    linear = {weights: Float32Array.from(lin.weights), bias: Float32Array.from(lin.bias)};
    models[lin.kind] = picture => softmax(linear_scores(picture, linear));
  }
  for (const k of kinds) if (!onnx.includes(k) && !models[k]) fail(k, `could not load ${k}.pt (it was not in the package when this site was built)`);
  // As in experiment 1 (pad.js): changes that come while the models are reading wait for the next round, every round is
  // timed into `report.updates`, and the answers are said aloud once the pen is up
  const changed = drawing_rounds(root, report, {samples: data.ten.samples, source: 'drawn for this page, not from MNIST',
                                                first: data.ten.first, show, speak});
  async function show(picture) {
    if (!picture) {
      for (const k of kinds) if (models[k]) clear_chances(lines[k], cells[k]);
      return;
    }
    for (const k of kinds) {
      if (!models[k]) continue;  // still loading, or it failed
      report.probs[k] = Array.from(await models[k](picture));
      show_chances(lines[k], cells[k], report.probs[k], vocab);
    }
    report.first_prediction ??= performance.now();  // milliseconds since the page was opened
    for (const k of onnx) if (k in report.probs) report[`first_${k}`] ??= performance.now();
    if (Object.keys(report.probs).length === kinds.length) report.all_models ??= performance.now();
    if (linear) {
      const [[digit]] = ranked(report.probs[lin.kind], vocab);
      show_reasons(reasons, $('.pg-reasons .pg-score'), picture, linear, vocab.indexOf(digit), digit);
    }
  }
  function speak() {
    const text = !report.probs ? 'The picture is blank: draw a digit, or choose a sample.' :
      kinds.filter(k => k in report.probs).map(k => {
        const [[d1, p1], [d2, p2]] = ranked(report.probs[k], vocab);
        return `${names[k]}: ${d1} (${percent(p1)}), then ${d2} (${percent(p2)})`;
      }).join('. ') + '.';
    if (said.textContent !== text) said.textContent = text;
  }
  changed(performance.now());  // the linear model's first answer, to the digit drawn above

  // then onnxruntime-web (shared with experiment 1, loaded once) and the models that need it
  const loading = `The CNN is loading; draw anyway. ${lin ? 'The linear model answers already; the' : 'The'} runtime`;
  progress.textContent = `${loading}: starting.`;
  let ort = null;
  try {
    ort = await load_runtime(data.sizes, text => { progress.textContent = `${loading}: ${text}.`; });
  } catch (e) {
    for (const k of onnx) fail(k, e.message);
  }
  if (ort) await Promise.all(onnx.map(async k => {
    try {
      const scores = await load_scores(ort, k, sizes);
      models[k] = async picture => softmax(await scores(picture));
    } catch (e) { fail(k, e instanceof LoadError ? e.message : `could not start ${k}.onnx (${e.message})`); }
  }));
  root.classList.toggle('pg-some-failed', failures.length > 0);
  const answering = kinds.filter(k => models[k]).map(k => names[k]);
  progress.textContent = failures.length ? `Some models could not start: ${failures.join('; ')}. ` +
    (answering.length ? `The ${list(answering)} ${answering.length === 1 ? 'model answers' : 'models answer'}.` : '') :
    `${kinds.length === 2 ? 'Both' : `All ${kinds.length}`} models are loaded (the runtime is ${mb(data.sizes[RUNTIME.wasm])} MB).`;
  report.models_loaded = performance.now();
  await changed(performance.now());  // every model's answer to what is there now
}
