"""``python -m affect_sklearn.cli``: the ``affect-sklearn`` command."""

import sys

from ._main import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
