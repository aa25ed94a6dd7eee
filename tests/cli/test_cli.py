import json
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.conftest import CCP_MINI, FIXTURES


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(*args, check=True, capsys=None):
    """Run ``designgan ARGS`` through the real entry point (in-process: importing torch once is enough)."""
    import pytest

    from designgan import cli

    old_argv = sys.argv
    sys.argv = ["designgan", *args]
    cli._state["debug"] = False
    try:
        with pytest.raises(SystemExit) as info:
            cli.main()
            raise SystemExit(0)
    finally:
        sys.argv = old_argv
    captured = capsys.readouterr()
    code = info.value.code if isinstance(info.value.code, int) else (0 if info.value.code is None else 1)
    result = Result(code, captured.out, captured.err)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def run_subprocess(*args):
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "designgan.cli", *args], capture_output=True, text=True, env=env)


def test_version_as_installed_command():
    proc = run_subprocess("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("designgan ")


def test_build_json_check_preview(tmp_path, capsys):
    out = tmp_path / "ds"
    proc = run("data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jeans", "--b", "skirt", "--out", str(out),
               "--json", capsys=capsys)
    assert json.loads(proc.stdout) == {"train_a": 3, "train_b": 2, "test_a": 2, "test_b": 2}
    # --json prints the counts its help promises (it printed only the problem list: issue 19), and the problems
    checked = json.loads(run("data", "check", str(out), "--json", capsys=capsys).stdout)
    assert checked == {"dataset": str(out), "counts": json.loads(proc.stdout), "ok": True, "problems": []}
    run("data", "preview", str(out), "--out", str(tmp_path / "p.png"), capsys=capsys)
    assert (tmp_path / "p.png").stat().st_size > 1000


@pytest.mark.parametrize(("args", "needle"), [
    (["data", "build", "ccp", "--root", "/nope", "--a", "jeans", "--b", "skirt", "--out", "X"], "/nope/photos"),
    (["data", "build", "ccp", "--root", str(CCP_MINI), "--a", "jorts", "--b", "skirt", "--out", "X"],
     "unknown CCP label 'jorts'"),
    (["data", "build", "folders", "--root", str(FIXTURES / "ccp_mini"), "--out", "X"], "no trainA/trainB"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, args, needle):
    args = [a if a != "X" else str(tmp_path / "out") for a in args]
    proc = run(*args, check=False, capsys=capsys)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], proc.stderr
    assert not (tmp_path / "out").exists()


def test_debug_shows_traceback_and_plain_errors_exit_2(tmp_path):
    args = ["data", "build", "ccp", "--root", "/nope", "--a", "jeans", "--b", "skirt", "--out", str(tmp_path / "o")]
    plain = run_subprocess(*args)
    assert plain.returncode == 2 and plain.stderr.strip().count("\n") == 0 and "Traceback" not in plain.stderr
    debug = run_subprocess("--debug", *args)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_check_reports_problems_with_exit_1(tmp_path, capsys):
    proc = run("data", "check", str(tmp_path), check=False, capsys=capsys)
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
