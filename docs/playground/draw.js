// Experiment 1, "Draw a 3 or a 7": a canvas that takes a mouse, a finger or a pen; the 28x28 picture the models see;
// each packaged model's answer; and the linear model's reasons, pixel by pixel.
import {read_canvas, to_mnist} from './images.js';
import {MODEL_KINDS, load_models, prob_3} from './models.js';
import {greys, red_blue, show_image} from './plot.js';

const PEN = 22;  // pen width in canvas pixels: once the digit is scaled to 20 pixels, about as thick as MNIST's strokes
const NAMES = {linear: 'linear', mlp: 'two-layer net', cnn: 'CNN'};

// A canvas to draw on in dark ink on white paper: calls `on_change(time of the event)` after every piece of stroke
export function drawing_pad(canvas, on_change) {
  const ctx = canvas.getContext('2d', {willReadFrequently: true});  // read back after every stroke: keep it in memory
  const at = e => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  };
  function segment(a, b) {
    Object.assign(ctx, {lineWidth: PEN, lineCap: 'round', lineJoin: 'round', strokeStyle: '#000'});
    ctx.beginPath(); ctx.moveTo(...a); ctx.lineTo(...b); ctx.stroke();
  }
  let last = null;  // where the pen is while it touches the paper
  canvas.addEventListener('pointerdown', e => {
    canvas.setPointerCapture(e.pointerId);
    last = at(e); segment(last, last); on_change(e.timeStamp);
  });
  canvas.addEventListener('pointermove', e => {
    if (!last) return;
    const p = at(e);
    segment(last, p); last = p; on_change(e.timeStamp);
  });
  for (const type of ['pointerup', 'pointercancel']) canvas.addEventListener(type, () => { last = null; });
  return {
    ctx,
    clear() { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height); },
    stroke(points) { points.forEach((p, i) => segment(points[Math.max(i - 1, 0)], p)); },
  };
}

// Points along an arc of a circle, angles in degrees (clockwise, as the canvas's y axis points down)
function arc(cx, cy, r, from, to, n = 24) {
  return Array.from({length: n + 1}, (_, i) => {
    const a = (from + (to - from) * i / n) * Math.PI / 180;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  });
}

// A 3 to start with, so that the models have something to read before you draw
const FIRST_THREE = [...arc(140, 92, 52, -160, 90), ...arc(140, 192, 52, -90, 160)];

// One row per model: its name, a bar split between 3 (blue, left) and 7 (red, right), and its answer
function answer_rows(root) {
  const rows = {};
  for (const kind of MODEL_KINDS) {
    const row = document.createElement('div');
    row.className = 'pg-answer';
    row.innerHTML = `<span class="pg-model">${NAMES[kind]}</span><span class="pg-bar"><span class="pg-bar-3"></span></span>` +
                    '<span class="pg-says"></span>';
    root.append(row);
    rows[kind] = row;
  }
  return rows;
}

function show_answer(row, p3) {
  row.querySelector('.pg-bar-3').style.width = `${(100 * p3).toFixed(1)}%`;
  const [digit, p] = p3 >= 0.5 ? ['3', p3] : ['7', 1 - p3];  // as Python's `predict` answers
  row.querySelector('.pg-says').textContent = `${digit} (${(100 * p).toFixed(1)}%)`;
  row.dataset.digit = digit;
}

// Each pixel of `picture` times its weight: what pushed the linear model's score towards a 3 (blue) or a 7 (red)
function show_reasons(canvas, caption, picture, linear) {
  const parts = picture.map((v, i) => v * linear.weights[i]);
  // the strongest twentieth of the inked pixels at full colour: scaled to the very strongest, most would look pale
  const sizes = parts.filter(v => v !== 0).map(Math.abs).sort();
  show_image(canvas, parts, red_blue(sizes[Math.floor(0.95 * (sizes.length - 1))]));
  const score = parts.reduce((a, b) => a + b, 0) + linear.bias;
  caption.textContent = `Their sum plus the bias: ${score.toFixed(2)}, so a ${score >= 0 ? 3 : 7}.`;
}

// Wire up the experiment in the element `root`, with the packaged linear model's weights for the reasons
export async function setup_drawing(root, linear, report) {
  const $ = sel => root.querySelector(sel);
  const canvas = $('.pg-pad canvas'), seen = $('.pg-seen canvas'), reasons = $('.pg-reasons canvas');
  const rows = answer_rows($('.pg-answers'));
  let sessions = null;  // the models, once loaded
  const pad = drawing_pad(canvas, changed);
  pad.clear();
  pad.stroke(FIRST_THREE);
  $('.pg-clear').addEventListener('click', () => { pad.clear(); changed(performance.now()); });

  // Read the canvas, prepare it, and ask the models. Changes that come in meanwhile wait for the next round, so the
  // page never falls behind the pen. Each round goes into `report.updates`: how long it took, and how long since the
  // oldest change it shows was drawn.
  let waiting = performance.now();  // the 3 drawn above
  function changed(time) {
    waiting = waiting ?? time;
    if (sessions && !report.busy) rounds();
  }
  async function rounds() {
    report.busy = true;
    while (waiting !== null) {
      const since = waiting, start = performance.now();
      waiting = null;
      await update();
      const end = performance.now();
      report.updates.push({ms: end - start, since_drawn: end - since});
    }
    report.busy = false;
  }
  async function update() {
    const picture = to_mnist(read_canvas(pad.ctx.getImageData(0, 0, canvas.width, canvas.height)));
    root.classList.toggle('pg-blank', !picture);
    report.picture = picture && Array.from(picture);
    report.probs = null;
    if (!picture) return;
    show_image(seen, picture, greys);
    report.probs = {};
    for (const kind of MODEL_KINDS) {
      report.probs[kind] = await prob_3(sessions[kind], picture);
      show_answer(rows[kind], report.probs[kind]);
    }
    report.first_prediction ??= performance.now();  // milliseconds since the page was opened
    show_reasons(reasons, $('.pg-reasons figcaption .pg-score'), picture, linear);
  }
  sessions = await load_models();
  await rounds();  // the first answers, to the 3 above or to whatever has been drawn meanwhile
}
