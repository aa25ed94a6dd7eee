"""The ``landmarks`` commands end to end on tiny inputs (64x64 network input, one training step)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from designgan.errors import DataError, DesignGANError
from designgan.landmarks.cli import app
from designgan.landmarks.predict import DEFAULT_WEIGHTS
from designgan.landmarks.schema import LANDMARK_NAMES
from designgan.landmarks.teacher import mediapipe_available
from tests.conftest import CCP_MINI

FIXTURE_LABELS = Path(__file__).parent / "fixtures" / "labels.jsonl"
PHOTO = CCP_MINI / "photos" / "0001.jpg"


def run(*args: str, check: bool = True) -> Result:
    """Invoke the landmarks app in-process (one torch import for the whole module); user errors come back as
    ``result.exception``, which ``designgan.cli.main`` prints as one line (tested separately in a subprocess)."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    if check:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: on a CI machine shared with other jobs, two threads are far slower than one."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landmarks_run")
    run("train", "--labels", str(FIXTURE_LABELS), "--out", str(out), "--set", "epochs=1", "--set", "batch_size=2",
        "--set", "input_height=64", "--set", "input_width=64", "--set", "warmup_steps=1", "--set", "eval_every=1")
    return out


def test_train_writes_checkpoint_history_and_weights(tiny_run: Path):
    assert (tiny_run / "last.pt").is_file()
    history = json.loads((tiny_run / "history.json").read_text())
    assert len(history) == 1 and "heldout" in history[0]
    meta = json.loads((tiny_run / "landmarks.json").read_text())
    assert meta["model"]["input_height"] == 64 and meta["train_photos"] == 2 and meta["heldout_photos"] == 2


def test_resume_continues_from_the_checkpoint(tiny_run: Path, tmp_path: Path):
    import shutil

    out = tmp_path / "resumed"
    shutil.copytree(tiny_run, out)
    proc = run("train", "--labels", str(FIXTURE_LABELS), "--out", str(out), "--resume", "--set", "epochs=2",
               "--set", "batch_size=2", "--set", "input_height=64", "--set", "input_width=64",
               "--set", "warmup_steps=1")
    assert "resumed from" in proc.output
    assert [h["epoch"] for h in json.loads((out / "history.json").read_text())] == [1, 2]


def test_eval_json(tiny_run: Path):
    proc = run("eval", "--labels", str(FIXTURE_LABELS), "--weights", str(tiny_run / "landmarks.safetensors"),
               "--json")
    metrics = json.loads(proc.stdout)
    assert metrics["photos"] == 2 and metrics["split"] == "heldout"
    for group in ("body", "lower_garment", "upper_garment"):
        assert 0.0 <= metrics[group]["pck@0.05"] <= metrics[group]["pck@0.1"] <= 1.0
    assert metrics["body"]["count"] > 20


def test_predict_json_and_overlay(tiny_run: Path, tmp_path: Path):
    overlay = tmp_path / "o.png"
    proc = run("predict", str(PHOTO), "--weights", str(tiny_run / "landmarks.safetensors"), "--json",
               "--overlay", str(overlay))
    result = json.loads(proc.stdout)
    assert set(result["points"]) == set(LANDMARK_NAMES)
    assert isinstance(result["person_found"], bool) and result["low_confidence"] == (not result["person_found"])
    assert overlay.stat().st_size > 1000


def test_overlays_picture(tiny_run: Path, tmp_path: Path):
    out = tmp_path / "ov.png"
    run("overlays", "--labels", str(FIXTURE_LABELS), "--weights", str(tiny_run / "landmarks.safetensors"),
        "--count", "2", "--height", "96", "--out", str(out))
    from PIL import Image

    with Image.open(out) as img:
        assert img.height == 96 and img.width > 96


def test_cache_writes_one_line_per_manifest_record(tiny_run: Path, mini_dataset: Path):
    run("cache", "--data", str(mini_dataset), "--weights", str(tiny_run / "landmarks.safetensors"))
    manifest = [json.loads(x) for x in (mini_dataset / "manifest.jsonl").read_text().splitlines() if x.strip()]
    cache = [json.loads(x) for x in (mini_dataset / "landmarks.jsonl").read_text().splitlines()]
    assert [c["key"] for c in cache] == [m["key"] for m in manifest]
    assert all(set(c["points"]) == set(LANDMARK_NAMES) and len(c["points"]["left_hip"]) == 3 for c in cache)


def test_bench_json(tiny_run: Path):
    proc = run("bench", "--weights", str(tiny_run / "landmarks.safetensors"), "--runs", "2", "--json")
    result = json.loads(proc.stdout)
    assert result["image_size"] == [550, 825] and result["median_ms"] > 0


def test_bad_image_is_a_one_line_error(tmp_path: Path):
    bad = tmp_path / "notes.jpg"
    bad.write_text("this is not an image")
    proc = subprocess.run([sys.executable, "-m", "designgan.landmarks.cli", "predict", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "notes.jpg" in lines[0] and "not a readable image" in lines[0]


def test_missing_labels_is_a_clear_error(tmp_path: Path):
    result = run("train", "--labels", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "r"), check=False)
    assert isinstance(result.exception, DataError) and "label file not found" in str(result.exception)


@pytest.mark.skipif(not DEFAULT_WEIGHTS.is_file(), reason="shipped landmark weights not present")
def test_shipped_weights_find_the_person():
    result = json.loads(run("predict", str(PHOTO), "--json").stdout)
    assert result["person_found"]
    record = json.loads(FIXTURE_LABELS.read_text().splitlines()[0])
    scale = result["width"] / record["width"]  # the committed slice's photos are smaller than CCP's
    labels = {name: [v * scale for v in p[:2]] for name, p in record["points"].items()}
    height = labels["left_ankle"][1] - labels["nose"][1]
    for name in ("left_hip", "right_hip", "left_knee", "right_knee", "left_shoulder", "right_shoulder"):
        x, y, conf = result["points"][name]
        assert conf > 0.3
        assert abs(x - labels[name][0]) < 0.1 * height and abs(y - labels[name][1]) < 0.1 * height, name


@pytest.mark.skipif(not mediapipe_available(), reason="MediaPipe teacher not installed (extra 'teacher')")
def test_pseudo_label_dataset(mini_dataset: Path):
    run("pseudo-label", "--teacher", "mediapipe", "--data", str(mini_dataset))
    labels = [json.loads(x) for x in (mini_dataset / "landmark_labels.jsonl").read_text().splitlines()]
    manifest = (mini_dataset / "manifest.jsonl").read_text().splitlines()
    assert len(labels) == len([m for m in manifest if m.strip()])
    assert all(r["person_found"] for r in labels)
    with_maps = [r for r in labels if "left_waistline" not in r["unlabelled"]]
    assert with_maps and any(r["points"]["left_waistline"][2] == 1 for r in with_maps)


def test_unknown_teacher():
    result = run("pseudo-label", "--teacher", "openpose", "--data", ".", check=False)
    assert isinstance(result.exception, DesignGANError) and "unknown teacher" in str(result.exception)
