// What both drawing experiments share: a canvas that takes a mouse, a finger or a pen, a row of sample digits to
// choose with the keyboard (or a click) instead, and the loop that reads the picture and hands it to the models.
import {read_canvas, to_mnist} from './images.js';
import {greys, show_image} from './plot.js';

export const PEN = 22;  // pen width in canvas pixels: once the digit is scaled to 20 pixels, about as thick as MNIST's strokes

// A canvas to draw on in dark ink on white paper: calls `on_start()` when the pen touches it, and `on_change(time of
// the event)` after every piece of stroke. Only the main mouse button draws.
export function drawing_pad(canvas, on_change, on_start) {
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
    if (e.button !== 0) return;  // a right-button drag opens the menu, it doesn't draw
    canvas.setPointerCapture(e.pointerId);
    on_start();
    last = at(e); segment(last, last); on_change(e.timeStamp);
  });
  canvas.addEventListener('pointermove', e => {
    if (!last) return;
    const p = at(e);
    segment(last, p); last = p; on_change(e.timeStamp);
  });
  for (const type of ['pointerup', 'pointercancel']) canvas.addEventListener(type, () => { last = null; on_change(null); });
  const pad = {
    ctx,
    pen_down: () => last !== null,
    clear() { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height); },
    stroke(points) { points.forEach((p, i) => segment(points[Math.max(i - 1, 0)], p)); },
    // a 28x28 picture (0 background, 1 ink), drawn large in dark ink, so that strokes can be added to it
    paint(picture) {
      const small = document.createElement('canvas');
      show_image(small, picture, v => [255 * (1 - v), 255 * (1 - v), 255 * (1 - v)]);
      pad.clear();
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
    },
  };
  return pad;
}

// A row of buttons, one per sample picture (`{label, pixels}`, 784 grey levels 0..255) and one for a blank picture:
// `on_choose(picture or null)` when one is pressed. `source` says where the pictures come from, to a screen reader.
export function sample_row(root, samples, on_choose, source = "from MNIST's test set") {
  const count = {};
  const buttons = [...samples, {label: null}].map(s => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'pg-sample';
    b.setAttribute('aria-pressed', 'false');
    const picture = s.label === null ? null : Float32Array.from(s.pixels, v => v / 255);
    if (picture) {
      count[s.label] = (count[s.label] ?? 0) + 1;
      b.setAttribute('aria-label', `a ${s.label} ${source}, number ${count[s.label]}`);
      const c = document.createElement('canvas');
      c.setAttribute('aria-hidden', 'true');
      show_image(c, picture, greys);
      b.append(c);
    } else b.textContent = 'blank';
    b.dataset.label = s.label ?? 'blank';
    b.addEventListener('click', () => {
      for (const o of buttons) o.setAttribute('aria-pressed', String(o === b));
      on_choose(picture);
    });
    root.append(b);
    return b;
  });
  return {unpress() { for (const o of buttons) o.setAttribute('aria-pressed', 'false'); }};
}

function blank_canvas(canvas) { canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height); }

// The drawing half of an experiment in the element `root`: its pad (with the `first` strokes on it), its row of
// `samples` (`source` as in sample_row) and its Clear button, and the loop that reads the picture (the pad's, or the
// chosen sample) and shows it as the models see it. `show(picture)` then asks the models and fills `report.probs`;
// for a blank picture the loop clears what it shows and calls `show(null)`. Changes that come in meanwhile wait for
// the next round, so the page never falls behind the pen. Each round goes into `report.updates`: how long it took, and
// how long since the oldest change it shows was drawn. When the pen is up, `speak()` says the answers aloud.
// Returns `changed(time)`, to read the picture again.
export function drawing_rounds(root, report, {samples, source, first, show, speak}) {
  const $ = sel => root.querySelector(sel);
  const canvas = $('.pg-pad canvas'), seen = $('.pg-seen canvas'), reasons = $('.pg-reasons canvas');
  let chosen = null;  // {picture}: a sample chosen from the row, until the pen touches the paper
  const pad = drawing_pad(canvas, changed, () => { chosen = null; row.unpress(); });
  const row = sample_row($('.pg-samples'), samples, picture => {
    if (picture) pad.paint(picture); else pad.clear();
    chosen = {picture};
    changed(performance.now());
  }, source);
  pad.clear();
  for (const s of first) pad.stroke(s);
  $('.pg-clear').addEventListener('click', () => {
    pad.clear(); chosen = null; row.unpress(); changed(performance.now());
  });

  let waiting = null, running = null;
  function changed(time) {
    if (time !== null) waiting = waiting ?? time;  // null: the pen was lifted
    running ??= rounds().finally(() => { running = null; });
    return running;
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
    if (!pad.pen_down()) speak();
  }
  async function update() {
    const drawn = () => to_mnist(read_canvas(pad.ctx.getImageData(0, 0, canvas.width, canvas.height)));
    const picture = chosen ? chosen.picture : drawn();
    root.classList.toggle('pg-blank', !picture);
    report.picture = picture && Array.from(picture);
    report.probs = picture ? {} : null;
    if (picture) show_image(seen, picture, greys);
    else {
      for (const c of [seen, reasons]) blank_canvas(c);
      $('.pg-reasons .pg-score').textContent = '';
    }
    await show(picture);
  }
  return changed;
}

// 'a, b and c'
export const list = words => words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
