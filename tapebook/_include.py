"""Where the C headers are: ``tapebook.get_include()`` (like ``numpy.get_include()``).

A wheel ships the core's headers inside the package (``tapebook/include/``,
copied there at build time by setup.py from ``csrc/``); a source checkout
(an editable install) uses its ``csrc/`` directly. Either way the directory
holds ``tapebook.h`` and the ``tapebook/`` headers it includes, so a C or C++
project builds with ``-I$(python -c 'import tapebook; print(tapebook.get_include())')``
or ``$(tapebook --cflags)``; nothing to link (every function is ``static inline``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

_PKG = Path(__file__).resolve().parent

#: which files of csrc/ are the public headers a wheel ships (relative glob patterns);
#: setup.py copies these, and the test compiling against get_include() reads them
HEADER_PATTERNS = ("tapebook.h", "tapebook_api.h", "tapebook/*.h", "tapebook/*.inc")


def get_include() -> str:
    """The directory to add to a C compiler's include path to ``#include "tapebook.h"``."""
    for d in (_PKG / "include", _PKG.parent / "csrc"):
        if (d / "tapebook.h").is_file():
            return str(d)
    raise FileNotFoundError(
        f"tapebook's C headers are missing: neither {_PKG / 'include'} (an installed wheel) "
        f"nor {_PKG.parent / 'csrc'} (a source checkout) holds tapebook.h"
    )


def copy_headers(csrc: Path, dest: Path) -> list[Path]:
    """Copy the public headers of a checkout's ``csrc`` to ``dest`` (setup.py does this
    into a wheel's ``tapebook/include``); returns the files written."""
    out = []
    for pattern in HEADER_PATTERNS:
        for src in sorted(Path(csrc).glob(pattern)):
            target = Path(dest) / src.relative_to(csrc)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            out.append(target)
    return out
