"""Where the tasks run: in this process (``engine="serial"``) or on Dask distributed.

Both engines run the same :func:`~tapebook.dataset._task.run_task` on the same
tasks, so they write the same bytes. The work is a list of chains (a chain is a
list of tasks that run in order, each continuing the book of the one before;
without chain=True every chain has one task) with, for each, the partition of
the file its first task continues (a resumed chain) or None.

On Dask, every task is one ``client.submit``; a chained task gets the future of
the task before it as its argument, so the scheduler runs the links of a chain
in order while different chains (instruments) run in parallel — a task graph,
not a barrier. A task whose worker died (``KilledWorker``, a lost connection)
is submitted again, up to ``retries`` times, together with the links of its
chain that were waiting for it; after that it is a failed partition. A
:class:`~distributed.LocalCluster` that this module starts has the scheduler's
own ``allowed-failures`` at 0 and a worker saturation of 1.0 (a worker holds only
the task it runs), so ``retries`` counts every run exactly; a given client or
scheduler keeps its own settings, and its own resubmissions come first.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from typing import Any

from ..errors import InvalidArgumentError
from ._task import Task, describe_error, failed, run_task

Work = list[tuple[list[Task], "dict[str, Any] | None"]]
OnDone = Callable[[dict[str, Any]], None]


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def run_serial(work: Work, on_done: OnDone) -> None:
    for links, prev in work:
        for task in links:
            part = run_task(task, prev)
            on_done(part)
            prev = part


class OwnedClient:
    """A Dask client, and what to close when the run is over (nothing for a given client)."""

    def __init__(self, client: Any, scheduler: str | None, workers: int | None) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise ImportError(
                "engine='dask' needs Dask distributed (pip install 'tapebook[dataset]'); "
                "or use engine='serial'"
            ) from None
        self._close: list[Any] = []
        if client is not None:
            self.client = client
            self.description = f"client {getattr(client, 'scheduler', None) and client.scheduler.address}"
            return
        if scheduler is not None:
            try:
                self.client = Client(scheduler, timeout="20s")
            except OSError as e:
                raise InvalidArgumentError(f"scheduler={scheduler!r}: cannot connect: {e}") from None
            self._close.append(self.client)
            self.description = f"scheduler {scheduler}"
            return
        n = workers or available_cores()
        import logging

        with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}):
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
                scheduler_kwargs={"allowed_failures": 0, "dashboard_address": "127.0.0.1:0"},
            )
        self._close.append(cluster)
        self.client = Client(cluster)
        self._close.insert(0, self.client)
        self.description = f"local cluster of {n} worker process{'es' if n != 1 else ''}"

    def close(self) -> None:
        for obj in self._close:
            with contextlib.suppress(Exception):  # best effort: the run's result stands
                obj.close()
        self._close.clear()


def run_dask(work: Work, client: Any, retries: int, on_done: OnDone) -> None:
    from distributed import as_completed

    current: dict[tuple[int, int], Any] = {}
    where: dict[str, tuple[int, int]] = {}  # future key -> (chain, link)
    attempts: dict[tuple[int, int], int] = {}
    queue = as_completed()

    def submit(c: int, i: int) -> None:
        links, prev = work[c]
        arg = current[(c, i - 1)] if i > 0 else prev
        task = links[i]
        key = f"tapebook-dataset-{task.stem}-{uuid.uuid4().hex[:12]}"
        fut = client.submit(run_task, task, arg, key=key, pure=False)
        current[(c, i)] = fut
        where[key] = (c, i)
        queue.add(fut)

    for c, (links, _prev) in enumerate(work):
        for i in range(len(links)):
            attempts[(c, i)] = 1
            submit(c, i)
    try:
        for fut in queue:
            c, i = where[fut.key]
            if current.get((c, i)) is not fut:
                continue  # superseded by a resubmission
            if fut.status == "finished":
                part = fut.result()
                part["attempts"] = attempts[(c, i)]
                on_done(part)
                continue
            try:
                exc: BaseException = fut.exception()
            except BaseException as e:  # a cancelled future raises instead of returning
                exc = e
            # a waiting link fails with its dependency's KilledWorker: find the link that died
            k = i
            key = culprit_key(exc)
            culprit = where.get(key) if key is not None else None
            if culprit is not None and culprit[0] == c and getattr(current.get(culprit), "key", None) == key:
                k = culprit[1]
            links = work[c][0]
            if attempts[(c, k)] <= retries:
                attempts[(c, k)] += 1
                for j in range(k, len(links)):
                    submit(c, j)
                continue
            part = failed(
                links[k], f"the worker running it died {attempts[(c, k)]} times: {describe_error(exc)}"
            )
            part["attempts"] = attempts[(c, k)]
            on_done(part)
            for j in range(k + 1, len(links)):
                current.pop((c, j), None)
                on_done(failed(links[j], f"not run: it continues {links[j - 1].input}, which failed"))
            current.pop((c, k), None)
    finally:
        pending = [f for f in current.values() if f.status == "pending"]
        if pending:
            client.cancel(pending)


def culprit_key(exc: BaseException) -> str | None:
    key = getattr(exc, "task", None)
    return key if isinstance(key, str) else None
