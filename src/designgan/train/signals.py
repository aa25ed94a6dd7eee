"""Ctrl-C and SIGTERM during training: finish the current step, checkpoint it, stop.

The first SIGINT / SIGTERM is recorded and the previous handler put back, so the same signal again aborts at once.
Only the main thread can install handlers; under torchrun the launcher owns signals (``enabled=False``).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


def catch_stop_signals(enabled: bool = True) -> tuple[list[int], Callable[[], None]]:
    """(the signals received so far, a function restoring the previous handlers: call it in a ``finally``)."""
    received: list[int] = []
    previous: dict[int, Any] = {}
    if enabled and threading.current_thread() is threading.main_thread():
        def on_stop(signum: int, frame: Any) -> None:
            received.append(signum)
            signal.signal(signum, previous[signum])

        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_stop)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return received, restore


def interrupted_message(signum: int, step: int, run_dir: Path) -> str:
    return (f"interrupted by {signal.Signals(signum).name}: checkpoint at step {step}; "
            f"continue with --resume {run_dir}")
