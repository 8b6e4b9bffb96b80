"""Write README.md from nbs/index.ipynb: the landing page as markdown, made by the docs build's own code.

nbdev-readme needs Quarto, which this project cannot install. The README is also the package's page on PyPI, where
relative links break, so its links point at the notebooks on GitHub, and it says where the website is.
`tests/test_readme.py` checks that README.md is what this writes. Usage: `python tools/make_readme.py [--check]`.
"""
import posixpath, sys

from build_docs import ROOT, page_markdown, read_page, settings

HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n'


def render(nb=ROOT/'nbs'/'index.ipynb') -> str:
    "README.md's text for the notebook at `nb`"
    s, page = settings(), read_page(nb)
    page['cells'].insert(0, dict(cell_type='markdown', source=f'**Read it as a website:** <{s["docs_url"]}>'))
    return HEADER + page_markdown(page, lambda t: f'{s["repo"]}/blob/{s["branch"]}/{posixpath.normpath("nbs/" + t)}')


if __name__ == '__main__':
    text, readme = render(), ROOT/'README.md'
    if '--check' not in sys.argv: readme.write_text(text)
    elif readme.read_text() != text: sys.exit('README.md is stale: run python tools/make_readme.py')
