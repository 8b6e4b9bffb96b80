"""The installs the README offers, each in a fresh virtual environment made from the built wheel.

Tests never reach the network, so instead of asking an index for the dependencies, each environment gets exactly the
distributions that pip would install for the requested extras: the closure of the wheel's own `Requires-Dist`, taken
from this environment and linked in. What is not in that closure (PyTorch for the predictor, nbdev and JupyterLab for
the chapters) is not there, so a module that needs it fails as it would for a user.
"""
import email, hashlib, json, os, shutil, subprocess, sys, zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.xdist_group('install')  # one wheel for the module, built once on one worker

def requirements(meta, extras=()) -> list:
    "The requirements in `meta` (a distribution's metadata) that apply here with `extras` asked for"
    envs = [{'extra': e} for e in extras] or [{'extra': ''}]
    return [r for r in map(Requirement, meta.get_all('Requires-Dist') or [])
            if r.marker is None or any(r.marker.evaluate(env) for env in envs)]

def closure(wheel_meta, extras=(), also=()) -> dict:
    "Every distribution pip would install with the wheel and `extras` (and the packages `also`), as `{name: Distribution}`"
    own, out, seen = canonicalize_name(wheel_meta['Name']), {}, set()
    todo = [(wheel_meta['Name'], set(extras))] + [(n, set()) for n in also]
    while todo:
        name, ex = todo.pop()
        key = (canonicalize_name(name), frozenset(ex))
        if key in seen: continue
        seen.add(key)
        if key[0] == own: meta = wheel_meta  # the package itself: what the wheel says, not what is installed here
        else:
            try: out[key[0]] = dist = metadata.distribution(name)
            except metadata.PackageNotFoundError: pytest.fail(f'{name} is needed but not installed here')
            meta = dist.metadata
        todo += [(r.name, r.extras) for r in requirements(meta, ex)]
    return out

def size(dists) -> int:
    "Bytes on disk of the files each distribution installed"
    return sum(p.stat().st_size for d in dists.values() for f in d.files or [] if (p := Path(d.locate_file(f))).is_file())

@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    "The project's wheel, built as `python -m build` builds it"
    src, out = tmp_path_factory.mktemp('src'), tmp_path_factory.mktemp('dist')
    for name in ['pyproject.toml', 'README.md', 'LICENSE', 'MANIFEST.in']: shutil.copy(ROOT/name, src)
    shutil.copytree(ROOT/'mnist37', src/'mnist37', ignore=shutil.ignore_patterns('__pycache__'))  # setuptools writes beside its source
    r = subprocess.run([sys.executable, '-m', 'build', '--wheel', '--no-isolation', '--outdir', out, src],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return next(out.glob('mnist37-*.whl'))

def wheel_metadata(wheel:Path):
    with zipfile.ZipFile(wheel) as z:
        return email.message_from_bytes(z.read(next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))))

def fresh_env(path:Path, wheel:Path, extras=(), also=()) -> tuple:
    "A new virtual environment at `path` with the wheel and what it needs with `extras`: its python and the closure"
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', path], check=True)
    site = Path(subprocess.run([path/'bin'/'python', '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
                               capture_output=True, text=True, check=True).stdout.strip())
    with zipfile.ZipFile(wheel) as z: z.extractall(site)  # what pip does with a pure-Python wheel, less the scripts
    (path/'bin'/'mnist37').write_text(f'#!{path}/bin/python\nimport sys\nfrom mnist37.__main__ import run\nsys.exit(run())\n')
    (path/'bin'/'mnist37').chmod(0o755)
    dists = closure(wheel_metadata(wheel), extras, also)
    for d in dists.values():  # each distribution's top-level files and folders, linked in as pip would have put them
        for top in {Path(f).parts[0] for f in d.files or [] if not str(f).startswith('..')}:
            if not (site/top).exists(): (site/top).symlink_to(d.locate_file(top))
    return path/'bin'/'python', dists

def test_wheel_ships_every_packaged_file(wheel):
    "The wheel holds SHA256SUMS and every file it lists (the data, the weights, the graphs), byte for byte"
    sums = dict(reversed(l.split('  ')) for l in (ROOT/'mnist37'/'assets'/'SHA256SUMS').read_text().splitlines())
    with zipfile.ZipFile(wheel) as z:
        missing = {f'mnist37/assets/{n}' for n in [*sums, 'SHA256SUMS']} - set(z.namelist())
        assert not missing, f'not in the wheel: {sorted(missing)}'
        assert all(hashlib.sha256(z.read(f'mnist37/assets/{n}')).hexdigest() == sha for n, sha in sums.items())

def test_predictor_only_install(wheel, tmp_path):
    "`pip install mnist37` alone: no PyTorch, at most 250 MB, and `mnist37 predict` answers for a picture"
    python, dists = fresh_env(tmp_path/'env', wheel)
    assert not {'torch', 'fastai', 'torchvision', 'matplotlib'} & set(dists), sorted(dists)
    total = size(dists) + wheel.stat().st_size * 2  # the package unpacked is about twice its compressed size, at most
    assert total < 250e6, f'the predictor-only install takes {total/1e6:.0f} MB'
    from PIL import Image, ImageDraw
    img = Image.new('L', (200, 200), 255)
    ImageDraw.Draw(img).line([(40, 40), (160, 40), (90, 170)], fill=0, width=18)  # a 7, drawn black on white
    img.save(tmp_path/'seven.png')
    env = {**os.environ, 'PYTHONNOUSERSITE': '1', 'PYTHONPATH': ''}
    r = subprocess.run([tmp_path/'env'/'bin'/'mnist37', 'predict', tmp_path/'seven.png'], capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout.split()[1:2] == ['7'], r.stdout + r.stderr
    r = subprocess.run([python, '-c', 'import torch'], capture_output=True, env=env, cwd=tmp_path)
    assert r.returncode != 0, 'PyTorch is importable in the predictor-only environment'
    # a lesson module, and a command that trains, say in one line which extra is missing
    r = subprocess.run([python, '-c', 'import mnist37.linear'], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert "pip install 'mnist37[lesson]'" in r.stderr.strip().splitlines()[-1], r.stderr
    r = subprocess.run([tmp_path/'env'/'bin'/'mnist37', 'reproduce', '--out', 'results'],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and "mnist37[lesson]" in r.stderr, r.stderr

def test_two_chapters_run_with_only_the_package_and_a_kernel(wheel, tmp_path, monkeypatch):
    "As in Colab or after downloading: `mnist37[lesson]` and ipykernel, no nbdev or JupyterLab, and each notebook alone"
    import nbclient, nbformat
    python, dists = fresh_env(tmp_path/'env', wheel, ['lesson'], ['ipykernel'])
    assert not {'nbdev', 'jupyterlab', 'notebook'} & set(dists), sorted(dists)
    spec = tmp_path/'share'/'jupyter'/'kernels'/'fresh'
    spec.mkdir(parents=True)
    (spec/'kernel.json').write_text(json.dumps(dict(argv=[str(python), '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
                                                   display_name='fresh', language='python')))
    monkeypatch.setenv('JUPYTER_PATH', str(tmp_path/'share'/'jupyter'))
    monkeypatch.setenv('PYTHONNOUSERSITE', '1')
    for name in ['00_data.ipynb', '03_linear.ipynb']:
        nb = nbformat.read(ROOT/'nbs'/name, as_version=4)  # every cell a reader runs, from the Colab cell to the export
        here = tmp_path/name.removesuffix('.ipynb')
        here.mkdir()
        nbclient.NotebookClient(nb, timeout=600, kernel_name='fresh', resources={'metadata': {'path': str(here)}}).execute()
        assert nb.cells[-1].execution_count and 'nbdev_export' in nb.cells[-1].source  # ran to the end, export cell and all
        assert list(here.iterdir()) == [], 'a chapter run alone wrote into its folder'
