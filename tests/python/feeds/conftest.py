"""The venue feed tests import their helpers (render.py, venue_fixtures.py, _scan_paths.py)
from here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the shared scan-test checks assert: pytest shows the compared values only if it rewrites them
pytest.register_assert_rewrite("_scan_paths")
