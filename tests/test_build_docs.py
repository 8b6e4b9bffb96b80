"The glue between nbdev's notebooks and Sphinx in tools/build_docs.py, one piece at a time (no browser, no Sphinx run)"
import json, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT/'tools')]
import build_docs as bd  # noqa: E402


def test_page_name_follows_nbdev():
    assert bd.page_name('00_data.ipynb') == 'data'
    assert bd.page_name('03_linear.ipynb') == 'linear'
    assert bd.page_name('index.ipynb') == 'index'
    assert bd.page_name('10a_Extra_Bits.ipynb') == 'extra_bits'

def test_fix_nb_links():
    md = 'See [the data](00_data.ipynb), [a section](03_linear.ipynb#the-loss) and [nbdev](https://x.org/01_a.ipynb).'
    assert bd.fix_nb_links(md) == ('See [the data](data.ipynb), [a section](linear.ipynb#the-loss) '
                                   'and [nbdev](https://x.org/01_a.ipynb).')

def test_quarto_callouts_become_admonitions_and_other_divs_go():
    md = '::: {.callout-note}\nA note.\n:::\n\n::: {.column-margin}\nIn the margin.\n:::\n\n::: {.callout-tip title="Try it"}\nGo.\n:::'
    out = bd.quarto_divs(md)
    assert out.splitlines() == [':::{note}', 'A note.', ':::', '', 'In the margin.', '',
                                ':::{admonition} Try it', ':class: tip', 'Go.', ':::']

def test_linkify_only_known_names_outside_code_blocks():
    t = {'mnist_loss': 'mnist37.linear.mnist_loss', 'BasicOptim.step': 'mnist37.optimizer.BasicOptim.step'}
    md = 'Use `mnist_loss()` or `BasicOptim.step`, not `loss` or [`mnist_loss`](x.html).\n```\n`mnist_loss`\n```'
    out = bd.linkify(md, t)
    assert '{py:obj}`mnist_loss() <mnist37.linear.mnist_loss>`' in out
    assert '{py:obj}`BasicOptim.step <mnist37.optimizer.BasicOptim.step>`' in out
    assert '`loss`' in out and '[`mnist_loss`](x.html)' in out
    assert out.endswith('```\n`mnist_loss`\n```')

def test_title_and_run_links():
    assert bd.title_cell_source({'title': 'The data', 'description': 'Pixels.'}) == '# The data\n\n{.lead}\nPixels.'
    assert bd.title_cell_source({'title': 'T'}) == '# T'
    md = bd.run_links_source('nbs/00_data.ipynb', 'https://github.com/u/r', 'main', '../nbs/00_data.ipynb')
    assert '(https://colab.research.google.com/github/u/r/blob/main/nbs/00_data.ipynb)' in md
    assert '(https://github.com/u/r/blob/main/nbs/00_data.ipynb)' in md
    assert '{download}`Download the notebook <../nbs/00_data.ipynb>`' in md

def test_quarto_options_become_tags_and_directive_lines_go():
    assert bd.cell_tags({'echo': 'false'}) == ['remove-input']
    assert bd.cell_tags({'output': 'false', 'echo': 'true'}) == ['remove-output']
    assert bd.cell_tags({'code-fold': ''}) == bd.cell_tags({'code-fold': 'show'}) == ['hide-input']
    assert bd.cell_tags({'export': ''}) == []
    assert bd.strip_directive_lines('#| echo: false\nx = 1\n  #|hide_line\ny') == 'x = 1\ny'

def test_showdoc_name():
    assert bd.showdoc_name('show_doc(mnist_loss)') == 'mnist_loss'
    assert bd.showdoc_name('show_doc(BasicOptim.step, title_level=3)') == 'BasicOptim.step'
    assert bd.showdoc_name('x = show_doc(f)') is None
    assert bd.showdoc_name('print(1)') is None
    assert bd.showdoc_name('show_doc(') is None

def test_md_code_to_rst():
    assert bd.md_code_to_rst('the `mnist_sample` folder') == 'the ``mnist_sample`` folder'
    assert bd.md_code_to_rst(':py:obj:`x` and ``y``') == ':py:obj:`x` and ``y``'

def test_latex_to_mathml():
    m = bd.latex_to_mathml(r'x^2')
    assert m.startswith('<math') and '<msup>' in m and 'display="inline"' in m
    assert 'display="block"' in bd.latex_to_mathml(r'\frac{1}{2}', block=True)
    assert bd.latex_to_mathml(r'\frac{1}{').startswith(('<math', '<code class="math-fallback">'))

def _f(a:int, # the first number
       b=2, # the second number
      ) -> int: # their sum
    "Add `a` and `b`"
    return a + b

def test_add_docments_writes_param_and_return_fields():
    lines = ['Add `a` and `b`']
    bd.add_docments(None, 'function', '_f', _f, {}, lines)
    assert lines == ['Add ``a`` and ``b``', '', ':param a: the first number', ':param b: the second number',
                     ':returns: their sum']
    lines = ['x']; bd.add_docments(None, 'data', 'x', 3, {}, lines)
    assert lines == ['x']

def test_autodoc_source():
    from mnist37.data import mnist_sample, DataError, SAMPLE_COUNTS
    s = bd.autodoc_source('mnist37.data.mnist_sample', mnist_sample, anchor='mnist_sample')
    assert s == '<span id="mnist_sample"></span>\n\n```{eval-rst}\n.. autofunction:: mnist37.data.mnist_sample\n```'
    s = bd.autodoc_source('mnist37.data.DataError', DataError, index=False, members=True)
    assert '.. autoexception:: mnist37.data.DataError\n   :no-index:\n   :members:\n' in s
    s = bd.autodoc_source('mnist37.data.SAMPLE_COUNTS', SAMPLE_COUNTS)
    assert '.. py:data:: SAMPLE_COUNTS\n   :module: mnist37.data\n   :type: dict\n   :value: {' in s


def _nb(cells):
    def cell(src, kind='code', outputs=()):
        c = {'cell_type': kind, 'metadata': {}, 'source': src}
        if kind == 'code': c.update(outputs=list(outputs), execution_count=None)
        return c
    return {'cells': [cell(*c) if isinstance(c, tuple) else cell(c) for c in cells], 'metadata': {},
            'nbformat': 4, 'nbformat_minor': 5}

def _out(text): return {'output_type': 'execute_result', 'execution_count': 1, 'metadata': {}, 'data': {'text/plain': text}}

@pytest.fixture
def processed(tmp_path):
    "A small nbdev notebook with each kind of cell, run through `process_notebook`"
    nb = _nb([
        ('# The data\n\n> Pixels, without a download.', 'markdown'),
        '#| default_exp data',
        '#| hide\nfrom nbdev.showdoc import *',
        '#| export\ndef mnist_sample(data_dir=None, # where\n                ): # the folder\n    "Doc"\n    return 1',
        ('::: {.callout-note}\nSee [the SGD chapter](02_sgd.ipynb) and `load_mnist_tensors`.\n:::', 'markdown'),
        ('#| echo: false\n1 + 1', 'code', [_out('2')]),
        ('#| include: false\nsecret = 1', 'code', [_out('1')]),
        ('#| export\n#| code-fold: true\nx = 3', 'code'),
        'show_doc(mnist_sample)',
    ])
    p = tmp_path/'00_data.ipynb'
    p.write_text(json.dumps(nb))
    settings = dict(package='mnist37', repo='https://github.com/u/r', branch='main', download={})
    syms = bd.symbol_index('mnist37')
    documented = {}
    d = bd.process_notebook(p, settings, syms, documented)
    return d, documented

def test_process_notebook_keeps_nbdevs_meaning(processed):
    d, documented = processed
    src = [c['source'] if isinstance(c['source'], str) else ''.join(c['source']) for c in d['cells']]
    everything = '\n'.join(src)
    assert src[0] == '# The data\n\n{.lead}\nPixels, without a download.'
    assert 'colab.research.google.com/github/u/r/blob/main/nbs/00_data.ipynb' in src[1]
    assert '#|' not in everything and 'default_exp' not in everything and 'nbdev.showdoc' not in everything
    assert 'secret' not in everything  # include: false
    assert any(s.startswith('def mnist_sample(') for s in src)  # exported code is shown
    assert ':::{note}' in everything and '(sgd.ipynb)' in everything
    assert '{py:obj}`load_mnist_tensors <mnist37.data.load_mnist_tensors>`' in everything
    # the explicit show_doc is an autodoc entry, and nbdev adds no second one after the export
    docs = [s for s in src if '.. autofunction:: mnist37.data.mnist_sample' in s]
    assert len(docs) == 1 and ':no-index:' not in docs[0] and src[-1] == docs[0]
    assert documented == {'mnist37.data.mnist_sample': 'data'}
    code = {s: c for s, c in zip(src, d['cells']) if c['cell_type'] == 'code'}
    assert code['1 + 1']['metadata']['tags'] == ['remove-input'] and code['1 + 1']['outputs']
    assert code['x = 3']['metadata']['tags'] == ['hide-input']
    assert d['metadata']['language_info']['name'] == 'python'
    assert all(c.get('id') for c in d['cells'])

def test_api_page_lists_each_export():
    md = bd.api_page(['mnist37.data'], {'mnist37.data.mnist_sample': 'data'}, {'mnist37.data': ('data', 'The data')},
                     {'package': 'mnist37'})
    assert '## mnist37.data' in md and 'Built in the chapter [The data](data.ipynb).' in md
    assert '.. autofunction:: mnist37.data.mnist_sample\n   :no-index:' in md
    assert '.. autofunction:: mnist37.data.load_mnist_tensors\n```' in md  # documented nowhere else: indexed here
    assert '| {py:obj}`mnist_sample <mnist37.data.mnist_sample>` |' in md
