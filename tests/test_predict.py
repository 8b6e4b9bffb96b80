"""Predicting on real and synthetic pictures, every kind of bad input, and safe weights (mnist37.inference, .images, .models).

The chapter shows each of these once; here they are checked more widely: every packaged model, every bad file on its
own and in a batch, fonts the machine may not have, and warnings that someone else has silenced."""
import struct, warnings, zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mnist37.data import load_sample_arrays
from mnist37.images import ImageError, preprocess, read_image
from mnist37.photos import synthetic_photo
from mnist37.inference import Prediction, predict, predict_batch
from mnist37.models import WeightsError, load_weights, new_model, packaged_weights, save_weights
from mnist37.kinds import MODEL_KINDS

# --- bad files --------------------------------------------------------------------------------------------------------

def png_claiming(good:Path, w, h):
    "The bytes of the PNG `good`, with a header that claims `w` x `h` pixels"
    data = bytearray(good.read_bytes())
    data[16:24] = struct.pack('>II', w, h)
    data[29:33] = struct.pack('>I', zlib.crc32(bytes(data[12:29])))
    return bytes(data)

@pytest.fixture(scope='module')
def pictures(tmp_path_factory):
    "A folder of good, unusual and bad picture files; the dict maps a name to its path"
    d = tmp_path_factory.mktemp('pictures')
    p = {n: d/n for n in ['good3.png', 'good7.jpg', 'empty.png', 'notes.png', 'truncated.png', 'bomb.png', 'big.png',
                          'animated.gif', 'animated.png', 'folder.png', 'missing.png', '16bit.png', 'cmyk.jpg',
                          'transparent.png', 'palette.gif', 'blank.png', 'multipage.tif']}
    synthetic_photo(3, (300, 240), seed=1).save(p['good3.png'])
    synthetic_photo(7, (500, 700), 0.4, angle=5, seed=2).save(p['good7.jpg'], quality=85)
    p['empty.png'].touch()
    p['notes.png'].write_text('a text file with a picture\'s name\n')
    p['truncated.png'].write_bytes(p['good3.png'].read_bytes()[:2000])
    small = d/'small.png'; synthetic_photo(7, (30, 30)).save(small)
    p['bomb.png'].write_bytes(png_claiming(small, 20_000, 20_000))  # over twice PIL's limit: PIL raises
    p['big.png'].write_bytes(png_claiming(small, 10_000, 10_000))  # between one and two times: PIL only warns
    frames = [synthetic_photo(c, (60, 60)) for c in '37']
    frames[0].convert('P').save(p['animated.gif'], save_all=True, append_images=[frames[1].convert('P')])
    frames[0].save(p['animated.png'], save_all=True, append_images=frames[1:])  # APNG
    frames[0].save(p['multipage.tif'], save_all=True, append_images=frames[1:])
    p['folder.png'].mkdir()
    grey7 = np.asarray(synthetic_photo(7, (90, 90), seed=3).convert('L'))
    Image.fromarray(grey7.astype(np.uint16) * 257).save(p['16bit.png'])
    synthetic_photo(3, (90, 90), seed=4).convert('CMYK').save(p['cmyk.jpg'])
    ink = 255 - np.asarray(synthetic_photo(7, (80, 80), seed=5).convert('L'))  # a dark 7 on a transparent canvas
    Image.fromarray(np.stack([np.zeros_like(ink)] * 3 + [np.clip(ink.astype(int) * 2 - 60, 0, 255).astype(np.uint8)], -1),
                    'RGBA').save(p['transparent.png'])
    synthetic_photo(3, (70, 70), seed=6).convert('P').save(p['palette.gif'])
    Image.new('RGB', (64, 64), (230, 225, 210)).save(p['blank.png'])
    return p

BAD = {'empty.png': 'empty file', 'notes.png': 'not an image', 'truncated.png': 'truncated',
       'bomb.png': 'decompression bomb', 'big.png': 'decompression bomb', 'animated.gif': 'animated',
       'animated.png': 'animated', 'multipage.tif': 'multi-page', 'folder.png': 'is a folder',
       'missing.png': 'no such file', 'blank.png': 'looks blank'}
GOOD = {'good3.png': '3', 'good7.jpg': '7', '16bit.png': '7', 'cmyk.jpg': '3', 'transparent.png': '7', 'palette.gif': '3'}

@pytest.mark.parametrize('name', BAD)
def test_bad_file_is_one_clear_line(pictures, name):
    path = pictures[name]
    with pytest.raises(ImageError) as e: predict(path)
    msg = str(e.value)
    assert msg.startswith(f'{path}: ') and BAD[name] in msg and '\n' not in msg, msg
    assert e.value.name == str(path) and msg == f'{path}: {e.value.problem}'

@pytest.mark.parametrize('name', GOOD)
def test_unusual_but_good_files_are_read(pictures, name):
    res = predict(pictures[name])
    assert res.label == GOOD[name] and res.prob > 0.9, (name, res)

def test_modes_of_the_unusual_files(pictures):
    "The files really are what their names say, so the tests above test what they claim to"
    modes = {n: Image.open(pictures[n]).mode for n in ['16bit.png', 'cmyk.jpg', 'transparent.png', 'palette.gif']}
    assert modes == {'16bit.png': 'I;16', 'cmyk.jpg': 'CMYK', 'transparent.png': 'RGBA', 'palette.gif': 'P'}
    assert Image.open(pictures['animated.png']).n_frames == 2 and Image.open(pictures['multipage.tif']).n_frames == 2

def test_batch_carries_on_past_bad_files(pictures):
    names = ['good3.png', *BAD, 'good7.jpg', *GOOD]
    res = predict_batch([pictures[n] for n in names])
    assert len(res) == len(names)
    for n, r in zip(names, res):
        if n in BAD: assert isinstance(r, ImageError) and BAD[n] in str(r), (n, r)
        else: assert isinstance(r, Prediction) and r.label == GOOD[n], (n, r)

def test_bomb_is_refused_even_when_warnings_are_silenced(pictures):
    "A caller that ignores all warnings must not turn the 100-megapixel bomb back into a decode"
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(ImageError, match='decompression bomb'): predict(pictures['big.png'])

def test_bad_arrays():
    for bad, msg in [(np.zeros((2, 3, 4, 5)), 'not a picture'), (np.full((28, 28), 2.0), 'between 0 and 1'),
                     (np.full((28, 28), np.nan), 'between 0 and 1'), (np.full((28, 28), 300), 'between 0 and 255'),
                     (np.zeros((0, 28)), 'empty'), (np.zeros((28, 28)), 'looks blank'), ('not/a/file.png', 'no such file'),
                     (3.5, 'not float')]:
        with pytest.raises(ImageError, match=msg): predict(bad)

def test_every_kind_of_input_gives_the_same_answer():
    "A path, a PIL image, uint8 and float arrays, channels last or first, a tensor: one picture, one answer"
    x = load_sample_arrays()[('valid', '7')][0][5]
    rgb = np.stack([x] * 3, -1)
    inputs = [x / 255, rgb, rgb.transpose(2, 0, 1), torch.from_numpy(x), torch.from_numpy(x)[None] / 255.,
              Image.fromarray(x), Image.fromarray(rgb), Image.fromarray(x).convert('I;16')]
    base = preprocess(x)
    for inp in inputs:
        assert np.abs(preprocess(inp) - base).max() < 0.02, type(inp)
        assert predict(inp).label == '7'
    assert predict(x > 100).label == '7'  # a black-and-white (bool) picture

# --- real MNIST images -------------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def valid():
    arrays = load_sample_arrays()
    return [(img, d) for d in '37' for img in arrays[('valid', d)][0]]

def test_mnist_images_from_png_files(valid, tmp_path):
    paths = []
    for i, (img, d) in enumerate(valid[::100]):
        paths.append(tmp_path/f'{i}_{d}.png')
        Image.fromarray(img).save(paths[-1])
    res = predict_batch(paths)
    assert [r.label for r in res] == [p.stem[-1] for p in paths]

# --- synthetic photos --------------------------------------------------------------------------------------------------

FONTS = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSerif.ttf', 'LiberationSans-Regular.ttf', 'no-such-font.ttf']

@pytest.mark.parametrize('font', FONTS)
@pytest.mark.parametrize('digit', '37')
def test_synthetic_photos(font, digit):
    "Dark ink on uneven light paper, RGB, any size and place, a little tilted; a missing font falls back to PIL's own"
    rng = np.random.default_rng(int(digit) * 100 + FONTS.index(font))
    photos = [synthetic_photo(digit, tuple(int(v) for v in rng.integers(40, 1200, 2)), float(rng.uniform(0.25, 0.9)),
                              float(rng.uniform(-10, 10)), font=font, seed=s) for s in range(5)]
    assert all(p.mode == 'RGB' for p in photos)
    res = predict_batch(photos)
    assert [r.label for r in res] == [digit] * 5, [(p.size, r) for p, r in zip(photos, res)]
    assert min(r.prob for r in res) > 0.8

def test_light_ink_on_dark_paper():
    "Chalk on a blackboard: not inverted, and still read"
    photo = Image.fromarray(255 - np.asarray(synthetic_photo(7, (400, 300), seed=9)))
    assert predict(photo).label == '7'

def test_huge_picture_is_shrunk_not_refused(tmp_path):
    path = tmp_path/'huge.png'
    photo = synthetic_photo(3, (4200, 2400), 0.5, seed=3)  # over MAX_SIDE (2,048) a side
    photo.save(path)
    assert predict(path).label == '3'
    a = np.asarray(photo)  # the same picture as an array is shrunk the same way: by averaging blocks, as PIL's reduce does
    assert np.abs(read_image(a) - read_image(path)).max() < 0.02 and read_image(a).shape == (800, 1400)  # 4200 // 3: three times smaller

# --- weights -----------------------------------------------------------------------------------------------------------

def test_packaged_weights_are_small_and_fit_their_models():
    "(That they are in the built package is checked on the wheel itself, in test_install.py)"
    for kind in MODEL_KINDS:
        assert packaged_weights(kind).stat().st_size < 1_000_000
        sd = torch.load(packaged_weights(kind), weights_only=True)
        assert set(sd) == set(new_model(kind).state_dict())

@pytest.mark.parametrize('kind', MODEL_KINDS)
def test_weights_round_trip_and_kind_is_inferred(kind, tmp_path):
    model = new_model(kind).eval()
    back = load_weights(save_weights(model, tmp_path/'w.pt'))
    assert type(back) is type(model)
    xb = torch.rand(4, 28*28) if not kind.startswith('cnn') else torch.rand(4, 1, 28, 28)
    assert torch.equal(back(xb), model(xb))

def test_weights_are_never_unpickled(tmp_path):
    "A weights file whose pickle would run code when loaded is refused, and the code never runs"
    ran = tmp_path/'it ran'
    class Evil:
        def __reduce__(self): return (exec, (f'open({str(ran)!r}, "w").close()',))
    torch.save({'weight': Evil()}, tmp_path/'evil.pt')
    with pytest.raises(WeightsError, match='not a weights file that can be loaded safely') as e: load_weights(tmp_path/'evil.pt')
    assert '\n' not in str(e.value) and not ran.exists()

def test_weights_errors(tmp_path):
    save_weights(new_model('mlp'), tmp_path/'mlp.pt')
    torch.save([torch.zeros(3)], tmp_path/'list.pt')
    for args, msg in [((tmp_path/'mlp.pt', 'cnn'), 'do not fit a cnn model'), ((tmp_path/'nope.pt',), 'no such file'),
                      ((tmp_path/'list.pt',), 'not a state dict'), ((tmp_path,), 'is a folder')]:
        with pytest.raises(WeightsError, match=msg): load_weights(*args)
