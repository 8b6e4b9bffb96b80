"""mnist37: how a neural network learns, told through handwritten 3s and 7s.

The lesson's modules, in the order of its chapters: `data`, `similarity`, `sgd`, `linear`, `optimizer`, `learner`,
`cnn`, `models` and `inference`. The machinery behind them: `storage`, `sample`, `images`, `reproduce` and `cli`.
Start with `from mnist37.data import load_mnist_tensors`, or run `mnist37 --help`.
Docs: https://mnist37.github.io/mnist37/
"""
__version__ = "0.1.0"
