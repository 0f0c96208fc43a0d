"""One writer per run: whatever trains into a run folder holds the lock of its `writer.lock` file meanwhile.

The lock is an advisory flock: the kernel drops it when its holder's process dies, however it dies (Ctrl-C, a
killed server, a dead Ray worker), so a run whose history says "running" while nobody holds its lock was
interrupted. flock is per open file, so two threads of one process that each open the file exclude each other
too, and on a shared NFSv4 folder the lock is seen by every node. The file also names its holder, for the
message a second writer reads.
"""
from __future__ import annotations

import fcntl
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from ..errors import RunError

LOCK_NAME = "writer.lock"
ACQUIRE_TRIES = 20  # 50 ms apart: a second (not a moment's) hold means another writer


class WriterLock:
    """The run's lock, held from acquire() until release() (or until the process ends)."""

    def __init__(self, run_dir: Path | str):
        self.path = Path(run_dir) / LOCK_NAME
        self._file = None

    def acquire(self, what: str) -> "WriterLock":
        """Take the lock for `what` (e.g. "python -m genlib train ..."), or raise RunError naming its holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        for attempt in range(ACQUIRE_TRIES):
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt + 1 < ACQUIRE_TRIES:  # a reader's brief look (is_being_written) also holds it
                    time.sleep(0.05)
                    continue
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise RunError(f"Run {self.path.parent} is being trained by {holder}; wait for it to end or stop "
                               "it first, or train into another folder.") from None
        handle.seek(0)
        handle.truncate()
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        handle.write(f"process {os.getpid()} on {platform.node()} ({what}), since {since}")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file drops its flock
            self._file = None


def is_being_written(run_dir: Path | str) -> bool:
    """Whether anything holds the run's writer lock now (this process's own writers included)."""
    path = Path(run_dir) / LOCK_NAME
    try:
        handle = open(path)  # read-only: a shipped run in a read-only checkout is readable too
    except OSError:
        return False  # never locked (or unreadable): nothing is writing it through this lock
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False  # the shared lock we took goes with the file's closing


def this_command() -> str:
    """How this process was started, for the lock's holder line."""
    return " ".join(["python", *sys.argv]) if sys.argv and sys.argv[0] else "python"
