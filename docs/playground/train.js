// Experiment 3, "Train the linear model": chapter 03's loop on 2,000 training digits, a few batches per frame so that
// you can watch it learn, validated on all 2,038 validation digits after every epoch.
import {PIXELS, batches, calc_grad, init_params, sgd_step, validate_epoch} from './linear.js';
import {LoadError, fetch_bytes, file_name} from './load.js';
import {chart, dots, legend, line, red_blue, show_image} from './plot.js';

const IMAGES_PER_FRAME = 256;  // how much training each frame of the animation does: one batch at the chapter's size
const MAX_EPOCHS = 100;

// The pictures, shipped as bytes, gzipped: training ones first, then validation ones (tools/build_playground.py);
// `count` pictures of PIXELS bytes, or a LoadError that says what came instead
async function load_digits(url, count) {
  let bytes = await fetch_bytes(url);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {  // else a server has already unzipped it
    try {
      const unzipped = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
      bytes = new Uint8Array(await new Response(unzipped).arrayBuffer());
    } catch { throw new LoadError(file_name(url), 'not gzip'); }
  }
  if (bytes.length !== count * PIXELS)
    throw new LoadError(file_name(url), `${bytes.length.toLocaleString('en')} bytes, not ${(count * PIXELS).toLocaleString('en')}`);
  return bytes;
}

// Rows of 784 floats in 0..1, as `load_mnist_tensors` makes them, and 0/1 targets
function dataset(bytes, from, {count, targets}) {
  const x = Float32Array.from(bytes.subarray(from * PIXELS, (from + count) * PIXELS), v => v / 255);
  return [x, Uint8Array.from(targets)];
}

export async function setup_training(root, data, digits_url, report) {
  const $ = sel => root.querySelector(sel);
  const bytes = await load_digits(digits_url, data.train.count + data.valid.count);
  const [train_x, train_y] = dataset(bytes, 0, data.train);
  const valid = batches(...dataset(bytes, data.train.count, data.valid), data.defaults.batch_size);
  const lr_input = $('.pg-lr'), bs_input = $('.pg-bs'), go = $('.pg-go');
  const lr = () => Number((10 ** +lr_input.value).toPrecision(2));  // the slider moves in powers of 10
  const bs = () => Math.min(2 ** +bs_input.value, data.train.count);
  const show_settings = () => {  // beside each slider, and to a screen reader, in the same words
    const n = Math.ceil(data.train.count / bs());
    const said = [[lr_input, String(lr())], [bs_input, `${bs()} (${n} batch${n === 1 ? '' : 'es'} an epoch)`]];
    for (const [input, text] of said) { input.nextElementSibling.textContent = text; input.setAttribute('aria-valuetext', text); }
  };
  lr_input.addEventListener('input', show_settings);
  bs_input.addEventListener('input', show_settings);
  show_settings();

  let params, start, state;  // state: where in which epoch, what it has measured, how long it has run
  function reset() {
    params = init_params(data.start);
    start = Float32Array.from(params[0]);
    state = {epoch: 0, at: 0, batch_losses: [], epoch_losses: [], accuracy: [validate_epoch(params, valid)],
             chapter_settings: true, ms: 0, running: false};
    Object.assign(report, {accuracy: state.accuracy, first_epoch: null, ms_to_95: null});
    go.textContent = 'Start';
    draw();
  }

  // One batch: steps 2 to 5. At the end of an epoch, validate
  function step() {
    const size = bs(), rate = lr();
    const xb = train_x.subarray(state.at * PIXELS, (state.at + size) * PIXELS), yb = train_y.subarray(state.at, state.at + size);
    state.chapter_settings &&= size === data.defaults.batch_size && rate === data.defaults.lr;
    state.batch_losses.push(calc_grad(xb, yb, params));
    sgd_step(params, rate);
    state.at += yb.length;
    if (state.at < data.train.count) return;
    const losses = state.batch_losses.splice(0);
    state.epoch_losses.push(losses.reduce((a, b) => a + b, 0) / losses.length);
    state.accuracy.push(validate_epoch(params, valid));
    state.epoch++; state.at = 0;
    if (state.epoch === 1) report.first_epoch = state.chapter_settings ? state.accuracy[1] : null;
  }

  // One frame of the animation: train on about IMAGES_PER_FRAME images, then show where it stands
  let booked = null;  // the next frame, once asked for
  function frame(now) {
    state.ms += Math.max(now - state.last, 0);  // time spent training, pauses left out
    state.last = now;
    for (let seen = 0; seen < IMAGES_PER_FRAME && state.epoch < MAX_EPOCHS; seen += bs()) step();
    if (report.ms_to_95 === null && state.accuracy.at(-1) >= 0.95) report.ms_to_95 = state.ms + performance.now() - now;
    draw();
    if (state.epoch < MAX_EPOCHS) booked = requestAnimationFrame(frame);
    else pause();
  }
  function pause() {
    cancelAnimationFrame(booked);
    state.running = false;
    go.textContent = state.epoch >= MAX_EPOCHS ? 'Done' : 'Go on';
  }
  go.addEventListener('click', () => {
    if (state.running || state.epoch >= MAX_EPOCHS) return pause();
    Object.assign(state, {running: true, last: performance.now()});
    go.textContent = 'Pause';
    booked = requestAnimationFrame(frame);
  });
  $('.pg-reset').addEventListener('click', () => { pause(); reset(); });

  function draw() {
    const n = state.accuracy.length - 1, epochs = Array.from({length: n + 1}, (_, i) => i);
    const c = chart($('canvas.pg-curve'), {x: [0, Math.max(10, n)], y: [0, 1], xlabel: 'epoch'});
    line(c, [0, Math.max(10, n)], [0.95, 0.95], '#ccc', 1);
    line(c, epochs.slice(1), state.epoch_losses, '#ff7f0e');
    line(c, epochs, state.accuracy, '#1f77b4');
    dots(c, epochs.slice(-1), state.accuracy.slice(-1), '#1f77b4');
    legend(c, [['validation accuracy', '#1f77b4'], ['training loss', '#ff7f0e']], [Math.max(10, n), 0.6]);  // where the lines aren't
    const [w] = params, change = w.map((v, i) => v - start[i]);
    const lim = a => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    show_image($('.pg-weights canvas'), w, red_blue(lim(w)));
    show_image($('.pg-change canvas'), change, red_blue(lim(change)));
    const acc = state.accuracy.at(-1), loss = state.epoch_losses.at(-1);
    $('canvas.pg-curve').setAttribute('aria-label', `Chart of validation accuracy over ${state.epoch} epoch${state.epoch === 1 ? '' : 's'}: ` +
      `${state.accuracy[0].toFixed(4)} at the start, ${acc.toFixed(4)} now` + (loss === undefined ? '.' : `; the last epoch's training loss ${loss.toFixed(4)}.`));
    $('.pg-status').textContent = `${state.epoch} epochs` + (state.at ? ` and ${state.at} images` : '') +
      ` in ${(state.ms / 1000).toFixed(1)} s: validation accuracy ${acc.toFixed(4)}.`;
    $('.pg-parity').textContent = state.epoch === 0 ? '' : report.first_epoch === null ?
      'The first epoch ran with other settings than the chapter\'s (learning rate 1, batches of 256).' :
      `After the first epoch: ${report.first_epoch.toFixed(4)} here; chapter 03's loop in Python, on the same ` +
      `pictures from the same start, reached ${data.python_first_epoch.toFixed(4)}.`;
  }
  reset();
}
