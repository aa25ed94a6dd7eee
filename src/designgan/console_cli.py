"""The ``designgan`` console script: the one process-wide setting, made at start-up, then the command line.

Spinning OpenMP threads slow every stage 3-5x on a CPU shared with other work. The wait policy is read when torch
loads its OpenMP runtime, so it is set here, before :mod:`designgan.cli` (and with it torch) is imported; importing
any other module of the package changes no process-wide setting.
"""

from __future__ import annotations

import os


def main() -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from designgan.cli import main as run_command_line

    run_command_line()
