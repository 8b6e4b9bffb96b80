"`python -m mnist37` runs the `mnist37` command."
import sys

from mnist37.cli import main

if __name__ == '__main__': sys.exit(main())
