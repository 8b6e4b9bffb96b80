# Sphinx settings for the mnist37 website. Build it with `make docs` (tools/build_docs.py), which first turns the
# notebooks in nbs/ into the pages this configuration renders. Nothing here reaches the network.
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT/'tools')]
from build_docs import add_docments, project_settings, setup_mathml  # noqa: E402

_s = project_settings(ROOT)
project = _s['name']
author = f'{project} developers'
copyright = f'{author}, under the Apache 2.0 licence'
html_title = project
release = version = __import__(_s['package']).__version__

extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.viewcode']
exclude_patterns = ['.doctrees', '**.ipynb_checkpoints']
suppress_warnings = ['myst.header', 'misc.highlighting_failure']

# myst-nb: show the outputs committed with each notebook; never run a notebook.
nb_execution_mode = 'off'
nb_render_markdown_format = 'myst'
nb_ipywidgets_js = {}  # no widget JavaScript from a CDN
nb_merge_streams = True
myst_enable_extensions = ['attrs_block', 'attrs_inline', 'colon_fence', 'deflist', 'dollarmath', 'smartquotes']
myst_heading_anchors = 3
# math becomes MathML while building (latex2mathml), so pages need no MathJax from a CDN
html_math_renderer = 'mathml'

# API entries: short names, type hints in the signature, docments added as parameter fields.
add_module_names = False
autodoc_typehints = 'signature'
autodoc_member_order = 'bysource'
autodoc_preserve_defaults = True

html_theme = 'sphinx_book_theme'
html_static_path = [str(ROOT/'docs'/'_static')]
html_css_files = ['mnist37.css']
html_favicon = str(ROOT/'docs'/'_static'/'favicon.svg')
html_logo = str(ROOT/'docs'/'_static'/'logo.svg')
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False
html_context = {'default_mode': 'light'}  # plots are drawn on white; the theme button still switches
html_theme_options = {
    'navbar_persistent': [],  # the sidebar has the search box
    'repository_url': _s['repo'],
    'repository_branch': _s['branch'],
    'use_repository_button': bool(_s['repo']),
    'use_download_button': False,
    'use_fullscreen_button': False,
    'show_toc_level': 2,
    'home_page_in_toc': False,  # the logo and name lead home; the landing page's title is the same name
    'logo': {'text': project},
    'footer_content_items': ['copyright.html', 'extra-footer.html'],
    'extra_footer': 'Made from the <a href="https://nbdev.fast.ai">nbdev</a> notebooks in <code>nbs/</code> '
                    'with Sphinx and myst-nb.',
}


def setup(app):
    setup_mathml(app)
    app.connect('autodoc-process-docstring', add_docments)
