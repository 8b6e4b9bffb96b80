// The playground page (playground.md): five panels, each from a module of its own, and each on its own: a file that
// fails to load stops only the panels that need it, and they say which file it was. Everything runs in the browser,
// from files on this site. What the page measures goes into `window.playground`, where its tests read it.
import {fetch_json, import_module} from './load.js';

const report = window.playground = {drawing: {updates: []}, digits: {updates: []}, descent: {}, training: {}, failures: {}};
const here = url => new URL(url, import.meta.url).href;
const $ = id => document.getElementById(id);

// Say in the panel `id` why it can't run ("Could not load cnn.onnx (404), so ..."), and turn its controls off
function fail(id, error) {
  const panel = $(id), p = panel.querySelector('.pg-error');
  const message = error.message.replace(/^./, c => c.toUpperCase());
  p.textContent = `${message}, so this experiment can't run. The rest of the page still works.`;
  p.hidden = false;
  for (const c of panel.querySelectorAll('button, input')) c.disabled = true;
  for (const e of panel.querySelectorAll('.pg-progress, .pg-samples-row')) e.hidden = true;  // nothing is loading
  report.failures[id] = error.message;
}

// The panel `id`, set up by `setup(module)` once `module` (a promise) has loaded
async function panel(id, module, setup) {
  try { await setup(await module); }
  catch (e) { fail(id, e); console.warn(e); }
}

// the modules and the data all at once, so that the linear model can answer as soon as they are here
const modules = Object.fromEntries(['descent.js', 'draw.js', 'digits.js', 'train.js'].map(m => [m, import_module(here(m))]));
for (const m of Object.values(modules)) m.catch(() => {});  // a failure is reported by the panel that needs it
const parabola = panel('pg-parabola', modules['descent.js'], m => m.setup_parabola_panel($('pg-parabola'), report.descent));
let data = null;
try { data = await fetch_json(here('data.json')); }
catch (e) { for (const id of ['pg-draw', 'pg-digits', 'pg-roller-coaster', 'pg-train']) fail(id, e); }
await Promise.all([parabola, ...(data ? [
  panel('pg-draw', modules['draw.js'], m => m.setup_drawing($('pg-draw'), data, report.drawing)),
  panel('pg-digits', modules['digits.js'], m => m.setup_digits($('pg-digits'), data, report.digits)),
  panel('pg-roller-coaster', modules['descent.js'], m => m.setup_roller_coaster_panel($('pg-roller-coaster'), data.roller_coaster, report.descent)),
  panel('pg-train', modules['train.js'], m => m.setup_training($('pg-train'), data, here('digits.bin.gz'), report.training)),
] : [])]);
report.ready = true;
