"""Issue 19 (hardening), training side: value ranges checked at load time, one writer per run folder."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from PIL import Image

from designgan.config import load_config, to_dict
from designgan.errors import ConfigError, DesignGANError
from designgan.landmarks.segmenter_train import SegmenterTrainConfig
from designgan.train import runlock
from designgan.train.config import load_train_config
from designgan.train.loop import train
from designgan.train.painter_config import is_painter_config, load_painter_config

from .conftest import tiny_config

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO / "src")}


@pytest.mark.parametrize(("override", "key"), [
    ("optim.lr=-1", "optim.lr"),
    ("optim.lr=0", "optim.lr"),
    ("optim.lr=.nan", "optim.lr"),
    ("model.ngf=0", "model.ngf"),
    ("model.ngf=-8", "model.ngf"),
    ("model.n_blocks=-1", "model.n_blocks"),
    ("train.checkpoint_every=0", "train.checkpoint_every"),
    ("train.log_every=0", "train.log_every"),
    ("train.image_every=0", "train.image_every"),
    ("train.keep_checkpoints=0", "train.keep_checkpoints"),
    ("optim.pool_size=-1", "optim.pool_size"),
    ("optim.betas=[0.5, 1.5]", "optim.betas"),
    ("data.num_workers=-1", "data.num_workers"),
    ("data.size=[100000, 100000]", "data.size"),
    ("data.scale=[1.5, 2.0]", "data.scale"),
    ("data.scale=[0.9, 0.5]", "data.scale"),
    ("data.heatmap_sigma=0", "data.heatmap_sigma"),
    ("loss.cycle=-1", "loss.cycle"),
    ("loss.texture_prob=2", "loss.texture_prob"),
    ("train.batch_size=10000", "train.batch_size"),
    ("train.stop_after=0", "train.stop_after"),
    ("model.generator=prior_renderer", "model.generator"),  # nothing to train
])
def test_out_of_range_values_name_the_key(override, key):
    with pytest.raises(ConfigError) as info:
        load_train_config(None, [override])
    message = str(info.value)
    assert f"'{key}'" in message and "\n" not in message


def test_out_dir_that_is_a_file_is_refused(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ConfigError, match=r"'train\.out_dir'"):
        load_train_config(None, [f"train.out_dir={afile}"])


def test_defaults_and_shipped_configs_still_pass():
    load_train_config(None, [])
    translator_configs = [p for p in sorted((REPO / "configs").rglob("*.yaml"))
                          if not p.name.startswith(("judge", "garment_judge", "landmarks", "realism"))]
    assert len(translator_configs) >= 6
    for path in translator_configs:
        if is_painter_config(path):  # the painter has its own schema (kind: painter)
            load_painter_config(path)
        elif path.name.startswith("segmenter"):  # a segmenter's (designgan landmarks segmenter-train)
            load_config(SegmenterTrainConfig, path)
        else:
            load_train_config(path)


def test_a_photo_given_as_config_is_one_line(tmp_path):
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 32), (200, 10, 10)).save(photo)
    with pytest.raises(ConfigError, match=r"photo\.jpg: not a YAML config file"):
        load_train_config(photo)


def test_cli_refuses_bad_values_before_any_work(tmp_path):
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (32, 32)).save(photo)
    cases = [(["--config", str(photo)], "not a YAML config file"),
             (["--set", "optim.lr=-1", "--config", str(REPO / "configs" / "cpu_small.yaml")], "'optim.lr'")]
    if not torch.cuda.is_available():
        cases.append((["--config", str(REPO / "configs" / "cpu_small.yaml"), "--set", "train.device=cuda",
                       "--set", f"train.out_dir={tmp_path / 'run'}"], "'train.device'"))
    for args, needle in cases:
        proc = subprocess.run([sys.executable, "-m", "designgan.cli", "train", *args], capture_output=True,
                              text=True, env=ENV, cwd=tmp_path, timeout=120)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], proc.stderr
    assert not (tmp_path / "run").exists()


def test_batch_larger_than_the_dataset_is_refused(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path / "run", batch_size=200)
    with pytest.raises(ConfigError, match=r"'train\.batch_size' is 200"):
        train(config)
    assert not (tmp_path / "run" / "checkpoints").exists()


HOLDER = ("import sys, time; from designgan.train import runlock; lock = runlock.acquire(sys.argv[1]); "
          "print('held', flush=True); time.sleep(120)")


def _hold(run_dir: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(run_dir)], stdout=subprocess.PIPE, text=True,
                            env=ENV)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_writer_is_refused_and_a_killed_writers_lock_is_taken_over(tmp_path):
    run_dir = tmp_path / "run"
    holder = _hold(run_dir)
    try:
        with pytest.raises(runlock.RunFolderBusyError) as info:
            runlock.acquire(run_dir)
        assert f"pid {holder.pid}" in str(info.value) and str(run_dir) in str(info.value)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The killed run left its lock file behind; it is stale and taken over.
    assert (run_dir / runlock.LOCK_NAME).read_text().split()[0] == str(holder.pid)
    lock = runlock.acquire(run_dir)
    assert lock.held and (run_dir / runlock.LOCK_NAME).read_text().split()[0] == str(os.getpid())
    lock.release()
    # Released (and a lock of this process that was never released is taken over by the same process).
    runlock.acquire(run_dir)
    again = runlock.acquire(run_dir)
    assert again.held
    del again
    other = _hold(run_dir)  # garbage-collected locks are free for other processes
    other.send_signal(signal.SIGKILL)
    other.wait()


def test_train_cli_into_a_folder_being_written_is_one_line(train_data, tmp_path):
    run_dir = tmp_path / "run"
    config = tiny_config(train_data, run_dir)
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(to_dict(config), sort_keys=False))
    holder = _hold(run_dir)
    try:
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "designgan.cli", "train", "--config", str(path)],
                              capture_output=True, text=True, env=ENV, timeout=120)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and f"another training run (pid {holder.pid})" in lines[0], proc.stderr
        assert not (run_dir / "config.yaml").exists()  # nothing of the first run's folder touched
        assert time.monotonic() - start < 60
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # With the writer gone, the same command runs; its checkpoint folders get the umask's mode, not 0700.
    old = os.umask(0o022)
    try:
        result = train(config)
    finally:
        os.umask(old)
    assert result.step == config.train.steps
    for folder in (run_dir / "checkpoints").glob("step_*"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_runlock_error_is_a_designgan_error():
    assert issubclass(runlock.RunFolderBusyError, DesignGANError)
