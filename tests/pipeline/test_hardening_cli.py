"""Issue 19, smaller defects of ``designgan translate`` / ``landmarks predict`` and the CLI's start-up."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from designgan.errors import DesignGANError
from designgan.pipeline import DesignGANPipeline

from .test_translate_cli import photos, run  # noqa: F401 (photos is a fixture)

REPO = Path(__file__).resolve().parents[2]


def test_overwrite_refusal_names_the_input_that_would_be_lost(tmp_path, pipeline_dir, jeans_photo):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(jeans_photo[0], folder / "x.jpg")
    shutil.copy(jeans_photo[0], folder / "x_skirt.png")
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", folder)
    assert isinstance(result.exception, DesignGANError)
    message = str(result.exception)
    assert f"the output of {folder / 'x.jpg'} (x_skirt.png) would overwrite the input {folder / 'x_skirt.png'}" \
        in message, message


def test_landmark_lines_that_match_no_photo_are_reported(photos, pipeline_dir, tmp_path):  # noqa: F811
    folder, landmarks = photos
    lines = landmarks.read_text().splitlines()
    stray = json.loads(lines[0]) | {"image": str(tmp_path / "elsewhere.jpg")}
    landmarks.write_text("\n".join([*lines, json.dumps(stray)]) + "\n")
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", tmp_path / "o", "--landmarks",
                 landmarks)
    assert result.exit_code == 0, result.output
    assert "1 of 3 landmark lines match no input photo" in result.output
    assert str(tmp_path / "elsewhere.jpg") in result.output


def test_category_names_ignore_case(run_dir):
    pipe = DesignGANPipeline.from_pretrained(run_dir, precision="fp32", channels_last=False)
    assert pipe.direction("Skirt") == pipe.direction("skirt") == ("G_AB", "jeans", "skirt")
    assert pipe.direction("JEANS") == ("G_BA", "skirt", "jeans")


def test_the_shipped_landmarks_predict_json_honours_min_confidence(capsys):
    from designgan.showcase import example_photos
    from tests.cli.test_cli import run as run_cli

    photo = str(example_photos()[0])
    every = json.loads(run_cli("landmarks", "predict", photo, "--json", capsys=capsys).stdout)
    confident = json.loads(run_cli("landmarks", "predict", photo, "--json", "--min-confidence", "0.9",
                                   capsys=capsys).stdout)
    assert confident["points"] and len(confident["points"]) < len(every["points"])
    assert all(p[2] >= 0.9 for p in confident["points"].values())


def test_the_cli_starts_without_importing_torch():
    # 'designgan --version' took 6 s: the CLI imported torch and torchvision at start-up.
    code = "import sys, designgan.cli; print(sorted(m for m in ('torch', 'torchvision', 'timm') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_file_size_limit_during_export_is_one_line(run_dir, tmp_path):
    import resource
    import signal

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))  # the tiny model's weights are larger

    out = tmp_path / "model"
    proc = subprocess.run([sys.executable, "-m", "designgan.cli", "export", str(run_dir), str(out)],
                          capture_output=True, text=True, timeout=120, preexec_fn=limit,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {out / 'translator.safetensors'}: could not write "
                                                   "the model"), lines
    assert not any(p.is_file() for p in out.rglob("*"))  # no partial file
