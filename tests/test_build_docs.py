"The glue between nbdev's notebooks and Sphinx (tools/build_docs.py, docs/_ext), one piece at a time: no Sphinx run"
import json, re
from pathlib import Path

import pytest

import build_docs as bd
from docs._ext import mnist37_docs as ext

ROOT = Path(__file__).resolve().parents[1]

def test_page_names_and_order_follow_nbdev(tmp_path):
    assert bd.page_name('00_data.ipynb') == 'data' and bd.page_name('10a_Extra_Bits.ipynb') == 'extra_bits'
    for n in ['index', '_scratch', '91_images', '00_data', '90_storage', '08_inference']: (tmp_path/f'{n}.ipynb').touch()
    nbs = bd.notebooks(tmp_path)
    assert [p.stem for p in nbs] == ['00_data', '08_inference', '90_storage', '91_images', 'index']
    assert [bd.is_appendix(p) for p in nbs] == [False, False, True, True, False]

def test_lesson_chapters_are_numbered_as_their_notebooks():
    assert bd.numbered(Path('01_pixel_similarity.ipynb'), 'Pixel similarity') == 'Chapter 01: pixel similarity'
    assert bd.numbered(Path('00_data.ipynb'), 'MNIST as tensors') == 'Chapter 00: MNIST as tensors'
    assert bd.numbered(Path('03_linear.ipynb'), 'A linear model') == 'Chapter 03: a linear model'
    assert bd.numbered(Path('91_folders.ipynb'), 'Appendix B: on disk') == 'Appendix B: on disk'
    assert bd.numbered(Path('index.ipynb'), 'mnist37') == 'mnist37'

def test_is_check():
    for src in ['test_eq(f(1), 2)', 'assert x > 0, "why"\ntest_close(a, b, eps=1e-3)',
                'for k in ks:\n    test_eq(len(k), 3)\n    assert k', 'with warnings.catch_warnings():\n    test_fail(g)']:
        assert bd.is_check(src), src
    for src in ['', 'x = f()\ntest_eq(x, 2)', 'f(x)', 'test_eq(1, 1)\nprint(2)', 'for k in ks: print(k)',
                'def test_f(): pass', 'self.test_eq(1, 1)', 'test_eq(', '1 + 1']:
        assert not bd.is_check(src), src

def test_links_to_notebooks():
    md = 'See [the data](00_data.ipynb), [a part](03_linear.ipynb#the-loss), [top](#top), [x](https://x.org/01_a.ipynb).'
    assert bd.relink(md, bd.nb_page) == ('See [the data](data.ipynb), [a part](linear.ipynb#the-loss), [top](#top), '
                                         '[x](https://x.org/01_a.ipynb).')
    assert bd.relink('[a](91_images.ipynb)', lambda t: bd.nb_page(t, '.html.md')) == '[a](images.html.md)'
    assert bd.relink('[l](../LICENSE) [i](img/a.png)', str.upper) == '[l](../LICENSE) [i](IMG/A.PNG)'

def test_linkify_only_known_names_outside_code_blocks():
    t = {'mnist_loss': 'mnist37.linear.mnist_loss', 'BasicOptim': 'mnist37.optimizer.BasicOptim'}
    md = 'Use `mnist_loss()` or `BasicOptim`, not `loss` or [`mnist_loss`](x.html).\n```\n`mnist_loss`\n```'
    out = bd.linkify(md, t)
    assert '{py:obj}`mnist_loss() <mnist37.linear.mnist_loss>`' in out
    assert '{py:obj}`BasicOptim <mnist37.optimizer.BasicOptim>`' in out
    assert '`loss`' in out and '[`mnist_loss`](x.html)' in out and out.endswith('```\n`mnist_loss`\n```')
    assert bd.linkify('## `mnist_loss`: a loss\nsee `mnist_loss`', t) == '## `mnist_loss`: a loss\nsee {py:obj}`mnist_loss <mnist37.linear.mnist_loss>`'

def test_autodoc():
    assert bd.autodoc('pkg.data.load', _f, 'load') == \
        '<span id="load"></span>\n\n```{eval-rst}\n.. autofunction:: pkg.data.load\n```'
    assert '.. autoexception:: pkg.data.DataError\n   :no-index:\n   :members:\n' in \
        bd.autodoc('pkg.data.DataError', ValueError, index=False)
    assert bd.autodoc('pkg.data.COUNTS', {'3': 6131}).endswith(
        '.. py:data:: COUNTS\n   :module: pkg.data\n   :type: dict\n   :value: {\'3\': 6131}\n```')

def _nb(tmp_path, cells, name='00_data.ipynb'):
    "A notebook file made of `cells`: source strings (code), or `(source, 'markdown')`, or `(source, 'code', outputs[, metadata])`"
    def cell(src, kind='code', outputs=(), metadata=None):
        return {'cell_type': kind, 'metadata': metadata or {}, 'source': src,
                **({'outputs': list(outputs), 'execution_count': None} if kind == 'code' else {})}
    nb = {'cells': [cell(*c) if isinstance(c, tuple) else cell(c) for c in cells], 'metadata': {}, 'nbformat': 4,
          'nbformat_minor': 5}
    (tmp_path/name).write_text(json.dumps(nb))
    return tmp_path/name

def _out(text): return {'output_type': 'execute_result', 'execution_count': 1, 'metadata': {}, 'data': {'text/plain': text}}

ANSWER = '<details><summary>Answer</summary>\n\nCall `f` twice, as [the SGD chapter](02_sgd.ipynb) does:\n\n```python\nf(f(x))\n```\n\n</details>'

EXPORT = 'def load(n:int, # how many\n        ): # the pictures\n    "Load `n` pictures"\n    return n'

@pytest.fixture
def pkg(tmp_path, monkeypatch):
    "A package `pkg` whose module `pkg.data` is what a notebook with `#| default_exp data` exported"
    (tmp_path/'pkg').mkdir()
    (tmp_path/'pkg'/'__init__.py').touch()
    (tmp_path/'pkg'/'data.py').write_text(f'"""Pictures, without a download.\n\nDocs: x"""\n__all__ = ["load", "N"]\nN = 3\n{EXPORT}\n')
    monkeypatch.syspath_prepend(tmp_path)
    return 'pkg'

@pytest.fixture
def page(tmp_path, pkg):
    "A small nbdev notebook with each kind of cell our notebooks have, read through nbdev's processors"
    return bd.read_page(_nb(tmp_path, [
        ('# The data\n\n> Pixels, without a download.', 'markdown'),
        '#| default_exp data',
        '#| hide\nfrom nbdev.showdoc import *',
        f'#| export\n{EXPORT}',
        ('See [the SGD chapter](02_sgd.ipynb) and `load`.', 'markdown'),
        ('#| echo: false\n1 + 1', 'code', [_out('2')]),
        '#| slow\nfor k in range(3):\n    test_eq(k, k)',
        ('test_eq(1, 1)\n1', 'code', [_out('1')]),  # a check with an output is a result, shown as it is
        ('**1.** What is `2 * 3`?', 'markdown'),
        ('2 * 3', 'code', [], KEPT),  # a question, saved as question_outputs.py leaves it
        (ANSWER, 'markdown'),
    ]), pkg)

KEPT = {'mnist37': {'source': '2 * 3', 'outputs': [_out('6')]}}

def test_read_page_runs_nbdevs_processors(page):
    assert (page['title'], page['lead'], page['module']) == ('Chapter 00: the data', 'Pixels, without a download.', 'data')
    kinds = [c['cell_type'] for c in page['cells']]
    assert kinds == ['code', 'doc', 'markdown', 'code', 'code', 'code', 'markdown', 'code', 'markdown']  # nbdev added the show_doc
    from pkg.data import load  # the page's module, whose export nbdev documents after its cell
    assert (page['cells'][1]['name'], page['cells'][1]['obj']) == ('pkg.data.load', load)
    assert [c['tags'] for c in page['cells'] if c['cell_type'] == 'code'] == [[], ['remove-input'], ['hide-input'], [], ['hide-output']]
    assert page['cells'][-2]['outputs'] == [_out('6')]  # the question's, from its metadata
    text = json.dumps(page['cells'], default=str)
    assert '#|' not in text and 'nbdev.showdoc' not in text

def test_myst_notebook(page):
    syms = {'pkg.data.load': ('data.html#load', 'load'), 'pkg.data._load': ('data.html#_load', '_load')}
    s = dict(package='pkg', repo='https://github.com/u/r', branch='main')
    nb = bd.myst_notebook(page, s, syms, '../nbs/00_data.ipynb', tail='the sidebar')
    src = [c['source'] for c in nb['cells']]
    assert src[0] == '# Chapter 00: the data\n\n{.lead}\nPixels, without a download.' and src[-1] == 'the sidebar'
    assert '(https://colab.research.google.com/github/u/r/blob/main/nbs/00_data.ipynb)' in src[1]
    assert '(https://github.com/u/r/blob/main/nbs/00_data.ipynb)' in src[1]
    assert '{download}`Download the notebook <../nbs/00_data.ipynb>`' in src[1]
    assert src[3].startswith('<span id="load"></span>') and '.. autofunction:: pkg.data.load' in src[3]
    assert src[4] == 'See [the SGD chapter](sgd.ipynb) and {py:obj}`load <pkg.data.load>`.'
    check = nb['cells'][6]
    assert check['metadata'] == {'tags': ['hide-input'], 'mystnb': {'code_prompt_show': 'Show the check',
                                                                    'code_prompt_hide': 'Hide the check'}}
    question = nb['cells'][-3]
    assert question['outputs'] == [_out('6')] and question['metadata'] == {
        'tags': ['hide-output'], 'mystnb': {'code_prompt_show': 'Show the output', 'code_prompt_hide': 'Hide the output'}}
    assert len(nb['metadata']['source_map']) == len(nb['cells']) and max(nb['metadata']['source_map']) < 1000

def test_answer_blocks_render_collapsed_with_their_markdown(page):
    "A `<details>` block in a markdown cell reaches the page as it is, and MyST renders the markdown inside it"
    from docutils.core import publish_string
    from myst_parser.parsers.docutils_ import Parser
    md = bd.myst_notebook(page, dict(package='pkg', repo='', branch='main'), {})['cells'][-2]['source']
    assert md == ANSWER.replace('02_sgd.ipynb', 'sgd.ipynb')
    from docutils.writers.html5_polyglot import Writer  # an instance: docutils 0.21 (Python 3.10's Sphinx) takes no name here
    html = publish_string(md, parser=Parser(), writer=Writer(), settings_overrides={'output_encoding': 'unicode'})
    inside = re.search(r'<details><summary>Answer</summary>(.*?)</details>', html, re.DOTALL)
    assert inside, html
    assert '<span class="docutils literal">f</span>' in inside[1] and '<a ' in inside[1] and '<pre' in inside[1]
    assert '`' not in inside[1]

def test_page_markdown(page):
    md = bd.page_markdown(page)
    assert md.startswith(f'# Chapter 00: the data\n\n> Pixels, without a download.\n\n```python\n{EXPORT}\n```\n\n### load\n')
    assert 'n:int, # how many' in md and '[source]' not in md  # nbdev's own show_doc markdown, with the docments
    assert '[the SGD chapter](sgd.html.md)' in md and ANSWER.split('\n')[0] in md
    assert '```python\n1 + 1' not in md and '\n    2\n' in md  # echo: false shows the output only
    assert '```python\n2 * 3\n```\n\n<details><summary>Show the output</summary>\n\n    6\n\n</details>\n\n<details><summary>Answer' in md
    assert bd.page_markdown(page, lambda t: f'https://x.org/{t}').count('](https://x.org/02_sgd.ipynb)') == 2

def test_a_question_without_its_output_stops_the_build(tmp_path, pkg):
    "A question whose output was neither saved nor kept, or was kept for other code, is a one-line error; a saved one is used"
    def read(cell): return bd.read_page(_nb(tmp_path, ['#| default_exp data', cell, (ANSWER, 'markdown')]), pkg)
    with pytest.raises(SystemExit, match=r"00_data.ipynb: the question '2 \* 3' has no kept output"): read('2 * 3')
    with pytest.raises(SystemExit, match='was changed since its output was kept'): read(('2 * 4', 'code', [], KEPT))
    assert read(('2 * 4', 'code', [_out('8')], KEPT))['cells'][-2]['outputs'] == [_out('8')]  # just run: not yet hidden

def test_api_page_lists_each_export(pkg):
    md = bd.api_page({'pkg.data': [{'name': 'data', 'title': 'The data'}, {'name': 'more', 'title': 'More'}]},
                     {'pkg.data.load'})
    assert '## pkg.data\n\nPictures, without a download.\n\nBuilt in [The data](data.ipynb), [More](more.ipynb).' in md
    assert '.. autofunction:: pkg.data.load\n   :no-index:' in md  # its chapter has the entry that search finds
    assert '.. py:data:: N\n   :module: pkg.data\n' in md

def test_index_chapter_table_uses_the_page_titles():
    "Each `[Title](NN_name.ipynb)` in the landing page's table is the H1 of the notebook it links to"
    index = bd.read_page(ROOT/'nbs'/'index.ipynb')
    rows = re.findall(r'^\|.*?\[([^\]]+)\]\(([^)#]+\.ipynb)\)', '\n'.join(c['source'] for c in index['cells']
                                                                       if c['cell_type'] == 'markdown'), re.M)
    assert rows, 'the landing page has no table of chapters'
    assert [bd.numbered(Path(nb), t) for t, nb in rows] == [bd.read_page(ROOT/'nbs'/nb)['title'] for _, nb in rows]

def test_latex_to_mathml():
    m = ext.latex_to_mathml(r'x^2')
    assert m.startswith('<math') and '<msup>' in m and 'display="inline"' in m
    assert 'display="block"' in ext.latex_to_mathml(r'\frac{1}{2}', block=True)
    assert ext.latex_to_mathml(r'\frac{1}{').startswith(('<math', '<code class="math-fallback">'))

def _f(a:int, # the first number
       b=2, # the second number
      ) -> int: # their sum
    "Add `a` and `b`"
    return a + b

def test_add_docments_writes_param_and_return_fields():
    lines = ['Add `a` and `b`']
    ext.add_docments(None, 'function', '_f', _f, {}, lines)
    assert lines == ['Add ``a`` and ``b``', '', ':param a: the first number', ':param b: the second number',
                     ':returns: their sum']
    lines = ['x']; ext.add_docments(None, 'data', 'x', 3, {}, lines)
    assert lines == ['x']
    assert ext.md_code_to_rst(':py:obj:`x` and ``y``') == ':py:obj:`x` and ``y``'
    assert ext.md_code_to_rst('the `Result`s, `x`.') == r'the ``Result``\ s, ``x``.'

def test_import_line_under_each_module_level_entry():
    "A function, class or constant gets `from module import name` at the top of its entry; a method does not"
    from docutils import nodes
    from sphinx import addnodes
    def entry(objtype, **sig):
        content = addnodes.desc_content('', nodes.paragraph(text='The docstring'))
        addnodes.desc('', addnodes.desc_signature('', '', **sig), content)
        ext.add_import_line(None, 'py', objtype, content)
        return [n.astext() for n in content.children]
    assert entry('function', module='pkg.data', fullname='load') == ['from pkg.data import load', 'The docstring']
    assert entry('data', module='pkg.data', fullname='N')[0] == 'from pkg.data import N'
    assert entry('method', module='pkg.data', fullname='Box.open', **{'class': 'Box'}) == ['The docstring']
    assert entry('function', module='', fullname='f') == ['The docstring']
