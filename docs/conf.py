# Sphinx settings for the mnist37 website. `make docs` (tools/build_docs.py) turns the notebooks in nbs/ into the pages
# and runs Sphinx with this configuration. Nothing here, and nothing on the pages, reaches the network.
import sys
try: import tomllib
except ModuleNotFoundError: import tomli as tomllib  # Python 3.10: tomllib is 3.11's copy of tomli
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout first: autodoc documents its mnist37 whatever else is installed, and our extension imports from here.
sys.path.insert(0, str(ROOT))

_p = tomllib.loads((ROOT/'pyproject.toml').read_text())
project = _p['project']['name']
author = f'{project} developers'
copyright = f'{author}, under the Apache 2.0 licence'
html_title = project
release = version = __import__(project).__version__

extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx.ext.viewcode', 'docs._ext.mnist37_docs']
exclude_patterns = ['.doctrees', '.html', '**.ipynb_checkpoints']
suppress_warnings = ['myst.header', 'misc.highlighting_failure']

# myst-nb: show the outputs committed with each notebook; never run a notebook.
nb_execution_mode = 'off'
nb_render_markdown_format = 'myst'
nb_ipywidgets_js = {}  # no widget JavaScript from a CDN
nb_merge_streams = True
myst_enable_extensions = ['attrs_block', 'attrs_inline', 'colon_fence', 'dollarmath', 'smartquotes']
myst_heading_anchors = 3
if int(__import__('myst_parser').__version__.split('.')[0]) < 5:
    # Python 3.10's MyST (4.x) finds `page#anchor` only among heading slugs: make those the section ids, which the links
    # use and which MyST 5 also finds
    myst_heading_slug_func = 'docutils.nodes.make_id'  # a name, not the function, so that Sphinx can cache the settings
html_math_renderer = 'mathml'  # drawn while building (docs/_ext), so pages need no MathJax from a CDN

# API entries: short names, type hints in the signature, docments added as parameter fields (docs/_ext).
add_module_names = False
autodoc_typehints = 'signature'
autodoc_member_order = 'bysource'
autodoc_preserve_defaults = True

html_theme = 'sphinx_book_theme'
templates_path = ['_templates']
# the theme's sidebar, and below its table of contents a link to the playground page (tools/build_playground.py)
html_sidebars = {'**': ['navbar-logo.html', 'icon-links.html', 'search-button-field.html', 'sbt-sidebar-nav.html',
                        'playground-link.html']}
html_static_path = ['_static']
html_css_files = ['mnist37.css']
html_favicon = '_static/favicon.svg'
html_logo = '_static/logo.svg'
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False
html_context = {'default_mode': 'auto'}  # the reader's system setting (prefers-color-scheme); the theme button still switches
html_theme_options = {
    'navbar_persistent': [],  # the sidebar has the search box
    'repository_url': _p['project']['urls']['Repository'],
    'repository_branch': _p['tool']['nbdev'].get('branch', 'main'),
    'use_repository_button': True,
    'use_download_button': False,
    'use_fullscreen_button': False,
    'show_toc_level': 2,
    'home_page_in_toc': False,  # the logo and name lead home; the landing page's title is the same name
    'logo': {'text': project},
    'footer_content_items': ['copyright.html', 'extra-footer.html'],
    'extra_footer': 'Made from the <a href="https://nbdev.fast.ai">nbdev</a> notebooks in <code>nbs/</code> '
                    'with Sphinx and myst-nb.',
}


# Two touches to every page's HTML, once Sphinx has written its body:
# - myst-nb names each collapsed check cell's toggle "Toggle hidden content", which a screen reader reads instead of its
#   visible "Show the check": without that label the toggle is named by the words it shows.
# - a link to a page of this site by its published address (the landing page is also the README, which needs those)
#   becomes relative, so that a local build or a copy on another host stays on itself.
_DOCS_URL = _p['project']['urls']['Documentation'].rstrip('/') + '/'

def _page_touches(app, pagename, templatename, context, doctree):
    if 'body' not in context: return
    body = context['body'].replace('<summary aria-label="Toggle hidden content">', '<summary>')
    up = '../' * pagename.count('/')
    context['body'] = body.replace(f'href="{_DOCS_URL}', f'href="{up}')

def setup(app):
    app.connect('html-page-context', _page_touches)
