"""``designgan translate`` / ``bench translate`` through typer, on real photos and hostile inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from designgan.cli import app  # the real command tree, as `designgan` mounts it
from designgan.errors import DesignGANError
from designgan.pipeline import DesignGANPipeline, bundled_models, default_model, output_paths, safe_name

from .conftest import tiny_parts


@pytest.fixture
def photos(tmp_path, jeans_photo):
    """A folder with two copies of a jeans photo, a landmark file, and the landmarks as JSON lines."""
    path, points, _ = jeans_photo
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(path, folder / "a.jpg")
    shutil.copy(path, folder / "b c.jpg")
    lines = [{"image": str(folder / n), "person_found": True, "points": points} for n in ("a.jpg", "b c.jpg")]
    landmarks = tmp_path / "landmarks.jsonl"
    landmarks.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return folder, landmarks


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)


def test_translate_folder_writes_marked_pngs(photos, pipeline_dir, tmp_path):
    folder, landmarks = photos
    out = tmp_path / "out"
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", out, "--landmarks", landmarks,
                 "--side-by-side")
    assert result.exit_code == 0, result.output
    assert "translated 2 of 2 photos" in result.output
    written = sorted(p.name for p in out.iterdir())
    assert written == ["a_skirt.png", "a_skirt_side_by_side.png", "b c_skirt.png", "b c_skirt_side_by_side.png"]
    with Image.open(out / "a_skirt_side_by_side.png") as img:
        src = Image.open(folder / "a.jpg")
        assert img.size == (src.width * 2, src.height)
        assert img.text["AI-Edit"] == "true" and img.text["DesignGAN-Edit"] == "trousers -> skirt"
        assert img.text["DesignGAN-Model"] == str(pipeline_dir) and img.text["DesignGAN-Source-File"] == "a.jpg"
        assert img.text["Software"].startswith("DesignGAN ")


def test_bad_files_get_one_line_and_no_output(photos, pipeline_dir, tmp_path):
    folder, landmarks = photos
    (folder / "broken.jpg").write_bytes((folder / "a.jpg").read_bytes()[:200])
    (folder / "text.png").write_text("hello")
    Image.new("RGB", (1, 1)).save(folder / "tiny.png")
    Image.new("1", (9000, 6000)).save(folder / "bomb.png")  # 54 MP: over the pixel limit, a few KB on disk
    out = tmp_path / "out"
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", out, "--landmarks", landmarks)
    assert result.exit_code == 1
    # The progress bar shares the captured stream; each error is still one line of its own.
    errors = [line[line.index("error:"):] for line in result.output.replace("\r", "\n").splitlines()
              if "error:" in line]
    assert len(errors) == 4
    for name, why in (("broken.jpg", "not a readable image"), ("text.png", "not a readable image"),
                      ("tiny.png", "smaller than"), ("bomb.png", "above the limit")):
        assert any(name in e and why in e for e in errors), (name, errors)
    assert sorted(p.name for p in out.iterdir()) == ["a_skirt.png", "b c_skirt.png"]  # no partial or temp files


def test_refuses_an_outdir_that_would_overwrite_an_input(tmp_path, pipeline_dir, jeans_photo):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(jeans_photo[0], folder / "x.jpg")
    shutil.copy(jeans_photo[0], folder / "x_skirt.png")
    before = (folder / "x_skirt.png").read_bytes()
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "-o", folder)
    assert result.exit_code != 0 and isinstance(result.exception, DesignGANError)
    assert "would overwrite the input" in str(result.exception)
    assert (folder / "x_skirt.png").read_bytes() == before


def test_output_names_cannot_escape(tmp_path):
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("..") == "image" and safe_name(".hidden") == "hidden"
    assert safe_name("a\\b\x00c\nd\u200be") == "a_b_c_d_e"  # separators, control and format characters
    assert safe_name("ünïcødé_照片 (1)") == "ünïcødé_照片 (1)"  # everything else is kept
    assert len(safe_name("照" * 300).encode()) <= 150
    files = [tmp_path / "../a/..x.jpg", tmp_path / "a.jpg", tmp_path / "b" / "a.jpg"]
    paths = output_paths(files, tmp_path / "out", "../skirt")
    assert all(p.parent == (tmp_path / "out").resolve() for p in paths)
    assert len({p.name for p in paths}) == 3


def test_unknown_category_and_missing_model(photos, pipeline_dir, tmp_path):
    folder, _ = photos
    result = run("translate", folder, "--to", "hat", "--model", pipeline_dir, "-o", tmp_path / "o")
    assert "cannot translate to 'hat'" in str(result.exception)
    assert not (tmp_path / "o").exists()
    with pytest.raises(DesignGANError, match="no bundled translator"):  # a checkout shipping none
        default_model("skirt", tmp_path / "no_weights")


def test_bench_translate_json(pipeline_dir, monkeypatch):
    monkeypatch.setenv("DESIGNGAN_CPU_BF16", "0")  # a CPU without native bf16: auto must pick fp32, and say so
    result = run("bench", "translate", "--model", pipeline_dir, "--repeats", "1", "--warmup", "0", "--folder-size", "1",
                 "--json", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "precision auto -> fp32" in result.stderr  # printed at start
    report = json.loads(result.stdout)
    assert report["precision_choice"] == "auto" and report["precision"] == "fp32"
    assert report["cpu_bf16_override"] == "0" and report["landmarks_bf16"] is False and report["device"] == "cpu"
    assert report["photo_size"] == [550, 825] or report["photo_size"][0] == 550
    assert set(report["latency_s"]["stages_median"]) == {"decode", "landmarks", "prepare", "generator", "compose",
                                                         "encode"}
    folder = report["folder"]
    assert folder["photos"] == 1 and folder["seconds"] > 0
    assert folder["photos_per_s"] == pytest.approx(folder["photos"] / folder["seconds"], rel=0.01)


def test_example_fabric_is_a_pattern():
    from designgan.showcase import example_fabric

    fabric = example_fabric(128)
    colours = np.unique(np.asarray(fabric).reshape(-1, 3), axis=0)
    assert fabric.size == (128, 128) and len(colours) >= 4


def test_export_makes_a_bundled_model_chosen_by_category(run_dir, tmp_path, jeans_photo):
    weights = tmp_path / "weights"
    result = run("export", run_dir, weights / "pants2skirt.safetensors", "--domains", "pants,skirt")
    assert result.exit_code == 0, result.output
    assert "pants <-> skirt" in result.output
    result = run("export", run_dir, weights / "jeans2skirt.safetensors")
    assert result.exit_code == 0, result.output
    again = run("export", run_dir, weights / "jeans2skirt.safetensors")
    assert again.exit_code != 0 and "already exists" in str(again.exception)
    result = run("export", run_dir, weights / "x.safetensors", "--domains", "pants")
    assert "two comma-separated" in str(result.exception) and not (weights / "x.safetensors").exists()
    assert bundled_models(weights) == ["jeans2skirt", "pants2skirt"]
    assert default_model("pants", weights) == "pants2skirt"
    assert default_model("jeans", weights) == "jeans2skirt"
    assert default_model("skirt", weights) == "jeans2skirt"  # the first by name among the ones that know the category
    assert default_model(folder=weights) == "jeans2skirt"
    path, points, _ = jeans_photo
    pipe = DesignGANPipeline.from_pretrained("jeans2skirt", weights_dir=weights, **tiny_parts())
    assert pipe.spec.name == "jeans2skirt" and pipe.categories == ("jeans", "skirt")
    assert pipe(path, to="skirt", landmarks=[points]).metadata()["DesignGAN-Model"] == "jeans2skirt"


def test_raw_and_keep_texture_differ(photos, pipeline_dir, tmp_path):
    folder, landmarks = photos
    for flag in ("--raw", "--keep-texture"):
        result = run("translate", folder / "a.jpg", "--to", "skirt", "--model", pipeline_dir, "--landmarks", landmarks,
                     "-o", tmp_path / flag.strip("-"), flag)
        assert result.exit_code == 0, result.output
    raw = np.asarray(Image.open(tmp_path / "raw" / "a_skirt.png"))
    kept = np.asarray(Image.open(tmp_path / "keep-texture" / "a_skirt.png"))
    assert raw.shape == kept.shape and not np.array_equal(raw, kept)


def test_bench_translate_against_the_number_of_people(pipeline_dir):
    """Issue 17: translate latency should grow at most linearly with the people in a photo; ``--people-from``
    times photos of each people count of a composites dataset (its boxes.json says how many: 3 on each of the
    fixture's composites) and of the single photos they were made of."""
    composites = Path(__file__).resolve().parents[1] / "fixtures" / "composites_mini"
    result = run("bench", "translate", "--model", pipeline_dir, "--people-from", composites, "--repeats", "1",
                 "--warmup", "0", "--json", "--device", "cpu")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["by_people"]
    assert [r["people"] for r in rows] == [1, 3] and all(r["photos"] == 1 for r in rows)
    assert all(r["median_s"] > 0 and r["median_s_per_person"] == pytest.approx(r["median_s"] / r["people"], abs=2e-3)
               for r in rows)


def test_json_prints_one_typed_result_per_photo(photos, pipeline_dir, tmp_path):
    """--json: one line per photo, PhotoResult.to_json(): a translated photo names its output, the edit and each
    person edited; a failed one has no output and the error; both list who was left alone."""
    folder, landmarks = photos
    (folder / "broken.jpg").write_bytes(b"not an image")
    result = run("translate", folder, "--to", "skirt", "--model", pipeline_dir, "--landmarks", landmarks, "-o",
                 tmp_path / "out", "--json")
    assert result.exit_code == 1, result.output  # one photo failed
    lines = {Path(r["input"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    assert set(lines) == {"a.jpg", "b c.jpg", "broken.jpg"}
    done, failed = lines["a.jpg"], lines["broken.jpg"]
    assert list(done) == ["input", "output", "people", "translated", "edit", "edited", "skipped"]
    assert done["people"] == done["translated"] == 1 and done["edit"] == "trousers -> skirt" and done["skipped"] == []
    assert done["edited"] == [{"person": 1, "wears": "trousers", "garment": done["edited"][0]["garment"]}]
    assert set(done["edited"][0]["garment"]) == {"trousers", "skirt", "shorts"} and Path(done["output"]).is_file()
    assert list(failed) == ["input", "output", "people", "translated", "skipped", "error"]
    assert failed["output"] is None and failed["translated"] == 0 and str(folder / "broken.jpg") in failed["error"]
