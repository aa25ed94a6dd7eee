"""Issue 27: SIGTERM and Ctrl-C during a folder translate leave no temporary file in -o and say how many photos
were written and how to resume; a run that writes nothing leaves no empty output folder behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from .test_translate_outputs import _landmark_file


def _start(tmp_path, pipeline_dir, jeans_photo, out):
    folder, landmarks = _landmark_file(tmp_path, jeans_photo, [f"p{i:02d}.jpg" for i in range(40)])
    cmd = [sys.executable, "-c", "from designgan.cli import main; main()", "translate", str(folder), "--to", "skirt",
           "--model", str(pipeline_dir), "--landmarks", str(landmarks), "-o", str(out), "--batch-size", "1",
           "--threads", "1"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_folder_leaves_no_temporary_file_and_says_how_to_resume(tmp_path, pipeline_dir, jeans_photo, sig,
                                                                            code):
    out = tmp_path / "out"
    proc = _start(tmp_path, pipeline_dir, jeans_photo, out)
    deadline = time.monotonic() + 240
    while not (out.is_dir() and any(out.glob("*.png"))):  # the first photo written: the run is mid-folder
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no output appeared"
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    written = sorted(p.name for p in out.iterdir())
    assert proc.returncode == code, err
    assert written and all(name.endswith("_skirt.png") for name in written), written  # no *.tmp
    assert len(written) < 40
    assert f"{len(written)} of 40 photos written" in err and "--skip-existing" in err, err
    assert "Traceback" not in err


def test_no_empty_output_folder_when_nothing_was_written(tmp_path, pipeline_dir):
    import json

    from PIL import Image

    photo = tmp_path / "plain.jpg"
    Image.new("RGB", (64, 96), (120, 140, 160)).save(photo)
    landmarks = tmp_path / "none.jsonl"  # nobody in it: the photo fails without the landmark network
    landmarks.write_text(json.dumps({"image": str(photo), "person_found": False, "points": {}}) + "\n")
    out = tmp_path / "new" / "folder"
    proc = subprocess.run([sys.executable, "-c", "from designgan.cli import main; main()", "translate", str(photo),
                           "--to", "skirt", "--model", str(pipeline_dir), "--landmarks", str(landmarks),
                           "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "no person found" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert not (tmp_path / "new").exists()  # neither the folder nor the parent made for it
