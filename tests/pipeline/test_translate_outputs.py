"""Issue 19, what ``designgan translate`` writes: a file name as ``-o``, ``--format``, existing outputs, Unicode
names, ``--side-by-side`` with the plain result, GIFs in folders, checks before the model loads, and an output
folder deleted while the command runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from designgan.app.demo import DemoBackend
from designgan.errors import DesignGANError
from designgan.io import read_image_metadata
from designgan.pipeline import DesignGANPipeline
from designgan.pipeline.files import read_landmark_lines, translate_files

from .conftest import tiny_parts
from .test_translate_cli import photos, run  # noqa: F401 (photos is a fixture)


def _landmark_file(tmp_path, jeans_photo, names):
    """A folder holding the jeans photo under each of ``names`` and a landmark file covering them."""
    import json

    path, points, _ = jeans_photo
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    lines = []
    for name in names:
        target = folder / name
        if target.suffix == ".gif":
            Image.open(path).convert("RGB").save(target)
        else:
            shutil.copy(path, target)
        lines.append(json.dumps({"image": str(target), "person_found": True, "points": points}))
    landmarks = tmp_path / "landmarks.jsonl"
    landmarks.write_text("\n".join(lines) + "\n")
    return folder, landmarks


def _assert_marked(path, source_name, fmt):
    with Image.open(path) as img:
        assert img.format == fmt
    meta = read_image_metadata(path)
    assert meta["AI-Edit"] == "true" and meta["DesignGAN-Edit"] == "trousers -> skirt", meta
    assert meta["DesignGAN-Source-File"] == source_name
    with Image.open(path) as img:  # every format carries IPTC's DigitalSourceType in XMP (PNG too: issue 27)
        xmp = img.info["xmp"]
        assert b"compositeWithTrainedAlgorithmicMedia" in (xmp if isinstance(xmp, bytes) else xmp.encode())
        assert b"from trousers to skirt" in (xmp if isinstance(xmp, bytes) else xmp.encode())
        if fmt != "PNG":  # viewers read EXIF ImageDescription and XMP, not the JSON in UserComment
            assert img.getexif()[0x010E].startswith("AI-edited image")


def test_a_file_name_as_output_writes_that_file_for_one_photo(tmp_path, pipeline_dir, jeans_photo):
    folder, landmarks = _landmark_file(tmp_path, jeans_photo, ["a.jpg", "b.jpg"])
    out = tmp_path / "result.jpg"
    result = run("translate", folder / "a.jpg", "--to", "skirt", "--model", pipeline_dir, "-o", out,
                 "--landmarks", landmarks)
    assert result.exit_code == 0, result.output
    assert out.is_file()  # a JPEG file, not a folder named result.jpg
    _assert_marked(out, "a.jpg", "JPEG")
    # several photos cannot share one file name; a disagreeing --format is refused too
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", tmp_path / "two.jpg")
    assert isinstance(result.exception, DesignGANError) and "-o names one output file, but 2 photos" \
        in str(result.exception)
    result = run("translate", folder / "a.jpg", "--to", "skirt", "--model", pipeline_dir, "-o", tmp_path / "x.png",
                 "--format", "webp")
    assert isinstance(result.exception, DesignGANError) and "--format says webp" in str(result.exception)
    assert not (tmp_path / "two.jpg").exists() and not (tmp_path / "x.png").exists()


@pytest.mark.parametrize(("fmt", "pil"), [("webp", "WEBP"), ("jpg", "JPEG"), ("png", "PNG")])
def test_format_option_writes_that_format_with_the_metadata(tmp_path, pipeline_dir, jeans_photo, fmt, pil):
    folder, landmarks = _landmark_file(tmp_path, jeans_photo, ["a.jpg"])
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", tmp_path / "out", "--format", fmt,
                 "--landmarks", landmarks)
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"a_skirt.{fmt}"]
    _assert_marked(tmp_path / "out" / f"a_skirt.{fmt}", "a.jpg", pil)


def test_an_existing_output_is_refused_unless_overwrite_or_skip_existing(tmp_path, pipeline_dir, jeans_photo):
    folder, landmarks = _landmark_file(tmp_path, jeans_photo, ["a.jpg"])
    out = tmp_path / "out"
    args = ("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", out, "--landmarks", landmarks)
    assert run(*args).exit_code == 0
    target = out / "a_skirt.png"
    target.write_bytes(b"the user's own file")
    result = run(*args)  # it silently overwrote: data build and export refuse
    assert isinstance(result.exception, DesignGANError)
    assert str(result.exception).startswith(f"{target}: already exists (the output of {folder / 'a.jpg'})")
    assert target.read_bytes() == b"the user's own file"
    result = run(*args, "--skip-existing")
    assert result.exit_code == 0 and "nothing to translate" in result.output
    assert target.read_bytes() == b"the user's own file"
    _landmark_file(tmp_path, jeans_photo, ["a.jpg", "b.jpg"])  # a new photo in the folder: only it is translated
    result = run(*args, "--skip-existing")
    assert result.exit_code == 0, result.output
    assert "skipping 1 of 2 photos whose output exists" in result.output and "translated 1 of 1" in result.output
    assert target.read_bytes() == b"the user's own file" and (out / "b_skirt.png").is_file()
    result = run(*args, "--overwrite")
    assert result.exit_code == 0, result.output
    assert read_image_metadata(target)["AI-Edit"] == "true"


def test_unicode_names_are_kept_and_recorded(tmp_path, pipeline_dir, jeans_photo):
    names = ["ünïcødé_照片.jpg", "照片.jpg", "写真.jpg"]
    folder, landmarks = _landmark_file(tmp_path, jeans_photo, names)
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", tmp_path / "out",
                 "--landmarks", landmarks)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(["ünïcødé_照片_skirt.png", "照片_skirt.png", "写真_skirt.png"])  # was n_c_d_skirt.png
    assert read_image_metadata(tmp_path / "out" / "ünïcødé_照片_skirt.png")["DesignGAN-Source-File"] == names[0]


def test_side_by_side_keeps_the_plain_result_and_gifs_in_folders_are_read(tmp_path, pipeline_dir, jeans_photo):
    folder, landmarks = _landmark_file(tmp_path, jeans_photo, ["a.jpg", "g.gif"])
    out = tmp_path / "out"
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", out, "--landmarks", landmarks,
                 "--side-by-side")
    assert result.exit_code == 0, result.output
    assert "translated 2 of 2 photos" in result.output  # the .gif was skipped in folders
    assert sorted(p.name for p in out.iterdir()) == ["a_skirt.png", "a_skirt_side_by_side.png", "g_skirt.png",
                                                     "g_skirt_side_by_side.png"]
    with Image.open(folder / "a.jpg") as src, Image.open(out / "a_skirt.png") as plain, \
            Image.open(out / "a_skirt_side_by_side.png") as pair:
        assert plain.size == src.size and pair.size == (2 * src.width, src.height)
    _assert_marked(out / "a_skirt_side_by_side.png", "a.jpg", "PNG")


def test_a_wrong_target_or_texture_fails_before_the_shipped_model_loads(tmp_path, photos, monkeypatch):  # noqa: F811
    folder, _ = photos
    loads = []
    monkeypatch.setattr(DesignGANPipeline, "from_pretrained", classmethod(lambda cls, *a, **k: loads.append(a)))
    result = run("translate", folder, "--to", "hat", "-o", tmp_path / "o")  # the bundled model
    assert isinstance(result.exception, DesignGANError) and "cannot translate to 'hat'" in str(result.exception)
    bad = tmp_path / "fabric.jpg"
    bad.write_text("not an image")
    result = run("translate", folder, "--to", "skirt", "-o", tmp_path / "o", "--texture", bad)
    assert isinstance(result.exception, DesignGANError) and str(result.exception).startswith(f"{bad}: not a readable")
    assert loads == [] and not (tmp_path / "o").exists()


def test_an_output_folder_deleted_mid_run_is_reported(tmp_path, run_dir, jeans_photo):
    folder, landmarks = _landmark_file(tmp_path, jeans_photo, ["a.jpg", "b.jpg", "c.jpg"])
    files = sorted(folder.iterdir())
    out = tmp_path / "out"
    out.mkdir()
    pipe = DesignGANPipeline.from_pretrained(run_dir, precision="fp32", channels_last=False, **tiny_parts())
    lines: list[str] = []
    results = translate_files(pipe, files, [out / f"{f.stem}.png" for f in files], "skirt",
                              table=read_landmark_lines(landmarks), batch_size=1, log=lines.append,
                              progress=lambda n: shutil.rmtree(out, ignore_errors=True))  # after the first batch
    # reported "3 of 3" before: atomic writes made the folder again
    assert [r.status for r in results] == ["failed"] * 3 and all(r.output is None for r in results), lines
    assert not out.exists()
    assert all(line.startswith("error: ") for line in lines) and len(lines) == 3, lines


def test_the_demo_removes_its_own_results_folder_at_exit(tmp_path):
    code = "from designgan.app.demo import DemoBackend; print(DemoBackend(object()).out_dir)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")})
    assert proc.returncode == 0, proc.stderr
    made = Path(proc.stdout.strip())
    assert made.name.startswith("designgan-demo-") and not made.exists()
    given = tmp_path / "results"
    DemoBackend(object(), given)
    assert given.is_dir()  # a folder the user chose is theirs to keep


def test_an_unknown_detector_is_refused_before_the_model_loads(tmp_path, photos):  # noqa: F811
    folder, _ = photos
    result = run("translate", folder, "--to", "skirt", "-o", tmp_path / "o", "--detector", "yolo")
    assert isinstance(result.exception, DesignGANError)
    assert str(result.exception) == "--detector must be windows or landmarks or hog, got 'yolo'"


def test_batches_on_several_threads_write_the_same_files_in_the_same_order(tmp_path, run_dir, jeans_photo):
    import numpy as np

    folder, landmarks = _landmark_file(tmp_path, jeans_photo, [f"p{i}.jpg" for i in range(5)])
    (folder / "p2.jpg").write_text("not an image")  # a failure in the middle of the folder
    files = sorted(folder.glob("*.jpg"))
    pipe = DesignGANPipeline.from_pretrained(run_dir, precision="fp32", channels_last=False, **tiny_parts())
    runs = {}
    for workers in (1, 3):
        out = tmp_path / f"out{workers}"
        out.mkdir()
        progress: list[int] = []
        results = translate_files(pipe, files, [out / f"{f.stem}.png" for f in files], "skirt",
                                  table=read_landmark_lines(landmarks), batch_size=1, log=lambda _: None,
                                  progress=progress.append, workers=workers)
        assert sum(progress) == 5
        runs[workers] = [(r.input.name, r.status) for r in results], out
    assert runs[1][0] == runs[3][0]
    assert [status for _, status in runs[3][0]] == ["failed"] + ["translated"] * 4
    for name in ("p0", "p1", "p3", "p4"):
        assert np.array_equal(np.asarray(Image.open(runs[1][1] / f"{name}.png")),
                              np.asarray(Image.open(runs[3][1] / f"{name}.png"))), name
