"""Make every numbered notebook run wherever a reader opens it: in Colab, downloaded alone, or in a clone.

Each notebook gets, right after its title, a cell that installs mnist37 in Colab and does nothing anywhere else; its
documentation-only import (`nbdev.showdoc`) and its closing `nbdev_export()` are skipped where nbdev is not installed;
and its links to other notebooks point at their pages on the website (the docs build turns them back into relative
links between its own pages). Run it after adding a notebook or a link: `python tools/portable_nbs.py`, then
`nbdev-clean`. `--check` changes nothing and exits 1 if a notebook needs it (tests/test_notebooks_portable.py).
"""
import json, re, sys

from build_docs import ROOT, page_name, settings

COLAB_ID = 'install-in-colab'
SHOWDOC = 'from nbdev.showdoc import *'
EXPORT = "import nbdev\nif nbdev.config.is_nbdev(): nbdev.nbdev_export()"


def colab_cell(repo:str) -> str:
    "The source of the cell that installs mnist37 with the lesson's packages, in Colab only (plain Python, no `%pip`, so tools that parse cells can)"
    return ('#| hide\n# In Google Colab, install mnist37 and the lesson\'s packages first; anywhere else this cell does nothing\n'
            'import subprocess, sys\nif \'google.colab\' in sys.modules:\n'
            f'    subprocess.run([sys.executable, \'-m\', \'pip\', \'install\', \'-q\', \'mnist37[lesson] @ git+{repo}\'], check=True)')


def site_links(md:str, docs_url:str) -> str:
    "Markdown `md` with links to notebooks (`02_sgd.ipynb#x`) pointing at their pages on the site (`{docs_url}sgd.html#x`)"
    return re.sub(r'\]\((\d\d_\w+)\.ipynb(#[^)\s]*)?\)', lambda m: f']({docs_url}{page_name(m[1] + ".ipynb")}.html{m[2] or ""})', md)


def portable(nb:dict, s:dict) -> dict:
    "Notebook `nb` (as JSON) with the Colab cell, the guarded nbdev imports and links to the site"
    src = lambda c: ''.join(c['source'])
    put = lambda c, text: c.update(source=text.splitlines(keepends=True))
    cells = nb['cells']
    if not any(c.get('id') == COLAB_ID for c in cells):
        cells.insert(1, dict(cell_type='code', execution_count=None, id=COLAB_ID, metadata={}, outputs=[], source=[]))
    for c in cells:
        text = src(c)
        if c.get('id') == COLAB_ID: text = colab_cell(s['repo'])
        elif c['cell_type'] == 'markdown': text = site_links(text, s['docs_url'])
        elif c['cell_type'] == 'code':
            text = re.sub(rf'^{re.escape(SHOWDOC)}$', f'try: {SHOWDOC}  # for the docs only: Colab and a download need no nbdev\nexcept ImportError: pass', text, flags=re.M)
            text = text.replace(f'\n{EXPORT}', "\nfrom importlib.util import find_spec\nif find_spec('nbdev'):\n    "
                                + EXPORT.replace('\n', '\n    '))
        if text != src(c): put(c, text)
    return nb


def main(check:bool=False) -> int:
    s, stale = settings(), []
    for path in sorted((ROOT/'nbs').glob('[0-9][0-9]_*.ipynb')):
        old = path.read_text()
        new = json.dumps(portable(json.loads(old), s), indent=1, sort_keys=True, ensure_ascii=False) + '\n'
        if new == old: continue
        stale.append(path.name)
        if not check:
            tmp = path.with_name(f'.{path.name}.tmp')
            tmp.write_text(new); tmp.replace(path)
    if stale: print(('not portable yet: ' if check else 'updated: ') + ', '.join(stale), file=sys.stderr)
    return 1 if check and stale else 0


if __name__ == '__main__': sys.exit(main('--check' in sys.argv))
