"""Computing per-file facts in child processes, each file under a memory and a time bound.

Files whose facts are not cached are analysed in worker processes (at least one, also with `--jobs 1`),
so that no single file can take the run down:

* **Memory.** Each worker limits its own address space (`RLIMIT_AS`) to what it had at start plus
  `memory_budget()` (default 4 GiB, `$ROUTEGUARD_WORKER_MEMORY_MB`). A file that needs more fails in
  its worker: a `MemoryError` (reported by `extract`) or, when the allocation fails in native code, the
  death of the worker; either way that file is RG000 and the run goes on with a fresh worker.
* **Time.** A file that takes longer than `file_timeout()` (default 120 s, `$ROUTEGUARD_FILE_TIMEOUT`)
  has its worker killed and is RG000 "took longer than ...". The bounds on size and nesting
  (parsing/source.py) keep every file far below it; this is the backstop.
* **Death.** A worker that dies (out of memory, a crash in native code, killed) takes only the file it
  was analysing: the parent knows which file each worker holds, reports it, and starts another worker.
* **No orphans.** A worker exits when the parent dies, even by SIGKILL: on Linux the kernel sends it
  SIGKILL (`PR_SET_PDEATHSIG`); elsewhere a watchdog thread notices that its parent changed. Workers
  ignore SIGINT: Ctrl-C is the parent's to handle, and kills them on its way out.

Files are sent one at a time (a round trip costs far less than parsing one file), biggest first.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

try:
    import resource
except ImportError:  # not on Windows: no memory bound there
    resource = None  # type: ignore[assignment]  # the module or None, checked before each use

DEFAULT_MEMORY_MB = 4096
DEFAULT_TIMEOUT = 120.0
_WATCHDOG_PERIOD = 0.5


def memory_budget() -> int:
    """Bytes of address space a worker may use beyond what it had at start (0: no bound)."""
    try:
        megabytes = int(os.environ.get("ROUTEGUARD_WORKER_MEMORY_MB", DEFAULT_MEMORY_MB))
    except ValueError:
        megabytes = DEFAULT_MEMORY_MB
    return max(megabytes, 0) * 1024 * 1024


def file_timeout() -> float:
    """Seconds one file may take in a worker (0: no bound)."""
    try:
        seconds = float(os.environ.get("ROUTEGUARD_FILE_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        seconds = DEFAULT_TIMEOUT
    return seconds if seconds > 0 else 0.0


def died_message() -> str:
    budget = memory_budget()
    bound = f"{budget // (1024 * 1024):,} MiB" if budget else "no bound"
    return (f"the process analysing this file died (out of memory: the bound per file is {bound}; or a crash "
            f"in the parser)")


def timeout_message(seconds: float) -> str:
    return f"analysing this file took longer than {seconds:g} s (the bound per file): stopped"


# ------------------------------------------------------------------------------------------ the worker


_LIBC: Any = None


def _load_libc() -> None:
    """In the parent, once: a forked worker then needs neither to import ctypes nor to load libc (tens of
    milliseconds per worker otherwise)."""
    global _LIBC
    if _LIBC is None and sys.platform.startswith("linux"):
        try:
            import ctypes

            _LIBC = ctypes.CDLL(None, use_errno=True)
        except Exception:
            _LIBC = False


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            if _LIBC is None:
                _load_libc()
            _LIBC.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except Exception:
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:  # portable fallback: a parent that died leaves us with another parent
        while True:
            time.sleep(_WATCHDOG_PERIOD)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="routeguard-watchdog", daemon=True).start()


def _limit_memory() -> None:
    budget = memory_budget()
    if not budget:
        return
    try:
        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        current = 0
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = current + budget
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (NameError, AttributeError, ValueError, OSError):
        pass


def _worker(conn: Connection, parent: int, task: Callable[[Any], Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the parent around fork
    try:
        _die_with_parent(parent)
        _limit_memory()
        while True:
            message = conn.recv()
            if message is None:
                break
            conn.send(task(message[1]))
    except BaseException:
        os._exit(1)        # parent reports the file this worker held
    os._exit(0)


# ------------------------------------------------------------------------------------------ the parent


class _Worker:
    def __init__(self, context: Any, task: Callable[[Any], Any]) -> None:
        parent_end, child_end = context.Pipe()
        self.conn: Connection = parent_end
        self.process = context.Process(target=_worker, args=(child_end, os.getpid(), task), daemon=True,
                                       name="routeguard-worker")
        blocked = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
        if blocked:  # so that a Ctrl-C cannot reach the child before it ignores SIGINT
            old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process.start()
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
        child_end.close()
        self.job: Any = None
        self.started = 0.0

    def give(self, job: Any) -> None:
        self.job, self.started = job, time.monotonic()
        self.conn.send(job)

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(5)
        except Exception:
            pass
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2)
        self.conn.close()


_Job = TypeVar("_Job")
_Result = TypeVar("_Result")


def run(jobs: Sequence[_Job], workers: int, task: Callable[[_Job], _Result],
        on_failure: Callable[[_Job, str], _Result]) -> list[_Result]:
    """`task(job)` for every job, in `workers` child processes; a job whose worker died or ran out of
    time gives `on_failure(job, message)` instead. Results in `jobs` order."""
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    _load_libc()
    timeout = file_timeout()
    results: dict[int, _Result] = {}
    queue = list(enumerate(jobs))
    queue.reverse()  # pop() from the end takes them in order
    idle: list[_Worker] = []
    busy: dict[Connection, _Worker] = {}
    count = max(1, min(workers, len(jobs)))
    try:
        while queue or busy:
            while queue and len(busy) < count:
                worker = idle.pop() if idle else _Worker(context, task)
                number, job = queue.pop()
                worker.give((number, job))
                busy[worker.conn] = worker
            wait_for = None
            if timeout:
                oldest = min(w.started for w in busy.values())
                wait_for = max(0.0, oldest + timeout - time.monotonic())
            sentinels = {w.process.sentinel: w for w in busy.values()}
            ready = wait([*busy, *sentinels], timeout=wait_for)
            for item in ready:
                found = busy.get(item) if isinstance(item, Connection) else sentinels.get(item)
                if found is None or found.conn not in busy:
                    continue
                worker = found
                number, job = worker.job
                try:
                    results[number] = worker.conn.recv()
                    del busy[worker.conn]
                    idle.append(worker)
                    continue
                except (EOFError, OSError):
                    pass
                except Exception:
                    pass
                del busy[worker.conn]
                worker.kill()
                results[number] = on_failure(job, died_message())
            if timeout:
                now = time.monotonic()
                for worker in list(busy.values()):
                    if now - worker.started > timeout:
                        del busy[worker.conn]
                        worker.kill()
                        number, job = worker.job
                        results[number] = on_failure(job, timeout_message(timeout))
    finally:
        for worker in busy.values():
            worker.kill()
        for worker in idle:
            worker.stop()
    return [results[number] for number in range(len(jobs))]
