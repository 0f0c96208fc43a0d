"""Finished epochs go to disk on one background thread while the next epoch trains."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable


class EpochWriter:
    """Runs each epoch's write on one thread, in the order the epochs finished.

    The run store's commit order holds: one write at a time, each ending with the history that lists its epoch.
    After a failed write nothing later is written (a history must never list an epoch whose files are missing),
    and the failure is raised in the training thread, at its next submit or when it waits for the writes.
    """

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="genlib-epoch-writer")
        self._pending: list[Future] = []
        self._failed = False  # set by the writer thread; read only there

    def submit(self, write: Callable[[], None]) -> None:
        self._raise_failures(wait=False)
        self._pending.append(self._pool.submit(self._unless_failed, write))

    def wait(self) -> None:
        """Return once every submitted write is on disk; raise the first that failed."""
        self._raise_failures(wait=True)

    def close(self) -> None:
        """Finish the writes already submitted (a training that raised keeps its finished epochs) and stop."""
        self._pool.shutdown(wait=True)

    def _unless_failed(self, write: Callable[[], None]) -> None:
        if self._failed:
            return
        try:
            write()
        except BaseException:
            self._failed = True
            raise

    def _raise_failures(self, wait: bool) -> None:
        while self._pending and (wait or self._pending[0].done()):
            self._pending.pop(0).result()
