"""Training faults, with real processes and real signals: SIGKILL mid-run, SIGINT/SIGTERM, NaN losses, a full disk.

Each fault runs ``python -m designgan.cli train`` (or the loop itself) on the tiny synthetic dataset, one thread.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from designgan.config import to_dict
from designgan.errors import DesignGANError
from designgan.train.checkpoint import CHECKPOINTS, LATEST, WEIGHTS, latest_checkpoint, load_checkpoint
from designgan.train.config import TrainConfig
from designgan.train.cycle import Discriminators, Generators
from designgan.train.loop import train

from .conftest import tiny_config

ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def write_config(config: TrainConfig, path: Path) -> Path:
    path.write_text(yaml.safe_dump(to_dict(config), sort_keys=False))
    return path


def train_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "designgan.cli", "train", *args]


def start(args: list[str], log: Path, **popen) -> subprocess.Popen:
    """Start a training process whose stderr (progress bar and messages) goes to ``log``."""
    with open(log, "wb") as fh:
        return subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, env=ENV, **popen)


def progress_step(log: Path) -> int:
    """The newest step the progress bar printed (tqdm writes 'train:  40%|####  | 4/10 ...' lines)."""
    steps = re.findall(r"\| *(\d+)/\d+ \[", log.read_text(errors="replace"))
    return int(steps[-1]) if steps else 0


def wait_for(condition, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"training exited early ({proc.returncode}):\n{log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out:\n{log.read_text()[-2000:]}")
        time.sleep(0.01)


def message_lines(text: str) -> list[str]:
    """Output lines other than progress-bar redraws."""
    lines = [part.strip() for line in text.splitlines() for part in line.split("\r")]
    return [line for line in lines if line and not line.startswith("train:")]


def checkpoint_step(run: Path) -> int:
    return int((run / CHECKPOINTS / LATEST).read_text().strip().split("_")[1])


def fresh_models(config: TrainConfig) -> dict[str, torch.nn.Module]:
    return {"G": Generators(config), "D": Discriminators(config)}


def assert_weights_equal(path_a: Path, path_b: Path) -> None:
    a, b = load_file(str(path_a)), load_file(str(path_b))
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, f"{len(different)} tensors differ, e.g. {different[:3]}"


def test_sigkill_at_a_random_step_resumes_from_the_last_checkpoint_exactly(train_data, tmp_path):
    steps, every = 24, 4
    config = tiny_config(train_data, tmp_path / "killed", steps=steps, checkpoint_every=every, keep_checkpoints=100,
                         log_every=100, image_every=1000, progress=True)
    path = write_config(config, tmp_path / "tiny.yaml")
    log = tmp_path / "killed.log"
    proc = start(train_cmd("--config", str(path)), log)
    # Kill between checkpoints, at a step chosen at random past the first checkpoint.
    kill_at = every + 1 + int.from_bytes(os.urandom(1), "little") % (every - 1)
    wait_for(lambda: progress_step(log) >= kill_at, proc, log)
    seen = progress_step(log)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    run = tmp_path / "killed"
    saved = checkpoint_step(run)
    # Nothing reported complete was lost: at most the steps since the last checkpoint are gone.
    assert saved >= seen - seen % every and saved % every == 0 and saved < steps

    resumed = subprocess.run(train_cmd("--resume", str(run), "--set", "train.progress=false"), env=ENV,
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"from step {saved} (step_{saved:08d})" in resumed.stderr  # the counter continued from there
    assert checkpoint_step(run) == steps
    assert not list((run / CHECKPOINTS).glob(".*"))  # no temporary left by the kill survives the resume

    # Every checkpoint on disk loads completely (weights + training state with weights_only) and is what it says.
    folders = sorted((run / CHECKPOINTS).glob("step_*"))
    assert [int(f.name.split("_")[1]) for f in folders] == list(range(every, steps + 1, every))
    for folder in folders:
        state = load_checkpoint(folder, fresh_models(config))
        assert state["step"] == int(folder.name.split("_")[1]) and state["opt_g"]["state"]

    # The same length straight through (in this process, also one thread) ends with the very same weights.
    straight = train(tiny_config(train_data, tmp_path / "straight", steps=steps, checkpoint_every=steps,
                                 log_every=100, image_every=1000))
    assert straight.step == steps
    assert_weights_equal(latest_checkpoint(run) / WEIGHTS, latest_checkpoint(tmp_path / "straight") / WEIGHTS)


def test_sigint_and_sigterm_checkpoint_the_last_step_then_exit(train_data, tmp_path):
    procs = {}
    for signum in (signal.SIGINT, signal.SIGTERM):  # both at once: process start-up dominates
        name = signal.Signals(signum).name
        config = tiny_config(train_data, tmp_path / name, steps=100000, checkpoint_every=1000, log_every=1000,
                             image_every=100000, progress=True)
        log = tmp_path / f"{name}.log"
        procs[signum] = (config, log, start(train_cmd("--config", str(write_config(config, tmp_path / f"{name}.yaml"))),
                                            log))
    for signum, (config, log, proc) in procs.items():
        wait_for(lambda log=log: progress_step(log) >= 3, proc, log)
        seen = progress_step(log)
        os.kill(proc.pid, signum)
        assert proc.wait(timeout=60) == 128 + signum  # 130 / 143, like a shell reports a signal
        text = log.read_text()
        lines = message_lines(text)
        assert len(lines) == 1 and "Traceback" not in text, text[-2000:]
        name = signal.Signals(signum).name
        match = re.fullmatch(rf"interrupted by {name}: checkpoint at step (\d+); continue with --resume (.+)",
                             lines[0])
        run = tmp_path / name
        assert match and Path(match.group(2)) == run, lines
        step = int(match.group(1))
        assert step >= seen and checkpoint_step(run) == step  # the step it was on when the signal came, saved
        state = load_checkpoint(latest_checkpoint(run), fresh_models(config))
        assert state["step"] == step and state["trained_seconds"] > 0  # the schedule's clock travels with it


def test_nonfinite_loss_skips_the_step_logs_it_and_training_goes_on(train_data, tmp_path, capfd):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tmp_path / "run"
    result = train(tiny_config(train_data, run, steps=3, checkpoint_every=1, keep_checkpoints=10,
                               debug_nan_at_steps=[2]))
    assert result.step == 3 and result.skipped_steps == [2]
    ckpt = run / CHECKPOINTS
    # Step 2 changed nothing: weights and optimizer moments equal those after step 1; step 3 trained again.
    assert_weights_equal(ckpt / "step_00000001" / WEIGHTS, ckpt / "step_00000002" / WEIGHTS)
    s1 = torch.load(ckpt / "step_00000001" / "state.pt", weights_only=True)
    s2 = torch.load(ckpt / "step_00000002" / "state.pt", weights_only=True)
    for opt in ("opt_g", "opt_d"):
        for key, moments in s1[opt]["state"].items():
            assert all(torch.equal(moments[k], s2[opt]["state"][key][k]) for k in moments)
    w2, w3 = load_file(str(ckpt / "step_00000002" / WEIGHTS)), load_file(str(ckpt / "step_00000003" / WEIGHTS))
    assert any(not torch.equal(w2[k], w3[k]) for k in w2)
    assert [h["step"] for h in result.history] == [1, 3]  # NaN never reaches the loss history
    err = capfd.readouterr().err
    assert "warning: non-finite loss at step 2: step skipped, weights unchanged (1 in a row, stop at 5)" in err
    events = EventAccumulator(str(run / "tb"))
    events.Reload()
    assert [(e.step, e.value) for e in events.Scalars("faults/nonfinite_loss")] == [(2, 1.0)]


def test_k_nonfinite_steps_in_a_row_stop_with_one_line(train_data, tmp_path, capfd):
    run = tmp_path / "run"
    config = tiny_config(train_data, run, steps=8, checkpoint_every=1, keep_checkpoints=10,
                         debug_nan_at_steps=[2, 3, 4], max_nonfinite_steps=3)
    with pytest.raises(DesignGANError) as error:  # the CLI prints DesignGANErrors as 'error: ...', exit code 2
        train(config)
    assert str(error.value) == ("training stopped at step 4: 3 steps in a row had a non-finite loss "
                                f"(train.max_nonfinite_steps); lower optim.lr or use fp32, then --resume {run}")
    lines = message_lines(capfd.readouterr().err)
    assert [line for line in lines if line.startswith("warning:")] == [
        f"warning: non-finite loss at step {s}: step skipped, weights unchanged ({s - 1} in a row, stop at 3)"
        for s in (2, 3, 4)]
    # The last checkpoint holds the last good weights (step 1's), so a resume starts from sane numbers.
    assert checkpoint_step(run) == 3
    assert_weights_equal(run / CHECKPOINTS / "step_00000001" / WEIGHTS, run / CHECKPOINTS / "step_00000003" / WEIGHTS)


def test_a_learning_rate_that_really_diverges_stops_the_run(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path / "run", steps=30, checkpoint_every=100, max_nonfinite_steps=2)
    config.optim.lr = 1e30
    with pytest.raises(DesignGANError, match=r"2 steps in a row had a non-finite loss"):
        train(config)


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_full_disk_while_saving_keeps_the_previous_checkpoint(train_data, tmp_path):
    run = tmp_path / "run"
    config = tiny_config(train_data, run, steps=2, checkpoint_every=2, image_every=1000)
    train(config)
    weights_size = (run / CHECKPOINTS / "step_00000002" / WEIGHTS).stat().st_size
    config_size = (run / "config.yaml").stat().st_size
    # Room for the config, logs and sample image, not for a checkpoint's weights.
    limit = max(4 * config_size, 64 * 1024)
    assert limit < weights_size
    proc = subprocess.run(train_cmd("--resume", str(run), "--set", "train.steps=4"), env=ENV, capture_output=True,
                          text=True, timeout=120, preexec_fn=_limit_file_size(limit))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = message_lines(proc.stderr)
    assert re.fullmatch(rf"error: {re.escape(str(run / CHECKPOINTS / 'step_00000004'))}: could not write the "
                        r"checkpoint \(.*File too large.*\); the previous checkpoint \(step_00000002\) is intact",
                        lines[-1]), lines
    assert checkpoint_step(run) == 2
    assert sorted(p.name for p in (run / CHECKPOINTS).iterdir()) == [LATEST, "step_00000002"]  # no temporaries
    assert load_checkpoint(latest_checkpoint(run), fresh_models(config))["step"] == 2
    # With room again, the run continues from that checkpoint.
    assert train(tiny_config(train_data, run, steps=4, checkpoint_every=2), resume=True).step == 4
    assert checkpoint_step(run) == 4
