"""Sphinx hooks for the mnist37 site: math drawn as MathML at build time, and nbdev's docments and an import line in API
entries.

Listed in `extensions` in docs/conf.py. The pages themselves come from tools/build_docs.py.
"""
import re
from html import escape
from pathlib import Path

from docutils import nodes


def latex_to_mathml(latex:str, block:bool=False) -> str:
    "MathML for `latex`, which browsers draw without MathJax or a network; `<code>` with the LaTeX if it can't convert"
    from latex2mathml.converter import convert
    parts = [p.strip() for p in latex.split('\n\n') if p.strip()] if block else [latex]
    try: return ''.join(convert(p, display='block' if block else 'inline') for p in parts)
    except Exception: return f'<code class="math-fallback">{escape(latex)}</code>'


def _inline(self, node):
    self.body.append(self.starttag(node, 'span', '', CLASS='math notranslate') + latex_to_mathml(node.astext()) + '</span>')
    raise nodes.SkipNode

def _block(self, node):
    from sphinx.util.math import get_node_equation_number
    self.body.append(self.starttag(node, 'div', CLASS='math notranslate'))
    if node.get('number'): self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})</span>')
    self.body.append(latex_to_mathml(node.astext(), block=True) + '</div>\n')
    raise nodes.SkipNode


def md_code_to_rst(s:str) -> str:
    "Markdown code spans (`x`, `Result`s), as nbdev docstrings and docments use them, as reST literals (``x``)"
    # reST wants a literal to end before a space or punctuation: a letter straight after one needs an escaped space
    return re.sub(r'(?<![`\w:])`([^`]+)`(?!`)(\w?)', lambda m: f'``{m[1]}``' + (f'\\ {m[2]}' if m[2] else ''), s)


def add_docments(app, what, name, obj, options, lines):
    "autodoc hook: after the docstring, each parameter's docment (the comment after it) and the return's, as fields"
    if what not in ('function', 'method', 'class', 'exception'): return
    from fastcore.docments import docments
    try: docs = docments(obj, full=False)
    except Exception: return
    fields = [f':param {k}: {v}' for k, v in docs.items() if k != 'return' and v]
    if docs.get('return'): fields.append(f':returns: {docs["return"]}')
    if fields: lines += ([''] if lines and lines[-1] else []) + fields
    lines[:] = [md_code_to_rst(l) for l in lines]


def add_import_line(app, domain, objtype, contentnode):
    "Under the signature of each module-level function, class or constant, the line that imports it, ready to copy"
    from sphinx import addnodes
    if domain != 'py' or objtype not in ('function', 'class', 'exception', 'data'): return
    sig = next((n for n in contentnode.parent.children if isinstance(n, addnodes.desc_signature)), None)
    if sig is None or not sig.get('module') or sig.get('class'): return  # a method, or no module to import from
    line = f'from {sig["module"]} import {sig["fullname"]}'
    contentnode.insert(0, nodes.literal_block(line, line, language='python', classes=['import-line']))


# The import line is a small, quiet block: it is there to copy, not to read first
CSS = 'div.import-line { margin: 0.1em 0 0.6em; } div.import-line pre { padding: 0.25em 0.75em; font-size: 0.85em; }\n'

def write_css(app, exc):
    "After an HTML build, the style sheet of this extension's own blocks, beside the theme's"
    if exc is None and app.builder.format == 'html': (Path(app.outdir)/'_static'/'mnist37-docs.css').write_text(CSS)


def setup(app):
    app.add_html_math_renderer('mathml', (_inline, None), (_block, None))  # conf.py: html_math_renderer = 'mathml'
    app.connect('autodoc-process-docstring', add_docments)
    app.connect('object-description-transform', add_import_line)
    app.add_css_file('mnist37-docs.css')
    app.connect('build-finished', write_css)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
