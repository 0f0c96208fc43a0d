"""The class engine: training jobs as Ray tasks, queued by one job-board actor, on any number of machines.

The board is a named, detached actor that needs no CPU: it keeps the JobTable, starts waiting jobs in
fair order as CPUs free up, and hears each task's progress (the reply carries the stop flag). Tasks and the
board outlive the app that submitted them, so a restarted app re-attaches. Every node must see the runs
folder at the same path (GENLIB_RUNS_DIR) and have this checkout at the same path.

Ray is started outside the app (`./lab class`, `ray start --head`, or the CLI's main thread): a local Ray
started from a Streamlit script thread dies with that thread. The app only connects.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from dataclasses import asdict
from pathlib import Path

from ..errors import GenlibError
from ..runs.files import atomic_write
from .job_table import JobState
from .jobs import LockedTable, run_job, train_device

BOARD_NAME, NAMESPACE = "genlib-job-board", "genlib"
CODE_ROOT = Path(__file__).resolve().parents[2]  # the checkout: workers import genlib from here
TICK_S = 0.5         # how often the board looks for finished tasks and free CPUs
GPU_ARCHS = {"gan": ("infogan",)}  # jobs that ask for a GPU when the cluster has one
JOURNAL_NAME = "job-board.json"   # the board's journal, in the shared runs folder
CALL_TIMEOUT_S = 30  # a board call unanswered this long means the cluster is lost
BOARD_START_TIMEOUT_S = 180  # a new board's start (a fresh worker importing torch) may take longer than a call
LOG = logging.getLogger(__name__)


class RayUnavailable(GenlibError):
    """The Ray cluster cannot be reached."""


def connect(address: str | None) -> str:
    """Connect this process to a running Ray cluster once (None: the one `ray start` left on this machine).

    A refused port is answered at once: ray.init would otherwise retry for minutes."""
    import ray

    if ray.is_initialized():
        return ray.get_runtime_context().gcs_address
    if address and address != "auto":
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host or "127.0.0.1", int(port)), timeout=3).close()
        except (OSError, ValueError) as err:
            raise RayUnavailable(f"Cannot reach the Ray cluster at {address} ({err}). Start it with `./lab class` "
                                 "(or `ray start --head`), or unset GENLIB_RAY_ADDRESS to train in this "
                                 "server's threads.") from None
    try:
        ray.init(address=address or "auto", **_init_options())
    except (ConnectionError, RuntimeError) as err:
        raise RayUnavailable(f"Cannot connect to the Ray cluster at {address or 'this machine'}: {err}") from None
    return ray.get_runtime_context().gcs_address


def start_local(num_cpus: int | None = None) -> None:
    """Start a private Ray on this machine from the calling thread (a CLI's or pytest's main thread, never a
    Streamlit script thread); ray.shutdown() stops it."""
    import ray

    ray.init(address="local", num_cpus=num_cpus or os.cpu_count(), include_dashboard=False,
             object_store_memory=100 * 2**20, **_init_options())


def _init_options() -> dict:
    """Workers import genlib from this checkout and write runs where this process does."""
    from ..runs.store import user_runs_dir
    env = {"PYTHONPATH": str(CODE_ROOT), "GENLIB_RUNS_DIR": str(user_runs_dir())}
    return {"namespace": NAMESPACE, "logging_level": "ERROR", "log_to_driver": False,
            "runtime_env": {"env_vars": env}}


def _board_class():
    import ray

    # restarted by Ray when its process dies; a new board (after a kill) is made by the next app call: either way
    # it starts from the journal
    @ray.remote(num_cpus=0, max_restarts=-1)
    class JobBoard(LockedTable):
        """Owns the job table of the whole cluster and starts its training tasks; journals the table on every
        change, so a board that died is followed by one that knows every job."""

        def __init__(self, running_per_owner: int, waiting_per_owner: int):
            super().__init__(_cluster_cpus(), running_per_owner, waiting_per_owner)
            self.tasks: dict = {}  # job id -> the task's ObjectRef
            self.train_task = _train_task_function()
            self.me = ray.get_runtime_context().current_actor
            self.journal_path = journal_path()
            with self.lock:
                self.table.restore(_read_journal(self.journal_path))
                self._save_journal()
            threading.Thread(target=self._watch, daemon=True).start()

        def submit(self, owner, kind, run_dir, model, train, limits=None) -> JobState:
            with self.lock:
                job = self.table.submit(owner, kind, run_dir, model, train, limits)
                self._save_journal()
            self._tick()
            with self.lock:  # as it is after the tick: it may have started
                return self.table.snapshot_of(job.id)

        def placed(self, job_id: str, where: str, pid: int) -> None:
            with self.lock:
                self.table.placed(job_id, where, pid)
                self._save_journal()

        def stop(self, job_id: str, owner: str) -> None:
            with self.lock:
                self.table.stop(job_id, owner)
                self._save_journal()

        def _save_journal(self) -> None:
            """Write the table where every node sees it (the shared runs folder); called holding the lock."""
            atomic_write(self.journal_path, json.dumps(self.table.journal(), default=float).encode())

        def describe(self) -> dict:
            resources = ray.cluster_resources()
            with self.lock:
                return {"cpus": int(resources.get("CPU", 0)), "gpus": int(resources.get("GPU", 0)),
                        "nodes": len([n for n in ray.nodes() if n["Alive"]]), **self.table.load()}

        def _watch(self) -> None:
            while True:
                time.sleep(TICK_S)
                try:
                    self._tick()
                except Exception:  # a passing cluster hiccup must not end the board; its log says what it was
                    LOG.exception("the job board's tick failed; it goes on")

        def _tick(self) -> None:
            """Collect finished tasks (a dead worker fails its job), then start what fits."""
            with self.lock:
                refs = list(self.tasks.values())
            done, _ = ray.wait(refs, num_returns=len(refs), timeout=0) if refs else ([], [])
            for job_id, ref in [(j, r) for j, r in list(self.tasks.items()) if r in done]:
                try:
                    status, message = ray.get(ref)
                except ray.exceptions.RayError as err:
                    status, message = "failed", (f"failed: the worker running it died ({type(err).__name__}); the "
                                                 "epochs it finished are kept and the run can be resumed.")
                    _mark_run_failed(self.table.jobs[job_id].run_dir, message)
                with self.lock:
                    self.table.finish(job_id, status, message)
                    del self.tasks[job_id]
                    self._save_journal()
            gpus = ray.cluster_resources().get("GPU", 0)
            with self.lock:
                self.table.slots = _cluster_cpus()
                for job in self.table.to_start():
                    options = {"num_gpus": 1} if gpus and _wants_gpu(job) else {}
                    self.tasks[job.id] = self.train_task.options(**options).remote(job, self.me)
                    self._save_journal()

    return JobBoard


def journal_path() -> Path:
    """The job board's journal: in the runs folder, which every node shares."""
    from ..runs.store import user_runs_dir
    return user_runs_dir() / JOURNAL_NAME


def _read_journal(path: Path) -> dict:
    """The journal a previous board left, or an empty one (none yet, or unreadable: said in the log)."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        LOG.exception("the job board's journal %s could not be read; starting with no jobs", path)
        return {}


def _cluster_cpus() -> int:
    import ray
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def _wants_gpu(job: JobState) -> bool:
    return job.model.get("arch") in GPU_ARCHS.get(job.kind, ())


def _mark_run_failed(run_dir: str, message: str) -> None:
    """The dead worker cannot record its end: say it in the run's history so its pages do not show 'running'."""
    from ..runs.store import Run
    try:
        Run(run_dir).set_status("failed", message)
    except (GenlibError, OSError):
        pass  # the run never got as far as its first file: nothing to mark


def _train_task_function():
    import ray

    @ray.remote(num_cpus=1, max_retries=0)
    def train_task(job: JobState, board) -> tuple[str, str]:
        """Train one job on whichever worker Ray chose, reporting to the board."""
        folder = Path(job.run_dir).parent  # made by the submitting machine: missing here means not shared
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            return "failed", (f"The worker on {socket.gethostname()} cannot write the runs folder {folder}: "
                              "GENLIB_RUNS_DIR must be the same shared folder (NFS or similar) on every node.")
        gpus = ray.get_gpu_ids()
        device = f"{train_device(job)}, GPU {','.join(map(str, gpus))}" if gpus else train_device(job)
        no_gpu = " - this cluster has no GPU, so it trains on a CPU" if _wants_gpu(job) and not gpus else ""
        board.placed.remote(job.id, f"{socket.gethostname()} ({device}){no_gpu} "
                                    f"node {ray.get_runtime_context().get_node_id()[:8]}", os.getpid())
        return run_job(job, lambda event: ray.get(board.report.remote(job.id, event)))

    return train_task


class RayEngine:
    """The job interface of ThreadEngine, served by the cluster's job board."""

    def __init__(self, address: str | None = None, running_per_owner: int = 1, waiting_per_owner: int = 1):
        import ray

        self.address = connect(address)
        self._limits = (running_per_owner, waiting_per_owner)
        self._ray = ray
        self.board = self._board()

    def _board(self):
        """The cluster's board: the live one, or a new one (restored from the journal) if it was killed. A new
        one starts in a fresh worker that imports torch first: on a busy 2-core machine that took over the 30 s a
        call may take, so its start has a limit of its own."""
        board = _board_class().options(name=BOARD_NAME, namespace=NAMESPACE, lifetime="detached",
                                       get_if_exists=True).remote(*self._limits)
        try:
            self._ray.get(board.__ray_ready__.remote(), timeout=BOARD_START_TIMEOUT_S)
        except self._ray.exceptions.RayError as err:
            raise RayUnavailable(f"The job board of the Ray cluster at {self.address} did not start "
                                 f"({type(err).__name__}); runs on disk are safe. Restart the cluster "
                                 "(`./lab class`) and reload the page.") from None
        return board

    def _call(self, method_name: str, *args):
        try:
            try:
                return self._ray.get(getattr(self.board, method_name).remote(*args), timeout=CALL_TIMEOUT_S)
            except self._ray.exceptions.ActorDiedError:  # killed for good: the next board takes over the journal
                self.board = self._board()
                return self._ray.get(getattr(self.board, method_name).remote(*args), timeout=CALL_TIMEOUT_S)
        except self._ray.exceptions.RayTaskError as err:  # the board raised a user-fixable error
            if isinstance(err.cause, GenlibError):
                raise err.cause from None
            raise
        except (self._ray.exceptions.RayError, ConnectionError) as err:
            raise RayUnavailable(f"Lost the connection to the Ray cluster at {self.address} "
                                 f"({type(err).__name__}); runs on disk are safe. Restart the cluster "
                                 "(`./lab class`) and reload the page.") from None

    def submit(self, owner: str, kind: str, run_dir, model_cfg, train_cfg, limits=None) -> JobState:
        Path(run_dir).parent.mkdir(parents=True, exist_ok=True)  # a worker that cannot see it is refused
        return self._call("submit", owner, kind, str(run_dir), asdict(model_cfg), asdict(train_cfg),
                          limits)

    def jobs(self, owner: str | None) -> list[JobState]:
        return self._call("jobs", owner)

    def stop(self, job_id: str, owner: str) -> None:
        self._call("stop", job_id, owner)

    def describe(self) -> dict:
        return {"engine": f"Ray at {self.address}", **self._call("describe")}
