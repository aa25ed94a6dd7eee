import json
import os
import subprocess
import sys

import pytest

from tests.conftest import CCP_MINI, FIXTURES


def run(*args, check=True):
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "designgan.cli", *args], capture_output=True, text=True, env=env)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_version():
    assert run("--version").stdout.startswith("designgan ")


@pytest.mark.parametrize("command", [[], ["data"], ["data", "build"], ["data", "build", "ccp"],
                                     ["data", "build", "folders"], ["data", "build", "deepfashion2"],
                                     ["data", "check"], ["data", "preview"]])
def test_help_everywhere(command):
    assert "Usage" in run(*command, "--help").stdout


def test_build_json_check_preview(tmp_path):
    out = tmp_path / "ds"
    proc = run("data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jeans", "--b", "skirt", "--out", str(out),
               "--json")
    assert json.loads(proc.stdout) == {"train_a": 3, "train_b": 2, "test_a": 2, "test_b": 2}
    assert run("data", "check", str(out)).returncode == 0
    run("data", "preview", str(out), "--out", str(tmp_path / "p.png"))
    assert (tmp_path / "p.png").stat().st_size > 1000


@pytest.mark.parametrize(("args", "needle"), [
    (["data", "build", "ccp", "--root", "/nope", "--a", "jeans", "--b", "skirt", "--out", "X"], "/nope/photos"),
    (["data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jorts", "--b", "skirt", "--out", "X"],
     "unknown CCP label 'jorts'"),
    (["data", "build", "folders", "--root", str(FIXTURES / "ccp_mini"), "--out", "X"], "no trainA/trainB"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, args, needle):
    args = [a if a != "X" else str(tmp_path / "out") for a in args]
    proc = run(*args, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], proc.stderr
    assert not (tmp_path / "out").exists()


def test_debug_shows_traceback(tmp_path):
    proc = run("--debug", "data", "build", "ccp", "--root", "/nope", "--a", "jeans", "--b", "skirt",
               "--out", str(tmp_path / "o"), check=False)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_check_reports_problems_with_exit_1(tmp_path):
    proc = run("data", "check", str(tmp_path), check=False)
    assert proc.returncode == 1 and "dataset.json" in proc.stdout


def _all_command_paths():
    import typer

    from designgan.cli import app

    def walk(command, prefix):
        yield prefix
        if hasattr(command, "commands"):  # a group (typer vendors its own click, so no isinstance check)
            for name, sub in command.commands.items():
                yield from walk(sub, [*prefix, name])

    return list(walk(typer.main.get_command(app), []))


def test_every_command_has_help():
    from typer.testing import CliRunner

    from designgan.cli import app

    paths = _all_command_paths()
    assert len(paths) > 20
    runner = CliRunner()
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, (path, result.output)
