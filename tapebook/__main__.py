"""``python -m tapebook``: see :mod:`tapebook.cli`."""

import sys

from .cli import main

sys.exit(main())
