"""mnist37: how a neural network learns, told through handwritten 3s and 7s, then all ten digits.

The lesson's modules, in the order of its chapters: `data`, `similarity`, `sgd`, `linear`, `optimizer`, `learner`,
`cnn`, `models` and `inference`, then `digits` and `digit_cnn` for all ten. The machinery behind them: `storage`,
`kinds`, `folders`, `images`, `photos`, `reproduce`, `cli`, `exercises` and `widgets`.
Start with `from mnist37.data import load_mnist_tensors`, or run `mnist37 --help`.
Docs: https://mnist37.github.io/mnist37/
"""
__version__ = "0.1.0"

import sys, warnings
from importlib.machinery import PathFinder, SourceFileLoader

# fastai's import makes PyTorch warn that `torch.jit.script` is deprecated: nothing a reader can act on. Said once,
# here, for every module and notebook of mnist37, which all import this package before fastai.
warnings.filterwarnings('ignore', message='.*torch.jit.script.*', category=FutureWarning)

# `pip install mnist37` installs only what `mnist37 predict` needs; the lesson's modules need the `lesson` extra.
LESSON_PACKAGES = {'torch', 'torchvision', 'fastai', 'fastcore', 'matplotlib', 'fastprogress'}

class LessonMissing(ModuleNotFoundError):
    "A lesson module was imported where the `lesson` extra (PyTorch, fastai, matplotlib) is not installed"

def lesson_missing(e:ModuleNotFoundError, what:str):
    "`e` as a `LessonMissing` that says what `what` needs, if the missing module is one of the lesson's; else None"
    if isinstance(e, LessonMissing) or (e.name or '').partition('.')[0] not in LESSON_PACKAGES: return None
    return LessonMissing(f"{what} needs {e.name}, which this install of mnist37 left out: "
                         f"pip install 'mnist37[lesson]' adds PyTorch, fastai and matplotlib", name=e.name)

class _LessonLoader(SourceFileLoader):
    def exec_module(self, module):
        try: super().exec_module(module)
        except ModuleNotFoundError as e:
            if err := lesson_missing(e, module.__name__): raise err from None
            raise

class _LessonFinder:
    "Finds mnist37's own modules as Python would, with a loader that names the missing extra instead of only a package"
    @staticmethod
    def find_spec(name, path=None, target=None):
        if not name.startswith(__name__ + '.'): return None
        spec = PathFinder.find_spec(name, path)
        if spec and type(spec.loader) is SourceFileLoader:
            spec.loader = _LessonLoader(spec.loader.name, spec.loader.path)
        return spec

if not any(isinstance(f, _LessonFinder) for f in sys.meta_path): sys.meta_path.insert(0, _LessonFinder())
