"`python -m mnist37` runs the `mnist37` command."
import sys

from mnist37 import LessonMissing, lesson_missing
from mnist37.cli import main

def run() -> int:
    "The `mnist37` command: `main`, saying in one line when a command needs the `lesson` extra that is not installed"
    try: return main()
    except ModuleNotFoundError as e:
        if not (err := e if isinstance(e, LessonMissing) else lesson_missing(e, f'mnist37 {sys.argv[1]}')): raise
        print(f'mnist37: error: {err}', file=sys.stderr); return 2

if __name__ == '__main__': sys.exit(run())
