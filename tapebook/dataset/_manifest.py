"""The manifest: one partition per input, written to ``<out>/manifest.json``.

The file is rewritten whole (temporary name, fsync, rename) while the run goes
on — at most every :data:`FLUSH_SECONDS`, from a background thread, and once at
the end — so an interrupted run keeps what it finished, and a reader never sees
half a manifest.

When is an input done (so a new run with the same arguments skips it)? Its
partition in the existing manifest says ``status == "ok"``, its ``fingerprint``
equals the new run's (same settings, instrument, input size and modification
time, same file before it in a chain), and every output it names exists with the
SHA-256 recorded. Anything else runs again; an output without a manifest entry
(the run died before the manifest was flushed) is simply written again, with the
same bytes.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
from collections.abc import Iterable
from typing import Any

from . import _outputs as outp

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
FLUSH_SECONDS = 0.5  #: the longest a finished partition waits before the manifest on disk shows it
_SHA_KEYS = (("output", "sha256"), ("depth_output", "depth_sha256"), ("book_output", "book_sha256"))


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


class Manifest:
    """What a :func:`tapebook.dataset.replay` run did.

    ``partitions``: one dict per input, in input order (keys: see
    :mod:`tapebook.dataset._task`); ``path``: the manifest.json; ``settings``,
    ``engine``, ``started``, ``finished``. ``ok`` / ``failed``: the partitions of
    each status; ``bool(m.failed)`` tells whether anything failed.
    """

    def __init__(
        self,
        partitions: list[dict[str, Any]],
        path: str | None = None,
        settings: dict[str, Any] | None = None,
        engine: str = "",
        started: str = "",
        finished: str = "",
    ) -> None:
        self.partitions = partitions
        self.path = path
        self.settings = settings or {}
        self.engine = engine
        self.started = started
        self.finished = finished

    @property
    def ok(self) -> list[dict[str, Any]]:
        return [p for p in self.partitions if p["status"] == "ok"]

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [p for p in self.partitions if p["status"] != "ok"]

    def __len__(self) -> int:
        return len(self.partitions)

    def __repr__(self) -> str:
        return f"<Manifest {len(self.ok)} ok, {len(self.failed)} failed, {self.path or 'not saved'}>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "tapebook_manifest": MANIFEST_VERSION,
            "settings": self.settings,
            "engine": self.engine,
            "started": self.started,
            "finished": self.finished,
            "partitions": self.partitions,
        }

    def save(self, path: str | None = None) -> None:
        """Write the manifest atomically (to ``path``, else ``self.path``)."""
        target = path or self.path
        if target is None:
            raise ValueError("Manifest.save: no path")
        data = json.dumps(self.to_dict(), indent=1).encode() + b"\n"
        outp.write_bytes_atomically(target, data)

    @classmethod
    def load(cls, path: str) -> Manifest:
        """Read a manifest.json (a directory means its manifest.json)."""
        from ..errors import InvalidArgumentError

        if os.path.isdir(path):
            path = os.path.join(path, MANIFEST_NAME)
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
        except OSError as e:
            raise InvalidArgumentError(f"manifest {path!r}: cannot read: {e.strerror or e}") from None
        except json.JSONDecodeError as e:
            raise InvalidArgumentError(f"manifest {path!r}: not JSON: {e}") from None
        if not isinstance(d, dict) or d.get("tapebook_manifest") != MANIFEST_VERSION:
            raise InvalidArgumentError(
                f"manifest {path!r}: not a tapebook manifest (version {MANIFEST_VERSION})"
            )
        parts = d.get("partitions")
        if not isinstance(parts, list) or not all(isinstance(p, dict) and "input" in p for p in parts):
            raise InvalidArgumentError(f"manifest {path!r}: 'partitions' is not a list of partitions")
        return cls(
            parts, path, d.get("settings"), d.get("engine", ""), d.get("started", ""), d.get("finished", "")
        )

    @classmethod
    def load_if_any(cls, path: str) -> Manifest | None:
        """The manifest at ``path``, or None when there is none (or it cannot be read:
        then everything runs again)."""
        try:
            return cls.load(path) if os.path.exists(path) else None
        except ValueError:
            return None


def is_done(part: dict[str, Any] | None, fingerprint: str) -> bool:
    """The done rule of the module docstring."""
    if part is None or part.get("status") != "ok" or part.get("fingerprint") != fingerprint:
        return False
    for path_key, sha_key in _SHA_KEYS:
        path = part.get(path_key)
        if path is None:
            continue
        try:
            if outp.sha256_of(path) != part.get(sha_key):
                return False
        except OSError:
            return False
    return True


class ManifestWriter:
    """Holds the partitions of a run and keeps ``<out>/manifest.json`` up to date."""

    def __init__(self, path: str, order: Iterable[str], settings: dict[str, Any], engine: str) -> None:
        self.manifest = Manifest([], path, settings, engine, _now())
        self._order = list(order)
        self._parts: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._dirty = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, part: dict[str, Any]) -> None:
        with self._lock:
            self._parts[part["input"]] = part
            self._dirty = True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="tapebook-manifest", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()

    def _snapshot(self) -> Manifest:
        m = self.manifest
        m.partitions = [self._parts[i] for i in self._order if i in self._parts]
        return m

    def flush(self, final: bool = False) -> Manifest:
        with self._lock:
            if not self._dirty and not final:
                return self.manifest
            m = self._snapshot()
            if final:
                m.finished = _now()
            m.save()
            self._dirty = False
            return m

    def close(self) -> Manifest:
        """Stop the background flushes and write the final manifest."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.flush(final=True)
