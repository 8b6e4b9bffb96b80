"""What the playground costs a reader's connection: the files the browser test saw it load (recorded in
screenshots/playground-budget.json by tests/test_site_access.py), as stored, and as a host that compresses would send
them (gzip level 9 from Python, brotli quality 11 from Node's zlib). Run after `make test`: `python tools/transfer_size.py`.
Compressing 18 MB at the highest levels takes tens of seconds, so it is measured here and not in the tests."""
import gzip, json, os, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET, DOCS = ROOT/'screenshots'/'playground-budget.json', ROOT/'_docs'
ALREADY_COMPRESSED = ('.gz', '.png', '.woff2')  # a host sends these as they are


def main() -> int:
    if not BUDGET.is_file() or 'loaded_files' not in (b := json.loads(BUDGET.read_text())):
        print(f'transfer_size: no list of loaded files in {BUDGET}: run tests/test_site_access.py first', file=sys.stderr)
        return 2
    files = [DOCS/p for p in b['loaded_files'] if (DOCS/p).is_file()]
    squeeze = [f for f in files if f.suffix not in ALREADY_COMPRESSED]
    kept = sum(f.stat().st_size for f in files if f not in squeeze)
    out = dict(megabytes_stored=sum(f.stat().st_size for f in files) / 1e6,
               megabytes_gzip=(kept + sum(len(gzip.compress(f.read_bytes(), 9)) for f in squeeze)) / 1e6)
    if node := shutil.which('node'):
        br = subprocess.run([node, '-e', '''const z = require('zlib'), fs = require('fs'); let n = 0;
          for (const f of JSON.parse(process.argv[1]))
            n += z.brotliCompressSync(fs.readFileSync(f), {params: {[z.constants.BROTLI_PARAM_QUALITY]: 11}}).length;
          console.log(n);''', json.dumps([str(f) for f in squeeze])], capture_output=True, text=True, check=True)
        out['megabytes_brotli'] = (kept + int(br.stdout)) / 1e6
    print(f"{len(files)} files: {out['megabytes_stored']:.2f} MB stored, {out['megabytes_gzip']:.2f} MB gzip"
          + (f", {out['megabytes_brotli']:.2f} MB brotli" if 'megabytes_brotli' in out else ' (no Node: no brotli)'))
    tmp = BUDGET.with_suffix('.tmp')
    with open(tmp, 'w') as f: f.write(json.dumps(b | out, indent=1)); f.flush(); os.fsync(f.fileno())
    tmp.replace(BUDGET)
    return 0


if __name__ == '__main__': sys.exit(main())
