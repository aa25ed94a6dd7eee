"""One writer per run folder: a lock file holding the writer's pid.

``designgan train`` takes the lock of its run folder before any work; a second run into the same folder (a fresh
one or a ``--resume``) is refused with one line naming the folder and the pid holding it. The lock is an OS
advisory lock (``flock``) on ``RUN/.designgan.lock``: the kernel drops it when its process ends, however it ends,
so the file a killed run leaves behind is stale and the next run takes it over. Where ``flock`` does not exist
(Windows), the pid written in the file is checked for liveness instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from pathlib import Path

from designgan.errors import DesignGANError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".designgan.lock"

# Locks this process holds, by lock-file path: training is synchronous, so a lock of our own that is still open
# when the same folder is locked again belongs to an earlier, finished (or failed) call and is taken over.
# Weak references: a lock nobody refers to any more (train() returned) is released by garbage collection.
_held: weakref.WeakValueDictionary[str, RunLock] = weakref.WeakValueDictionary()
_held_guard = threading.RLock()


class RunFolderBusyError(DesignGANError):
    """Another live process is writing to the run folder."""


class RunLock:
    """The lock of one run folder, held until :meth:`release` (or until this object is garbage collected)."""

    def __init__(self, run_dir: Path, fd: int) -> None:
        self.run_dir = run_dir
        self.path = run_dir / LOCK_NAME
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with _held_guard:
            if _held.get(str(self.path)) is self:
                del _held[str(self.path)]
        if fcntl is None:
            with contextlib.suppress(OSError):
                self.path.unlink()
        os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.release()


def _pid_in(path: Path) -> str:
    try:
        return path.read_text().split()[0]
    except (OSError, IndexError):
        return "?"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def acquire(run_dir: str | Path) -> RunLock:
    """Take the lock of ``run_dir`` (created if missing) or raise :class:`RunFolderBusyError` naming the holder."""
    run_dir = Path(run_dir)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DesignGANError(f"{run_dir}: train.out_dir is a file, not a folder") from None
    except OSError as exc:
        raise DesignGANError(f"{run_dir}: cannot create the run folder ({exc.strerror})") from None
    path = run_dir / LOCK_NAME
    with _held_guard:
        earlier = _held.pop(str(path), None)
    if earlier is not None:
        earlier.release()
    if fcntl is None:  # pragma: no cover - Windows: pid liveness
        return _acquire_by_pid(run_dir, path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise DesignGANError(f"{path}: cannot create the run lock ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise _busy(run_dir, _pid_in(path)) from None
    # Ours now (a stale file from a killed run is simply taken over): record our pid for the message above.
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    lock = RunLock(run_dir, fd)
    with _held_guard:
        _held[str(path)] = lock
    return lock


def _busy(run_dir: Path, pid: str) -> RunFolderBusyError:
    return RunFolderBusyError(f"{run_dir}: another training run (pid {pid}) is writing to this folder; wait for it "
                              "to end or choose another train.out_dir")


def _acquire_by_pid(run_dir: Path, path: Path) -> RunLock:  # pragma: no cover
    for _ in range(3):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            pid = _pid_in(path)
            if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
                raise _busy(run_dir, pid) from None
            with contextlib.suppress(OSError):
                path.unlink()  # stale: its process is gone
            continue
        os.write(fd, f"{os.getpid()}\n".encode())
        lock = RunLock(run_dir, fd)
        with _held_guard:
            _held[str(path)] = lock
        return lock
    raise _busy(run_dir, _pid_in(path))
