"""Build the documentation website into `_docs/` from the committed notebooks in `nbs/`, offline.

nbdev renders its docs with Quarto, which isn't available here, so this script feeds the same notebooks to Sphinx
(myst-nb + sphinx-book-theme). It runs nbdev's own notebook processors (the ones `nbdev-proc-nbs` uses), then a little
glue turns what is left of Quarto's syntax into what myst-nb understands:

- `#| hide` cells and `#| default_exp` go; `#| export` code stays on the page; `#| echo: false`, `#| output: false`,
  `#| include: false` and `#| code-fold` become myst-nb cell tags; no `#|` line reaches a page.
- The H1 title and `>` summary (nbdev's front matter) become the page's title and lead paragraph.
- `show_doc(...)` cells, including the ones nbdev adds after each exported function, become autodoc entries: the
  signature, the docstring, and each parameter's docment (see `add_docments`).
- Quarto callouts (`::: {.callout-note}`) become MyST admonitions; other fenced divs are unwrapped.
- Links to `NN_name.ipynb` point at nbdev's page names (`name.html`); backticked names of exported symbols link to
  their docs, like nbdev's doclinks.
- Every chapter gets links to run it (Colab), read it on GitHub, or download it; the landing page gets the sidebar's
  table of contents; `api.md` lists every exported symbol, module by module.

Notebooks are never executed: their committed outputs are what the pages show. Run it with `make docs`.
"""
from __future__ import annotations

import argparse, ast, importlib, inspect, os, re, shutil, sys, time, tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------------------------
# Small, pure helpers (unit-tested in tests/test_build_docs.py)

def page_name(nb_name:str) -> str:
    "nbdev's page name for a notebook file name: `00_data.ipynb` -> `data` (as in `nbdev.config.nbpath2html`)"
    return re.sub(r'^\d+[a-zA-Z0-9]*_', '', Path(nb_name).stem.lower())

_re_nb_link = re.compile(r'\]\((?!\w+://)([^)\s#]*?)([^)\s#/]+)\.ipynb(#[^)\s]*)?\)')

def fix_nb_links(md:str) -> str:
    "Point markdown links to `NN_name.ipynb` at the page nbdev names `name` (Sphinx resolves `name.ipynb` to it)"
    return _re_nb_link.sub(lambda m: f']({m[1]}{page_name(m[2])}.ipynb{m[3] or ""})', md)

_callouts = {'note', 'tip', 'warning', 'important', 'caution'}
_re_fence = re.compile(r'^(:{3,})\s*(\{[^}]*\})?\s*$')

def quarto_divs(md:str) -> str:
    "Turn Quarto fenced divs into MyST: callouts become admonitions, any other div is unwrapped"
    out, stack = [], []
    for line in md.split('\n'):
        m = _re_fence.match(line)
        if not m: out.append(line); continue
        attrs = m[2] or ''
        if attrs:  # an opening fence
            kind = re.search(r'\.callout-(\w+)', attrs)
            kind = kind[1] if kind and kind[1] in _callouts else None
            stack.append(kind)
            if kind:
                title = re.search(r'title\s*=\s*"([^"]*)"', attrs)
                out.append(f':::{{admonition}} {title[1]}\n:class: {kind}' if title else f':::{{{kind}}}')
        elif stack:  # a closing fence
            if stack.pop(): out.append(':::')
        # a stray `:::` with nothing open is dropped
    return '\n'.join(out)

_re_code_span = re.compile(r'(```.*?```|~~~.*?~~~)', re.DOTALL)

def linkify(md:str, targets:dict) -> str:
    "Turn backticked names in `targets` (`{'mnist_loss': 'mnist37.linear.mnist_loss'}`) into cross-references"
    if not targets: return md
    names = '|'.join(sorted(map(re.escape, targets), key=len, reverse=True))
    pat = re.compile(rf'(?<![\[\w{{}}])`({names})(\(\))?`(?![\]\w])')
    def sub(m): return f'{{py:obj}}`{m[1]}{m[2] or ""} <{targets[m[1]]}>`'
    parts = _re_code_span.split(md)  # leave fenced code blocks alone
    return ''.join(p if i % 2 else pat.sub(sub, p) for i, p in enumerate(parts))

def title_cell_source(fm:dict) -> str:
    "Markdown for a page's title and summary, from nbdev's front matter (`title`, `description`)"
    src = f"# {fm['title']}"
    if fm.get('description'): src += f"\n\n{{.lead}}\n{fm['description']}"
    return src

def run_links_source(nb_path:str, repo:str, branch:str='main', download:str|None=None) -> str:
    "Markdown with links to run the notebook at `nb_path` (repo-relative) in Colab, read it on GitHub, and download it"
    user_repo = repo.rstrip('/').removeprefix('https://github.com/')
    links = [f'[Open in Colab](https://colab.research.google.com/github/{user_repo}/blob/{branch}/{nb_path})',
             f'[Notebook on GitHub]({repo.rstrip("/")}/blob/{branch}/{nb_path})']
    if download: links.append(f'{{download}}`Download the notebook <{download}>`')
    return '{.run-links}\nRun this chapter yourself: ' + ' · '.join(links)

# Quarto cell options that mean something for a page, and the myst-nb tag each becomes (nbdev reads `: true` as '')
_option_tags = {('echo', 'false'): 'remove-input', ('output', 'false'): 'remove-output',
                ('include', 'false'): 'remove-cell', ('code-fold', ''): 'hide-input', ('code-fold', 'true'): 'hide-input',
                ('code-fold', 'show'): 'hide-input'}

def cell_tags(directives:dict) -> list:
    "myst-nb tags for a code cell's nbdev/Quarto `directives` (`{'echo': 'false'}` -> `['remove-input']`)"
    return sorted({t for (k, v), t in _option_tags.items() if k in directives and str(directives[k]).lower() == v})

_re_dir_line = re.compile(r'^\s*#\s*\|.*$\n?', re.MULTILINE)

def strip_directive_lines(src:str) -> str:
    "Remove every `#| ...` line left in code (nbdev removes the leading ones; this catches the rest)"
    return _re_dir_line.sub('', src)

def showdoc_name(src:str) -> str|None:
    "The documented name in a `show_doc(name, ...)` cell, as nbdev's processors read it, else None"
    try: tree = ast.parse(src).body
    except SyntaxError: return None
    if len(tree) != 1 or not isinstance(tree[0], ast.Expr) or not isinstance(tree[0].value, ast.Call): return None
    call = tree[0].value
    if getattr(call.func, 'id', None) != 'show_doc' or not call.args: return None
    try: return ast.unparse(call.args[0])
    except Exception: return None

def autodoc_source(qualname:str, obj, anchor:str|None=None, index:bool=True, members:bool=False) -> str:
    "A MyST autodoc directive for `obj`, whose full dotted name is `qualname`"
    if inspect.isclass(obj): kind = 'autoexception' if issubclass(obj, BaseException) else 'autoclass'
    elif '.' in obj_path(qualname) and not inspect.ismodule(obj): kind = 'automethod' if callable(obj) else 'autoattribute'
    elif callable(obj): kind = 'autofunction'
    else: kind = 'autodata'
    opts = ([] if index else [':no-index:']) + ([':members:'] if members and kind in ('autoclass', 'autoexception') else [])
    if kind == 'autodata':  # autodoc would show the docstring of the value's type; show the name and value instead
        mod, _, qualname = qualname.rpartition('.')
        kind = 'py:data'
        opts += [f':module: {mod}', f':type: {type(obj).__name__}'] + ([f':value: {obj!r}'] if len(repr(obj)) <= 100 else [])
    head = f'<span id="{anchor}"></span>\n\n' if anchor else ''
    # autodoc writes reStructuredText, so it goes through `eval-rst`
    return head + f'```{{eval-rst}}\n.. {kind}:: {qualname}\n' + ''.join(f'   {o}\n' for o in opts) + '```'

def obj_path(qualname:str) -> str:
    "The part of `mnist37.mod.Class.meth` after the module: `Class.meth`"
    parts = qualname.split('.')
    for i in range(len(parts), 0, -1):
        if '.'.join(parts[:i]) in sys.modules: return '.'.join(parts[i:])
    return parts[-1]

def add_docments(app, what, name, obj, options, lines):
    "autodoc hook: after the docstring, list each parameter's docment (and the return's) as Sphinx fields"
    if what not in ('function', 'method', 'class', 'exception'): return
    from fastcore.docments import docments
    try: docs = docments(obj, full=False)
    except Exception: return
    fields = [f':param {k}: {v}' for k, v in docs.items() if k != 'return' and v]
    if docs.get('return'): fields.append(f':returns: {docs["return"]}')
    if fields: lines += ([''] if lines and lines[-1] else []) + fields
    lines[:] = [md_code_to_rst(l) for l in lines]

def latex_to_mathml(latex:str, block:bool=False) -> str:
    "MathML for `latex`, which browsers draw without MathJax or a network; `<code>` with the LaTeX if it can't convert"
    from html import escape
    from latex2mathml.converter import convert
    parts = [p.strip() for p in latex.split('\n\n') if p.strip()] if block else [latex]
    try: return ''.join(convert(p, display='block' if block else 'inline') for p in parts)
    except Exception: return f'<code class="math-fallback">{escape(latex)}</code>'

def setup_mathml(app):
    "Register `mathml` as Sphinx's HTML math renderer: math becomes MathML at build time (`html_math_renderer`)"
    from docutils import nodes
    def inline(self, node):
        self.body.append(self.starttag(node, 'span', '', CLASS='math notranslate'))
        self.body.append(latex_to_mathml(node.astext()) + '</span>'); raise nodes.SkipNode
    def block(self, node):
        self.body.append(self.starttag(node, 'div', CLASS='math notranslate'))
        if node.get('number'):
            from sphinx.util.math import get_node_equation_number
            self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})</span>')
        self.body.append(latex_to_mathml(node.astext(), block=True) + '</div>\n'); raise nodes.SkipNode
    app.add_html_math_renderer('mathml', (inline, None), (block, None))

def md_code_to_rst(s:str) -> str:
    "Markdown code spans (`x`), as nbdev docstrings and docments use them, as reST literals (``x``)"
    return re.sub(r'(?<![`\w:])`([^`]+)`(?![`_\w])', r'``\1``', s)

# ---------------------------------------------------------------------------------------------------------------
# Notebooks -> pages

def project_settings(root:Path=ROOT) -> dict:
    "Name, summary, repository URL and branch, from pyproject.toml"
    p = tomllib.loads((root/'pyproject.toml').read_text())
    proj, nbd = p['project'], p.get('tool', {}).get('nbdev', {})
    urls = proj.get('urls', {})
    return dict(name=nbd.get('title', proj['name']), package=proj['name'], description=proj.get('description', ''),
                repo=urls.get('Repository', urls.get('Homepage', '')), branch=nbd.get('branch', 'main'),
                docs_url=urls.get('Documentation', ''))

def chapter_notebooks(nbs:Path) -> list:
    "Notebooks that are chapters, in order: everything but `index.ipynb` and names starting with `_` or `.`"
    return sorted(p for p in nbs.glob('*.ipynb') if p.name != 'index.ipynb' and p.name[0] not in '_.')

def symbol_index(package:str) -> dict:
    "`{'mnist37.data.mnist_sample': ('data.html#mnist_sample', 'mnist_sample'), ...}`: nbdev's `_modidx` as url, name"
    try: modidx = importlib.import_module(f'{package}._modidx')
    except ImportError: return {}
    return {k: (v[0], k[len(mod)+1:]) for mod, syms in modidx.d['syms'].items() for k, v in syms.items()}

def resolve(qualname:str):
    "Import the module part of `qualname` and return the object it names, or None"
    parts = qualname.split('.')
    for i in range(len(parts)-1, 0, -1):
        try: obj = importlib.import_module('.'.join(parts[:i]))
        except ImportError: continue
        try:
            for a in parts[i:]: obj = getattr(obj, a)
            return obj
        except AttributeError: return None
    return None

def find_symbol(name:str, module:str|None, syms:dict, package:str) -> str|None:
    "Full dotted name for a `show_doc` argument: in the notebook's module first, then anywhere in the package"
    if module and f'{package}.{module}.{name}' in syms: return f'{package}.{module}.{name}'
    hits = [k for k, (_, path) in syms.items() if path == name]
    if len(hits) == 1: return hits[0]
    if module and resolve(f'{package}.{module}.{name}') is not None: return f'{package}.{module}.{name}'
    return None

def _strip_pandoc_attrs(md:str) -> str:
    "Drop Pandoc `{...}` attributes that nbdev puts after links in `show_doc` markdown"
    return re.sub(r'(\]\([^)]*\))\{[^}]*\}', r'\1', md)

def notebook_module(nb) -> str|None:
    "The `#| default_exp` module of a notebook read with `read_nb`"
    return next((c.directives['default_exp'].split()[0] for c in nb.cells
                 if c.cell_type == 'code' and c.directives.get('default_exp')), None)

def link_targets(syms:dict) -> dict:
    "`{'mnist_loss': 'mnist37.linear.mnist_loss', 'BasicOptim.step': ...}`: the public names docs can link to"
    return {path: q for q, (_, path) in syms.items() if path and not any(p.startswith('_') for p in path.split('.'))}

def process_notebook(path:Path, settings:dict, syms:dict, documented:dict) -> dict:
    """Run nbdev's doc processors and the glue on the notebook at `path`; return the notebook as a dict for myst-nb.
    `documented` maps each symbol given an indexed entry so far to its page, and is updated."""
    from fastcore.nbio import read_nb, mk_cell, nb2dict
    from nbdev.process import NBProcessor
    from nbdev import processors as P
    from nbdev.frontmatter import FrontmatterProc

    def rm_default_exp(cell):  # nbdev's `rm_export`, less the part that hides exported code
        if cell.cell_type == 'code' and 'default_exp' in cell.directives_: del cell['source']

    # nbdev's doc processors (`FilterDefaults.base_procs`), less the Quarto-only ones and those replaced by glue:
    # exec_show_docs (no execution), rm_export (exported code stays visible), add_links/add_fold/clean_show_doc/
    # insert_warning (Quarto syntax).
    procs = [FrontmatterProc, P.populate_language, P.add_show_docs, P.strip_ansi, P.hide_line, P.filter_stream_,
             P.rm_header_dash, rm_default_exp, P.ai_magics, P.clean_magics, P.hide_, P.mv_exports, P.strip_hidden_metadata]
    nb = read_nb(path)
    module = notebook_module(nb)
    NBProcessor(nb=nb, procs=procs, rm_directives=True, process=True)
    fm = dict(getattr(nb, 'frontmatter_', {}) or {})
    package, page = settings['package'], page_name(path.name)
    targets = link_targets(syms)

    cells = []
    for c in nb.cells:
        if c.cell_type == 'raw' and not cells and c.source.lstrip().startswith('---'): continue  # front matter
        if c.cell_type == 'markdown':
            cells.append(mk_cell(linkify(fix_nb_links(quarto_divs(c.source)), targets), 'markdown')); continue
        if c.cell_type != 'code': cells.append(c); continue
        nm = showdoc_name(c.source)
        if nm:
            q = find_symbol(nm, module, syms, package)
            obj = resolve(q) if q else None
            if obj is not None:
                anchor = syms.get(q, ('',))[0].partition('#')[2] or None
                cells.append(mk_cell(autodoc_source(q, obj, anchor, index=q not in documented), 'markdown'))
                documented.setdefault(q, page)
                continue
            # not ours (e.g. a fastai class): show the committed show_doc output, without its code
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md: o['data']['text/markdown'] = _strip_pandoc_attrs(''.join(md))
            c.directives_ = {**c.directives_, 'echo': 'false'}
        if str(c.directives_.get('include', '')).lower() == 'false': continue
        if str(c.directives_.get('output', '')).lower() == 'asis':  # printed markdown is shown as markdown
            for o in c.get('outputs', []):
                if o.get('output_type') == 'stream':
                    text = o.get('text', ''); o.clear()
                    o.update(output_type='display_data', metadata={}, data={'text/markdown': ''.join(text)})
        tags = cell_tags(c.directives_)
        if tags: c.setdefault('metadata', {})['tags'] = sorted(set(c.metadata.get('tags', [])) | set(tags))
        c.source = strip_directive_lines(c.source).strip('\n')
        if not c.source and not c.get('outputs'): continue
        cells.append(c)

    head = [mk_cell(title_cell_source(fm), 'markdown')] if fm.get('title') else []
    if path.name != 'index.ipynb' and settings.get('repo'):
        p = path.resolve()
        nb_rel = p.relative_to(ROOT).as_posix() if p.is_relative_to(ROOT) else f'nbs/{path.name}'
        head.append(mk_cell(run_links_source(nb_rel, settings['repo'], settings['branch'],
                                             settings.get('download', {}).get(path.name)), 'markdown'))
    nb.cells = head + cells
    for k in ('widgets', 'jupytext'): nb.metadata.pop(k, None)  # no widget JS from a CDN
    nb.metadata.setdefault('kernelspec', {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'})
    nb.metadata.setdefault('language_info', {'name': 'python', 'pygments_lexer': 'ipython3'})
    d = nb2dict(nb)
    d['nbformat'], d['nbformat_minor'] = 4, 5
    d['metadata']['mnist37_module'] = module
    for i, cell in enumerate(d['cells']):
        cell.setdefault('id', f'cell-{i}')
        if cell['cell_type'] != 'code': cell.pop('outputs', None); cell.pop('execution_count', None)
    return d

def one_line_doc(obj) -> str:
    "The first line of `obj`'s own docstring, safe inside a markdown table cell"
    doc = (obj.__doc__ if inspect.isclass(obj) else inspect.getdoc(obj)) or ''
    return doc.strip().split('\n')[0].replace('|', '\\|')

def toc_source(pages:list, caption:str) -> str:
    "A hidden MyST toctree listing `pages` (docnames) under `caption`, for the sidebar"
    return f'```{{toctree}}\n:hidden:\n:caption: {caption}\n:maxdepth: 1\n\n' + ''.join(p+'\n' for p in pages) + '```'

def api_page(modules:list, documented:dict, chapters:dict, settings:dict) -> str:
    "MyST source of the API reference: every public symbol of each module in `modules`, with its docs"
    out = ['# API reference', '',
           '{.lead}', f'Every function and class that the chapters export into the `{settings["package"]}` package, '
           'module by module. Each entry links to the chapter that builds it.', '']
    for mod in modules:
        m = importlib.import_module(mod)
        names = getattr(m, '__all__', None) or [n for n in vars(m) if not n.startswith('_')]
        out += [f'## {mod}', '']
        summary = (inspect.getdoc(m) or '').split('\n\n')[0].strip()
        if summary: out += [summary, '']
        ch = chapters.get(mod)
        if ch: out += [f'Built in the chapter [{ch[1]}]({ch[0]}.ipynb).', '']
        objs = [(n, getattr(m, n)) for n in names if hasattr(m, n)]
        rows = [f'| {{py:obj}}`{n} <{mod}.{n}>` | {one_line_doc(o)} |' for n, o in objs if callable(o)]
        if rows: out += ['| name | what it does |', '|---|---|', *rows, '']
        for n, obj in objs: out += [autodoc_source(f'{mod}.{n}', obj, index=f'{mod}.{n}' not in documented, members=True), '']
    return '\n'.join(out)

# ---------------------------------------------------------------------------------------------------------------

def write_nb_json(d:dict, path:Path):
    import json
    path.write_text(json.dumps(d, indent=1, ensure_ascii=False))

def build(out:Path=ROOT/'_docs', proc:Path=ROOT/'_proc', nbs:Path=ROOT/'nbs', quiet:bool=False, verbose:bool=False) -> Path:
    "Process every notebook in `nbs` into `proc`, then render the site into `out` with Sphinx"
    from sphinx.cmd.build import build_main
    t0 = time.perf_counter()
    settings = project_settings()
    if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))
    syms = symbol_index(settings['package'])
    if proc.exists(): shutil.rmtree(proc)
    proc.mkdir(parents=True)
    for f in nbs.rglob('*'):  # images and other files the notebooks refer to
        rel = f.relative_to(nbs)
        if f.is_file() and f.suffix != '.ipynb' and not any(p[0] in '._' for p in rel.parts):
            (proc/rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, proc/rel)

    chapters = chapter_notebooks(nbs)
    settings['download'] = {p.name: Path(os.path.relpath(p.resolve(), proc.resolve())).as_posix() for p in chapters}
    documented, pages, chapter_of = {}, [], {}
    for p in chapters:  # chapters first, so that their entries are the indexed ones
        d = process_notebook(p, settings, syms, documented)
        name = page_name(p.name)
        write_nb_json(d, proc/f'{name}.ipynb')
        title = ''.join(next((c['source'] for c in d['cells'] if c['cell_type'] == 'markdown'), name))
        title = title.split('\n')[0].lstrip('#').strip()
        pages.append(name)
        if d['metadata'].get('mnist37_module'): chapter_of[f'{settings["package"]}.{d["metadata"]["mnist37_module"]}'] = (name, title)

    mods = {q.rsplit('.', 1)[0] for q in syms} | set(chapter_of)
    mods = [m for m in mods if resolve(m) is not None and inspect.ismodule(resolve(m))]
    order = list(chapter_of)
    mods.sort(key=lambda m: (order.index(m) if m in order else len(order), m))
    (proc/'api.md').write_text(api_page(mods, documented, chapter_of, settings))

    toc = toc_source(pages, 'Chapters') + '\n\n' + toc_source(['api'], 'Reference')
    index = nbs/'index.ipynb'
    if index.exists():
        d = process_notebook(index, settings, syms, dict(documented))
        d['cells'].append({'cell_type': 'markdown', 'id': 'sidebar-toc', 'metadata': {}, 'source': toc})
        write_nb_json(d, proc/'index.ipynb')
    else:  # no landing notebook yet: a plain page listing the chapters
        items = ''.join(f'- [{n}]({n}.ipynb)\n' for n in pages)
        (proc/'index.md').write_text(f'# {settings["name"]}\n\n{{.lead}}\n{settings["description"]}\n\n'
                                     f'## Chapters\n\n{items}\n{toc}\n')

    # myst-nb writes output images beside the output folder, so render inside `proc` and move the result
    html = proc/'.html'
    args = ['-b', 'html', '-c', str(ROOT/'docs'), '-d', str(proc/'.doctrees'), str(proc), str(html)]
    if not verbose: args.insert(0, '-q')  # Sphinx's warnings still show
    rc = build_main(args)
    if rc: raise SystemExit(f'sphinx-build failed (exit {rc})')
    if out.exists(): shutil.rmtree(out)
    shutil.move(html, out)
    (out/'.nojekyll').touch()  # GitHub Pages: serve `_static/` as is
    if not quiet: print(f'Built {len(pages)+2} pages (the landing page, {len(pages)} chapters, the API reference) '
                        f'into {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/ in {time.perf_counter()-t0:.0f}s')
    return out

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--out', type=Path, default=ROOT/'_docs', help='where to write the site (default: _docs/)')
    ap.add_argument('-q', '--quiet', action='store_true', help='print only warnings and errors')
    ap.add_argument('-v', '--verbose', action='store_true', help="show Sphinx's progress too")
    a = ap.parse_args(argv)
    build(out=a.out.resolve(), quiet=a.quiet, verbose=a.verbose)

if __name__ == '__main__': main()
