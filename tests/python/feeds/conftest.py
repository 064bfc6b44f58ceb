"""The venue feed tests import their helpers (render.py, venue_fixtures.py) from here."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
