"""The eval command line end to end: a real untrained CycleGAN run judged by real (tiny, untrained) judges, with an
untrained landmark network (tests/conftest.py): every part is passed explicitly, none of the shipped weights."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from designgan.eval.cli import compare_command, eval_command, judge_app
from designgan.eval.judge import DEFAULT_WEIGHTS
from designgan.landmarks.predict import DEFAULT_WEIGHTS as LANDMARK_WEIGHTS
from tests.conftest import CCP_FULL, CCP_MINI, needs_ccp

app = typer.Typer()
app.add_typer(judge_app, name="judge")
app.command("eval")(eval_command)
app.command("compare")(compare_command)
runner = CliRunner()


def _parts(judge: Path, garment: Path, landmarks: Path) -> list[str]:
    return ["--judge", str(judge), "--garment-judge", str(garment), "--landmarks", str(landmarks)]


def test_eval_writes_summary_csv_and_grid(cyclegan_run, mini_dataset, tiny_judge, always_skirt_judge,
                                          untrained_landmarks, tmp_path):
    out = tmp_path / "report"
    result = runner.invoke(app, ["eval", "--model", str(cyclegan_run), "--data", str(mini_dataset), "--out", str(out),
                                 *_parts(tiny_judge, always_skirt_judge, untrained_landmarks), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    n_test = summary["images"]
    assert n_test >= 1 and summary["success"]["n"] == n_test
    assert summary["success"]["mean"] == 1.0  # the garment judge given (it always says skirt) decided success
    assert summary["kid"]["n"] == n_test and summary["kid"]["n_real"] >= 1
    assert summary["psnr_outside_edit"]["n"] == 0  # CycleGAN repaints everything: nothing to measure there
    assert summary["direction"] == "a2b" and summary["target_category"] == "skirt"
    assert sorted(p.name for p in out.iterdir()) == ["by_eye", "grid.png", "metrics.json", "per_image.csv",
                                                     "random.png"]
    # random.png's photos at full size, one picture each (CycleGAN repaints everything: the whole photo)
    assert len(list((out / "by_eye").glob("*.png"))) == min(10, n_test - summary["failed_translations"])
    assert "skipped" in summary["detectability"]  # a handful of test photos cannot fill 5 folds
    for picture in ("grid.png", "random.png"):
        with Image.open(out / picture) as img:
            assert img.text["AI-Edit"] == "true"
    rows = list(csv.DictReader((out / "per_image.csv").open()))
    assert len(rows) == n_test and {"key", "success", "skin_delta_e", "psnr_preserved"} <= set(rows[0])


def test_compare_writes_table_and_picture(cyclegan_run, mini_dataset, tiny_judge, always_skirt_judge,
                                          untrained_landmarks, tmp_path):
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", "--runs", str(cyclegan_run), "--data", str(mini_dataset),
                                 "--direction", "b2a", "--out", str(out),
                                 *_parts(tiny_judge, always_skirt_judge, untrained_landmarks), "--limit", "2"])
    assert result.exit_code == 0, result.output
    table = (out / "comparison.md").read_text()
    assert "| cyclegan_tiny |" in table and "(n=2)" in table and "designgan compare --runs" in table
    assert (out / "comparison.png").is_file() and (out / "cyclegan_tiny" / "per_image.csv").is_file()


def test_bad_direction_and_missing_run_are_user_errors(mini_dataset, tiny_judge, tmp_path):
    from designgan.errors import DesignGANError

    result = runner.invoke(app, ["eval", "--model", str(tmp_path / "none"), "--data", str(mini_dataset),
                                 "--direction", "up", "--judge", str(tiny_judge)])
    assert isinstance(result.exception, DesignGANError) and "direction" in str(result.exception)
    result = runner.invoke(app, ["eval", "--model", str(tmp_path / "none"), "--data", str(mini_dataset),
                                 "--judge", str(tiny_judge), "--out", str(tmp_path / "o")])
    assert isinstance(result.exception, DesignGANError) and "not found" in str(result.exception)
    assert not (tmp_path / "o").exists()


def test_judge_predict_writes_a_coloured_parse(tiny_judge, tmp_path):
    from designgan.eval.classes import JUDGE_CLASSES
    from designgan.eval.judge import Judge
    from designgan.io import load_image

    photo, out = CCP_MINI / "photos" / "1005.jpg", tmp_path / "parse.png"
    result = runner.invoke(app, ["judge", "predict", str(photo), "-o", str(out), "--weights", str(tiny_judge)])
    assert result.exit_code == 0, result.output
    labels = Judge.load(tiny_judge).parse(load_image(photo)).labels
    found = ", ".join(JUDGE_CLASSES[i] for i in sorted(set(labels.ravel().tolist())))
    assert out.is_file() and f"(classes found: {found})" in result.output  # the classes of the judge given
    result = runner.invoke(app, ["judge", "predict", str(photo), "-o", str(tmp_path / "parse.jpg"), "--weights",
                                 str(tiny_judge)])
    assert "must be a .png" in str(result.exception)


def test_judge_eval_needs_heldout_photos(tiny_judge):
    result = runner.invoke(app, ["judge", "eval", "--ccp-root", str(CCP_MINI), "--weights", str(tiny_judge)])
    assert "no held-out photos" in str(result.exception)


@needs_ccp
@pytest.mark.skipif(not DEFAULT_WEIGHTS.is_file(), reason="judge weights not shipped in this checkout")
def test_judge_eval_on_two_heldout_photos(tmp_path):
    """A CCP layout holding two held-out photos of the full dataset: scores as JSON, plus the picture."""
    import shutil

    root = tmp_path / "ccp"
    for sub in ("photos", "annotations/pixel-level", "annotations/image-level"):
        (root / sub).mkdir(parents=True)
    shutil.copy(CCP_FULL / "label_list.mat", root)
    for i in ("0010", "0500"):
        shutil.copy(CCP_FULL / "photos" / f"{i}.jpg", root / "photos")
        shutil.copy(CCP_FULL / "annotations/pixel-level" / f"{i}.mat", root / "annotations/pixel-level")
    picture = tmp_path / "judge.png"
    result = runner.invoke(app, ["judge", "eval", "--ccp-root", str(root), "--json", "--picture", str(picture)])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["images"] == 2 and set(scores["per_class_iou"]) >= {"skin", "skirt", "jeans"}
    assert scores["pixel_accuracy"] > 0.7 and scores["miou"] > 0.3
    assert picture.is_file()


@pytest.mark.skipif(not LANDMARK_WEIGHTS.is_file(), reason="landmark network not shipped in this checkout")
def test_eval_through_the_pipeline(designgan_run, mini_dataset, tiny_judge, tmp_path):
    """An untrained DesignGAN run through the real inference pipeline and the shipped landmark network."""
    result = runner.invoke(app, ["eval", "--model", str(designgan_run), "--data", str(mini_dataset), "--limit", "2",
                                 "--out", str(tmp_path / "r"), "--judge", str(tiny_judge), "--json"])
    if result.exception is not None:  # no person found in every photo is a clear error, not a score of zero
        assert "every translation failed" in str(result.exception)
        return
    summary = json.loads(result.stdout)
    assert summary["images"] == 2 and summary["success"]["n"] == 2
    assert summary["kid"]["n"] == 2 - summary["failed_translations"]


def test_a_pipeline_that_finds_nobody_is_an_error_not_a_score_of_zero(pipeline_dir, mini_dataset, tiny_judge,
                                                                      always_skirt_judge, untrained_landmarks,
                                                                      tmp_path):
    """A saved pipeline of untrained parts (its landmark network finds nobody) through the real inference
    pipeline: every translation fails, which the evaluation reports as such."""
    result = runner.invoke(app, ["eval", "--model", str(pipeline_dir), "--data", str(mini_dataset), "--limit", "2",
                                 "--out", str(tmp_path / "r"), *_parts(tiny_judge, always_skirt_judge,
                                                                       untrained_landmarks), "--json"])
    assert "every translation failed" in str(result.exception) and "person" in str(result.exception)


def test_missing_landmark_weights_stop_before_any_photo(designgan_run, mini_dataset, tiny_judge,
                                                        always_skirt_judge, tmp_path):
    result = runner.invoke(app, ["eval", "--model", str(designgan_run), "--data", str(mini_dataset),
                                 *_parts(tiny_judge, always_skirt_judge, tmp_path / "none.safetensors"),
                                 "--out", str(tmp_path / "r")])
    assert "landmark weights not found" in str(result.exception)
    assert not (tmp_path / "r").exists()


def test_refine_steps_reach_the_pipeline(designgan_run, mini_dataset):
    """``eval --refine-steps 0`` scores the model's raw output: the translator must give exactly what the pipeline
    gives without refinement, and differ from its refined default."""
    import numpy as np

    from designgan.errors import DesignGANError
    from designgan.eval.translators import pipeline_translator
    from designgan.io import load_image
    from designgan.pipeline import DesignGANPipeline

    photos = sorted((mini_dataset / "testA").glob("*.jpg")) + sorted((mini_dataset / "trainA").glob("*.jpg"))
    pipe = DesignGANPipeline.from_pretrained(designgan_run)
    for path in photos:
        photo = load_image(path)
        try:
            raw = pipe(photo, to="skirt", keep_texture=False).image
        except DesignGANError:
            continue  # no person / region in this photo: try the next one
        refined = pipe(photo, to="skirt").image
        image, _ = pipeline_translator(designgan_run, to="skirt", refine_steps=0).translate(photo)
        assert np.array_equal(np.asarray(image), np.asarray(raw))
        assert not np.array_equal(np.asarray(raw), np.asarray(refined))
        return
    pytest.skip("no fixture photo gave a garment region")


def test_real_photos_whose_tag_did_not_hold_up_are_left_out_of_the_detectability_pool(mini_dataset, tiny_judge,
                                                                                       untrained_landmarks):
    from designgan.data import TwoDomainData
    from designgan.eval.detectability import DetectSettings
    from designgan.eval.garment_eval import LandmarkSource
    from designgan.eval.judge import Judge
    from designgan.eval.runner import judge_real_photos

    records = TwoDomainData.open(mini_dataset).records(split="test", domain="b")
    assert len(records) >= 2
    judge, source = Judge.load(tiny_judge), LandmarkSource(weights=untrained_landmarks)
    everyone = judge_real_photos(judge, records, progress=False, landmarks=source, detect=DetectSettings())
    rejected = records[0].id
    audited = judge_real_photos(judge, records, progress=False, landmarks=source, detect=DetectSettings(),
                                tag_held_up=lambda record: record.id != rejected)
    assert len(everyone.detect) == len(records) and len(audited.detect) == len(records) - 1
    assert len(audited.recognised) == len(records)  # the success ceiling still reads every real photo
