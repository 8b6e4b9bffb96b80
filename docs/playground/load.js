// Fetching the page's files so that a failure says which file and why: "could not load cnn.onnx (404)". Every fetch
// checks the server's status and, where the build wrote it down (data.json's `sizes`), the number of bytes.

export class LoadError extends Error {
  constructor(file, why) { super(`could not load ${file} (${why})`); this.file = file; }
}

// The last part of a URL's path: the name a reader can look for
export const file_name = url => new URL(url).pathname.split('/').pop();

async function get(url) {
  let res;
  try { res = await fetch(url); } catch { throw new LoadError(file_name(url), 'no answer from the server'); }
  if (!res.ok) throw new LoadError(file_name(url), res.status);
  return res;
}

// The bytes at `url`, `expected` of them if given; `on_progress(bytes so far, expected)` as they arrive
export async function fetch_bytes(url, {expected = null, on_progress = null} = {}) {
  const res = await get(url), reader = res.body.getReader(), parts = [];
  let got = 0;
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    parts.push(value); got += value.length;
    on_progress?.(got, expected);
  }
  if (expected !== null && got !== expected) throw new LoadError(file_name(url), `${got.toLocaleString('en')} bytes, not ${expected.toLocaleString('en')}`);
  const bytes = new Uint8Array(got);
  let at = 0;
  for (const p of parts) { bytes.set(p, at); at += p.length; }
  return bytes;
}

// The JSON at `url`
export async function fetch_json(url) {
  const res = await get(url);
  try { return await res.json(); } catch { throw new LoadError(file_name(url), 'not JSON'); }
}

// A module, imported; when that fails, the server's status for it says why, where it can be found
export async function import_module(url) {
  try { return await import(url); }
  catch (e) {
    let status = 'it did not run';
    try { const res = await fetch(url, {method: 'HEAD'}); if (!res.ok) status = res.status; } catch { status = 'no answer from the server'; }
    throw new LoadError(file_name(url), status);
  }
}

// Megabytes, as the progress line gives them: 3.1
export const mb = bytes => (bytes / 1e6).toFixed(1);
