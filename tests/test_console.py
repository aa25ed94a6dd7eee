"""The console script makes the one process-wide setting; importing the command tree or building a pipeline makes
none (issue 31)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import designgan

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_importing_the_command_tree_changes_no_process_setting() -> None:
    assert _run("import os, designgan.cli; print(os.environ.get('OMP_WAIT_POLICY'))") == "None"


def test_the_console_script_sets_the_wait_policy() -> None:
    code = ("import os, sys; sys.argv = ['designgan', '--version']\n"
            "from designgan import console_cli\n"
            "try:\n    console_cli.main()\nexcept SystemExit:\n    pass\n"
            "print(os.environ.get('OMP_WAIT_POLICY'))")
    assert _run(code).splitlines() == [f"designgan {designgan.__version__}", "PASSIVE"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["designgan"] == "designgan.console_cli:main"


def test_building_a_pipeline_leaves_torch_threads_alone(pipeline_dir: Path) -> None:
    """Loading a saved pipeline and every one of its components (untrained parts, tests/conftest.py)."""
    code = ("import torch; torch.set_num_threads(1)\n"
            "from designgan.pipeline import DesignGANPipeline\n"
            f"pipe = DesignGANPipeline.from_pretrained({str(pipeline_dir)!r})\n"
            "parts = pipe.landmarks, pipe.masker, pipe.garment_classifier\n"
            "print(torch.get_num_threads())")
    assert _run(code) == "1"
