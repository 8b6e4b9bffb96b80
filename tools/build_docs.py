"""Build the website into `_docs/` from the notebooks in `nbs/`, with their saved outputs, offline: `make docs`.

nbdev renders docs with Quarto, which this project cannot install, so this feeds the same notebooks to Sphinx (myst-nb,
sphinx-book-theme) after nbdev's own processors. The glue covers what our notebooks use: H1 and `>` summary as title and
lead, `#| echo: false`, `show_doc` as autodoc entries, collapsed check cells (`test_eq`, `assert`), the outputs of
Check yourself questions behind a click (kept by question_outputs.py), chapter numbers in titles, links to notebooks and
to exported names, links to run each chapter, and the sidebar. Each page also gets a markdown twin,
`<page>.html.md`, where nbdev's `Docs:` line in each module points; README.md is the landing page's (make_readme.py).
Sphinx's side is docs/conf.py and docs/_ext/mnist37_docs.py; the playground page comes from build_playground.py.
"""
import argparse, ast, importlib, inspect, json, os, re, shutil, sys
try: import tomllib
except ModuleNotFoundError: import tomli as tomllib  # Python 3.10: tomllib is 3.11's copy of tomli
from pathlib import Path

from nbdev.config import nbpath2html

from build_playground import add_playground
from question_outputs import kept_outputs, questions

ROOT = Path(__file__).resolve().parents[1]

def settings() -> dict:
    "Package name, repository and docs URLs, and branch, from pyproject.toml"
    p = tomllib.loads((ROOT/'pyproject.toml').read_text())
    urls = p['project'].get('urls', {})
    return dict(package=p['project']['name'], repo=urls.get('Repository', '').rstrip('/'),
                docs_url=urls.get('Documentation', ''), branch=p['tool'].get('nbdev', {}).get('branch', 'main'))

def page_name(nb:str|Path) -> str:
    "nbdev's page name for a notebook: `00_data.ipynb` -> `data`"
    return nbpath2html(Path(nb).name).stem

def notebooks(nbs:Path=ROOT/'nbs') -> list:
    "The notebooks that are pages, in order: all but scratch ones (`_name.ipynb`); `index.ipynb` last"
    return sorted((p for p in nbs.glob('*.ipynb') if not p.name.startswith(('_', '.'))), key=lambda p: (p.name == 'index.ipynb', p.name))

def is_appendix(nb:Path) -> bool:
    "Is notebook `nb` an appendix: numbered 90 or more (`91_images.ipynb`)? The lesson's chapters come before"
    return int(re.match(r'\d*', nb.name)[0] or 0) >= 90

def numbered(nb:Path, title:str) -> str:
    "The title of notebook `nb` as the site shows it: a lesson chapter's with its number, `Chapter 01: pixel similarity`"
    n = re.match(r'(\d+)_', nb.name)
    if not n or is_appendix(nb): return title  # the appendices name their letter in their own titles
    first = title.split(' ', 1)[0]
    return f'Chapter {n[1]}: {title if len(first) > 1 and first.isupper() else title[:1].lower() + title[1:]}'  # MNIST stays

def is_check(src:str) -> bool:
    "Does `src` only check things: every statement an `assert`, a `test_*(...)` call, or a for/with block of those?"
    def check(s):
        if isinstance(s, (ast.For, ast.With)): return all(map(check, s.body + getattr(s, 'orelse', [])))
        call = s.value if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) else None
        return isinstance(s, ast.Assert) or getattr(getattr(call, 'func', None), 'id', '').startswith('test_')
    try: body = ast.parse(src).body
    except SyntaxError: return False
    return bool(body) and all(map(check, body))

_re_rel_link = re.compile(r'\]\((?![a-z]+:|#|/)([^)\s#]+)(#[^)\s]*)?\)')

def relink(md:str, f) -> str:
    "Markdown `md` with each relative link target `t` (the part before any `#`) replaced by `f(t)`"
    return _re_rel_link.sub(lambda m: f']({f(m[1])}{m[2] or ""})', md)

def site_relative(md:str) -> str:
    "Links to the site's own chapter pages (`{docs_url}sgd.html#x`, absolute in the notebooks so that they work in Colab) made relative (`sgd.ipynb#x`)"
    url, pages = settings()['docs_url'], {page_name(nb) for nb in notebooks()}
    return re.sub(rf'\]\({re.escape(url)}([\w-]+)\.html(?=[#)])', lambda m: f']({m[1]}.ipynb' if m[1] in pages else m[0], md)

def nb_page(t:str, suffix:str='.ipynb') -> str:
    "Where a link to `t` goes on the site: `01_sgd.ipynb` -> `sgd.ipynb`, which Sphinx resolves to that page"
    return f'{page_name(t)}{suffix}' if t.endswith('.ipynb') else t

def linkify(md:str, targets:dict) -> str:
    "Turn backticked names in `targets` (`{'mnist_loss': 'mnist37.linear.mnist_loss'}`) into cross-references"
    if not targets: return md
    pat = re.compile(rf'(?<![\[\w{{}}])`({"|".join(sorted(map(re.escape, targets), key=len, reverse=True))})(\(\))?`(?![\]\w])')
    # leave code blocks alone, and headings: the anchor older MyST (Python 3.10's) makes of a heading drops a role's text
    parts = re.split(r'(```.*?```|^#{1,6} [^\n]*)', md, flags=re.DOTALL | re.M)
    return ''.join(p if i % 2 else pat.sub(lambda m: f'{{py:obj}}`{m[1]}{m[2] or ""} <{targets[m[1]]}>`', p)
                   for i, p in enumerate(parts))

def autodoc(q:str, obj, anchor:str|None=None, index:bool=True) -> str:
    "MyST for the autodoc entry of `obj`, whose full name is `q`; `index=False` for a second entry of the same object"
    if inspect.isclass(obj): kind = 'autoexception' if issubclass(obj, BaseException) else 'autoclass'
    else: kind = 'autofunction' if callable(obj) else 'py:data'
    opts = ([] if index else [':no-index:']) + ([':members:'] if inspect.isclass(obj) else [])
    if kind == 'py:data':  # autodoc would show the docstring of the value's type: show the value instead
        mod, _, q = q.rpartition('.')
        opts += [f':module: {mod}', f':type: {type(obj).__name__}'] + ([f':value: {obj!r}'] if len(repr(obj)) <= 100 else [])
    head = f'<span id="{anchor}"></span>\n\n' if anchor else ''  # nbdev's anchor, as in `_modidx`, still works
    return head + f'```{{eval-rst}}\n.. {kind}:: {q}\n' + ''.join(f'   {o}\n' for o in opts) + '```'

def run_links(nb:Path, s:dict, download:str, text:str='') -> str:
    "Markdown with links to run notebook `nb` in Colab (unless its own `text` links there), read it on GitHub, download it"
    path = f'{s["branch"]}/nbs/{nb.name}'
    colab = f'https://colab.research.google.com/github/{s["repo"].removeprefix("https://github.com/")}/blob/{path}'
    return ('{.run-links}\nRun this notebook yourself: ' + ('' if f'({colab})' in text else f'[Open in Colab]({colab}) · ') +
            f'[Notebook on GitHub]({s["repo"]}/blob/{path}) · {{download}}`Download the notebook <{download}>`')

def read_page(nb:Path, package:str='mnist37') -> dict:
    """The notebook at `nb` after nbdev's doc processors: title, lead, module (`default_exp`) and cells. Code cells get
    myst-nb tags; `show_doc(f)` cells become `{'cell_type': 'doc', 'name': 'package.module.f', 'obj': f}`."""
    from fastcore.nbio import read_nb
    from nbdev.process import NBProcessor
    from nbdev.processors import FilterDefaults
    # nbdev's own processors, less those that run code (exec_show_docs), hide exported code (rm_export), or write Quarto
    skip = {'insert_warning', 'clean_show_doc', 'exec_show_docs', 'rm_export', 'add_links', 'add_fold'}
    procs = [p for p in FilterDefaults().base_procs() if p.__name__ not in skip]
    proc = NBProcessor(nb=read_nb(nb), procs=procs, process=True)
    fm, module, cells = getattr(proc.nb, 'frontmatter_', {}), None, []
    asks = set(questions(proc.nb.cells))
    for i, c in enumerate(proc.nb.cells):
        d = getattr(c, 'directives_', {})
        if d.get('default_exp'): module = d['default_exp'].split()[0]
        if c.cell_type == 'markdown': cells.append(dict(cell_type='markdown', source=site_relative(c.source)))
        if c.cell_type != 'code' or not (c.source.strip() or c.get('outputs')): continue  # raw: the front matter
        if m := re.fullmatch(r'show_doc\((\w+)\)', c.source.strip()):  # as nbdev adds after each exported function
            obj = getattr(importlib.import_module(f'{package}.{module}'), m[1])
            cells.append(dict(cell_type='doc', name=f'{package}.{module}.{m[1]}', obj=obj)); continue
        outs = c.get('outputs', [])
        if i in asks and not outs:  # a question saved as it should be: its outputs are in its metadata
            try: outs = kept_outputs(c)
            except ValueError as e: raise SystemExit(f'{nb.name}: the question {c.source.strip()!r} {e}')
        tags = (['hide-output'] if i in asks else ['remove-input'] if str(d.get('echo')).lower() == 'false' else
                ['hide-input'] if not outs and is_check(c.source) else [])
        cells.append(dict(cell_type='code', source=c.source.strip('\n'), outputs=outs, tags=tags))
    return dict(path=nb, name=page_name(nb), title=numbered(nb, fm.get('title', page_name(nb))), lead=fm.get('description'),
                module=module, cells=cells)

SHOW = 'Show the output'  # what a question's output hides behind, on the page and in its markdown

def myst_notebook(page:dict, s:dict, syms:dict, download:str|None=None, tail:str='') -> dict:
    "`page` as a notebook for myst-nb: title, run links, autodoc entries, linked names, checks and questions' outputs collapsed; `tail` last"
    targets = {path: q for q, (_, path) in syms.items() if not path.startswith('_')}
    head = f'# {page["title"]}' + (f'\n\n{{.lead}}\n{page["lead"]}' if page['lead'] else '')
    text = '\n'.join(c['source'] for c in page['cells'] if c['cell_type'] == 'markdown')
    cells = [head] + ([run_links(page['path'], s, download, text)] if download else [])
    for c in page['cells']:
        if c['cell_type'] == 'markdown': cells.append(linkify(relink(c['source'], nb_page), targets))
        elif c['cell_type'] == 'doc': cells.append(autodoc(c['name'], c['obj'], syms.get(c['name'], ('',))[0].partition('#')[2]))
        else:
            meta = {'tags': c['tags']}
            if 'hide-input' in c['tags']: meta['mystnb'] = {'code_prompt_show': 'Show the check', 'code_prompt_hide': 'Hide the check'}
            if 'hide-output' in c['tags']: meta['mystnb'] = {'code_prompt_show': SHOW, 'code_prompt_hide': 'Hide the output'}
            cells.append(dict(cell_type='code', source=c['source'], outputs=c['outputs'], metadata=meta, execution_count=None))
    cells = [dict(cell_type='markdown', source=c, metadata={}) if isinstance(c, str) else c for c in cells + [tail]]
    lines = [0]  # where each cell starts: myst-nb otherwise pads each `eval-rst` block with 10,000 blank lines per cell
    for c in cells[:-1]: lines.append(lines[-1] + c['source'].count('\n') + 2)
    for i, c in enumerate(cells): c['id'] = f'cell-{i}'
    return dict(cells=cells, nbformat=4, nbformat_minor=5, metadata=dict(
        source_map=lines, kernelspec=dict(name='python3', display_name='Python 3', language='python'),
        language_info=dict(name='python', pygments_lexer='ipython3')))

def page_markdown(page:dict, link=lambda t: nb_page(t, '.html.md')) -> str:
    "`page` as plain markdown (its `.html.md` twin, and README.md): links to notebooks go to `link(target)`"
    from nbdev.showdoc import show_doc
    out = [f'# {page["title"]}'] + ([f'> {page["lead"]}'] if page['lead'] else [])
    for c in page['cells']:
        if c['cell_type'] == 'markdown': out.append(relink(c['source'], link))
        elif c['cell_type'] == 'doc':  # nbdev's own markdown for it, less the link to the source
            try: md = show_doc(c['obj'])._repr_markdown_()
            except Exception: md = f'### {c["name"]}\n\n{inspect.getdoc(c["obj"])}'  # e.g. an annotation nbdev can't evaluate
            out.append(re.sub(r'^---\s*(\[source\]\([^)]*\)\{[^}]*\}\s*)?', '', md).strip())
        else:
            if 'remove-input' not in c['tags']: out.append(f'```python\n{c["source"]}\n```')
            for o in c['outputs']:
                text = o.get('text') or o.get('data', {}).get('text/markdown') or o.get('data', {}).get('text/plain')
                if not text: continue
                text = ('    ' + ''.join(text).rstrip()).replace('\n', '\n    ')
                out.append(f'<details><summary>{SHOW}</summary>\n\n{text}\n\n</details>' if 'hide-output' in c['tags'] else text)
                break
    return '\n\n'.join(out) + '\n'

def api_page(modules:dict, documented:set) -> str:
    "MyST for the API reference: every export of each module in `modules` (`{name: [pages that build it]}`)"
    out = ['# API reference', '', '{.lead}', 'Everything the notebooks export, module by module.']
    for mod, pages in modules.items():
        m = importlib.import_module(mod)
        out += ['', f'## {mod}', '', (inspect.getdoc(m) or '').split('\n\n')[0], '',
                'Built in ' + ', '.join(f'[{p["title"]}]({p["name"]}.ipynb)' for p in pages) + '.']
        out += ['\n' + autodoc(f'{mod}.{n}', getattr(m, n), index=f'{mod}.{n}' not in documented) for n in m.__all__]
    return '\n'.join(out) + '\n'

def toc(caption:str, names:list) -> str:
    "A hidden toctree for the sidebar: `names` under `caption`"
    return f'```{{toctree}}\n:hidden:\n:caption: {caption}\n:maxdepth: 1\n\n' + '\n'.join(names) + '\n```' if names else ''

def build(out:Path=ROOT/'_docs', proc:Path=ROOT/'_proc', quiet:bool=True) -> Path:
    "Turn the notebooks into pages in `proc`, render them into `out` with Sphinx, and write each page's markdown twin"
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils
    s = settings()
    shutil.rmtree(proc, ignore_errors=True); proc.mkdir()
    with patch_docutils(ROOT/'docs'), docutils_namespace():  # as sphinx-build does
        # the configuration first: it puts this checkout's package first on sys.path, for the pages below too
        app = Sphinx(proc, ROOT/'docs', proc/'.html', proc/'.doctrees', 'html', status=None if quiet else sys.stdout)
        modidx = importlib.import_module(f'{s["package"]}._modidx').d['syms']
        syms = {q: (url, q[len(mod)+1:]) for mod, qs in modidx.items() for q, (url, _) in qs.items()}
        pages = [read_page(nb, s['package']) for nb in notebooks()]
        chapters = [p for p in pages if p['name'] != 'index']
        sidebar = '\n\n'.join([toc('The lesson', [p['name'] for p in chapters if not is_appendix(p['path'])]),
                               toc('Appendix', [p['name'] for p in chapters if is_appendix(p['path'])]),
                               toc('Reference', ['api'])])
        for p in pages:  # the landing page holds the sidebar; each chapter links to its notebook, for downloading
            index = p['name'] == 'index'
            nb = myst_notebook(p, s, syms, None if index else os.path.relpath(p['path'], proc), sidebar if index else '')
            (proc/f'{p["name"]}.ipynb').write_text(json.dumps(nb, indent=1, ensure_ascii=False))
        modules = {}
        for p in (p for p in pages if p['module']): modules.setdefault(f'{s["package"]}.{p["module"]}', []).append(p)
        (proc/'api.md').write_text(api_page(modules, {c['name'] for p in pages for c in p['cells'] if c['cell_type'] == 'doc'}))
        add_playground(proc, proc/'.html')  # its page beside the others, and the files it loads straight into the site
        app.build()
    if app.statuscode: raise SystemExit(f'Sphinx failed (exit {app.statuscode})')
    shutil.rmtree(out, ignore_errors=True)
    shutil.move(proc/'.html', out)  # myst-nb writes output images beside its output folder, so Sphinx wrote into `proc`
    for p in pages: (out/f'{p["name"]}.html.md').write_text(page_markdown(p))
    (out/'.nojekyll').touch()  # GitHub Pages: serve `_static/` as it is
    return out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('-v', '--verbose', action='store_true', help="show Sphinx's progress, not only its warnings")
    print(f'Built the site in {os.path.relpath(build(quiet=not ap.parse_args().verbose))}/')
