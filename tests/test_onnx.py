"""The ONNX graphs that ship with mnist37 are the packaged weights, exported: the two can never drift apart. (This is the
one test of graph-and-weights agreement; test_cli.py checks that `train` writes a graph that predicts.)"""
import numpy as np
import pytest

from mnist37.data import load_sample_arrays
from mnist37.inference import OnnxModel, packaged_onnx, prob_3
from mnist37.models import export_onnx, packaged_model
from mnist37.kinds import KINDS, MODEL_KINDS

THREE_OR_SEVEN = [k for k in MODEL_KINDS if KINDS[k].scores <= 2]  # the ten-digit kinds: tests/test_digit_models.py

@pytest.mark.parametrize('kind', THREE_OR_SEVEN)
def test_packaged_graph_is_the_packaged_weights_exported(kind, tmp_path):
    """On a hundred validation digits the packaged graph (onnxruntime) gives the packaged weights' (PyTorch) probabilities
    to 1e-5; exporting the weights again gives a graph that computes what the packaged one computes, and that passes the
    file rules for its kind (so the operator allow-list still fits what this PyTorch's exporter writes)"""
    xb = np.concatenate([load_sample_arrays()[('valid', d)][0][:50] for d in '37']).astype(np.float32) / 255
    np.testing.assert_allclose(prob_3(kind, xb), prob_3(packaged_model(kind), xb), rtol=0, atol=1e-5)
    fresh = OnnxModel(export_onnx(packaged_model(kind), tmp_path/f'{kind}.onnx'), kind)
    np.testing.assert_allclose(packaged_onnx(kind).scores(xb), fresh.scores(xb), rtol=0, atol=1e-6)
