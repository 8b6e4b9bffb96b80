// The playground page (playground.md): three experiments, each in a module of its own. Everything runs in the
// browser, from files on this site. What the page measures goes into `window.playground`, where its test reads it.
import {setup_descent} from './descent.js';
import {setup_drawing} from './draw.js';
import {setup_training} from './train.js';

const report = window.playground = {drawing: {updates: []}, descent: {}, training: {}};
const here = url => new URL(url, import.meta.url).href;
const $ = id => document.getElementById(id);

try {
  const data = await (await fetch(here('data.json'))).json();
  setup_descent($('pg-parabola'), $('pg-roller-coaster'), data.roller_coaster, report.descent);
  await Promise.all([setup_drawing($('pg-draw'), data.linear, report.drawing),
                     setup_training($('pg-train'), data, here('digits.bin.gz'), report.training)]);
  report.ready = true;
} catch (e) {
  for (const el of document.querySelectorAll('.pg-failed')) el.hidden = false;
  throw e;  // and onto the console
}
