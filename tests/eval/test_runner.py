"""Region logic and per-image figures of the evaluation, on synthetic photos with hand-made judge parses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from designgan.errors import DataError
from designgan.eval.classes import JUDGE_CLASSES
from designgan.eval.judge import Parse
from designgan.eval.runner import garment_zone, judge_class_for, measure_one, quality_score, summarise

H, W = 120, 80
C = {name: i for i, name in enumerate(JUDGE_CLASSES)}
SKIN_RGB, JEANS_RGB, SKIRT_RGB, BG_RGB = (225, 175, 145), (40, 60, 140), (160, 40, 50), (90, 140, 90)


def _parse(labels: np.ndarray) -> Parse:
    return Parse(labels=labels.astype(np.uint8), embedding=np.zeros(4, np.float32),
                 features=np.zeros((1, 1, 1), np.float32), box=(0, 0, W, H))


def _person(lower: str) -> tuple[np.ndarray, np.ndarray]:
    """A stick person: face skin at the top, an upper garment, then jeans (full legs) or a skirt + bare legs."""
    img = np.zeros((H, W, 3), np.uint8)
    img[:] = BG_RGB
    labels = np.zeros((H, W), np.uint8)
    img[5:20, 30:50], labels[5:20, 30:50] = SKIN_RGB, C["skin"]
    img[20:55, 25:55], labels[20:55, 25:55] = (200, 200, 200), C["upper"]
    if lower == "jeans":
        img[55:110, 28:52], labels[55:110, 28:52] = JEANS_RGB, C["jeans"]
    else:
        img[55:80, 26:54], labels[55:80, 26:54] = SKIRT_RGB, C["skirt"]
        img[80:110, 30:50], labels[80:110, 30:50] = SKIN_RGB, C["skin"]
    return img, labels


def test_same_shape_groups():
    from designgan.eval.runner import same_shape

    assert sorted(same_shape(C["skirt"])) == sorted([C["skirt"], C["dress"]])
    assert sorted(same_shape(C["jeans"])) == sorted([C["jeans"], C["pants"]])
    assert same_shape(C["shorts"]) == [C["shorts"]] and same_shape(C["legwear"]) == [C["legwear"]]


def test_judge_class_for_categories():
    assert judge_class_for("skirt") == C["skirt"]
    assert judge_class_for("tights") == C["legwear"]
    assert judge_class_for("trousers") == C["pants"]
    with pytest.raises(DataError, match="no judge class"):
        judge_class_for("cape-coat")


def test_group_domains_count_every_member():
    from designgan.eval.runner import judge_classes_for, same_shape

    assert judge_classes_for("jeans+pants") == sorted([C["jeans"], C["pants"]])
    assert judge_classes_for("skirt") == [C["skirt"]]
    assert same_shape([C["skirt"], C["shorts"]]) == sorted([C["skirt"], C["dress"], C["shorts"]])
    with pytest.raises(DataError, match="no judge class"):
        judge_classes_for("jeans+cape-coat")


def test_garment_zone_covers_legs_not_face():
    _, src = _person("jeans")
    _, out = _person("skirt")
    zone = garment_zone(src, out)
    assert zone[60:110, 28:52].all() and zone[85:108, 30:50].all()
    assert not zone[5:20, 30:50].any()  # face skin is above the waist: not part of the zone
    assert not zone[:30].any()


def test_successful_translation_figures():
    src_img, src_lab = _person("jeans")
    out_img, out_lab = _person("skirt")
    edit = garment_zone(src_lab, out_lab)
    row = measure_one(Image.fromarray(src_img), Image.fromarray(out_img), edit, _parse(src_lab), _parse(out_lab),
                      C["jeans"], C["skirt"])
    assert row["success"] == 1.0 and row["target_share"] == 1.0
    assert row["psnr_preserved"] == 100.0 and row["ssim_preserved"] == pytest.approx(1.0, abs=1e-6)
    assert row["psnr_outside_edit"] == 100.0
    assert row["skin_delta_e"] == pytest.approx(0.0, abs=1e-6)  # legs painted in the face's colour
    assert row["colour_distance"] > 0.9  # red skirt from blue jeans: texture not kept
    assert row["new_skin_pixels"] == 30 * 20


def test_kept_colours_and_unnatural_skin_and_changed_background():
    src_img, src_lab = _person("jeans")
    out_img, out_lab = _person("skirt")
    out_img[55:80, 26:54] = JEANS_RGB  # the skirt keeps the jeans' denim colour
    out_img[80:110, 30:50] = (120, 200, 120)  # green legs
    out_img[0:4] = (255, 255, 255)  # a changed strip of background, outside every garment
    row = measure_one(Image.fromarray(src_img), Image.fromarray(out_img), np.ones((H, W), bool), _parse(src_lab),
                      _parse(out_lab), C["jeans"], C["skirt"])
    assert row["colour_distance"] < 0.05
    assert row["skin_delta_e"] > 20
    assert row["psnr_preserved"] < 30
    assert math.isnan(row["psnr_outside_edit"])  # the model claimed the whole photo: nothing left to measure


def test_identity_fails_and_half_translation_is_judged_by_majority():
    src_img, src_lab = _person("jeans")
    row = measure_one(Image.fromarray(src_img), Image.fromarray(src_img), np.zeros((H, W), bool), _parse(src_lab),
                      _parse(src_lab), C["jeans"], C["skirt"])
    assert row["success"] == 0.0 and row["target_share"] == 0.0 and row["shape_success"] == 0.0
    assert math.isnan(row["skin_delta_e"]) and math.isnan(row["colour_distance"])
    dress = src_lab.copy()
    dress[55:110, 28:52] = C["dress"]  # the judge calls the new garment a dress: right shape, wrong category
    row = measure_one(Image.fromarray(src_img), Image.fromarray(src_img), np.zeros((H, W), bool), _parse(src_lab),
                      _parse(dress), C["jeans"], C["skirt"])
    assert row["success"] == 0.0 and row["shape_success"] == 1.0
    mixed = src_lab.copy()
    mixed[55:90, 28:52] = C["skirt"]  # 35 of 55 rows
    row = measure_one(Image.fromarray(src_img), Image.fromarray(src_img), np.zeros((H, W), bool), _parse(src_lab),
                      _parse(mixed), C["jeans"], C["skirt"])
    assert row["success"] == 1.0 and row["target_share"] == pytest.approx(35 / 55)
    erased = src_lab.copy()
    erased[55:110, 28:52] = C["background"]
    row = measure_one(Image.fromarray(src_img), Image.fromarray(src_img), np.zeros((H, W), bool), _parse(src_lab),
                      _parse(erased), C["jeans"], C["skirt"])
    assert row["success"] == 0.0 and math.isnan(row["target_share"])


def test_translator_output_must_match_the_photo():
    src_img, src_lab = _person("jeans")
    with pytest.raises(DataError, match="returned a"):
        measure_one(Image.fromarray(src_img), Image.fromarray(src_img[:60]), np.zeros((H, W), bool),
                    _parse(src_lab), _parse(src_lab), C["jeans"], C["skirt"])
    with pytest.raises(DataError, match="edit region"):
        measure_one(Image.fromarray(src_img), Image.fromarray(src_img), np.zeros((10, 10), bool),
                    _parse(src_lab), _parse(src_lab), C["jeans"], C["skirt"])


def test_fabric_texture_is_the_reference_when_given():
    src_img, src_lab = _person("jeans")
    out_img, out_lab = _person("skirt")
    fabric = Image.new("RGB", (32, 32), SKIRT_RGB)
    row = measure_one(Image.fromarray(src_img), Image.fromarray(out_img), np.ones((H, W), bool), _parse(src_lab),
                      _parse(out_lab), C["jeans"], C["skirt"], fabric=fabric)
    assert row["colour_distance"] < 0.05


def test_summary_counts_only_measured_images_and_ranks():
    rows = [
        {"success": 1.0, "target_share": 0.9, "shape_success": 1.0, "colour_distance": 0.2, "texture_distance": 0.1,
         "psnr_outside_edit": 100.0, "ssim_outside_edit": 1.0, "psnr_preserved": 40.0, "ssim_preserved": 0.99,
         "skin_delta_e": 3.0},
        {"success": 0.0, "target_share": math.nan, "shape_success": 0.0, "colour_distance": math.nan,
         "texture_distance": math.nan,
         "psnr_outside_edit": math.nan, "ssim_outside_edit": math.nan, "psnr_preserved": 30.0,
         "ssim_preserved": 0.9, "skin_delta_e": math.nan},
    ]
    rng = np.random.default_rng(0)
    summary = summarise(rows, rng.normal(size=(2, 8)), rng.normal(size=(2, 8)), rng.normal(size=(5, 8)),
                        kid_subsets=5)
    assert summary["images"] == 2 and summary["success_rate"] == 0.5
    assert summary["colour_distance"] == {"mean": 0.2, "median": 0.2, "n": 1, "lower_is_better": True}
    assert summary["psnr_preserved"]["mean"] == 35.0 and summary["psnr_preserved"]["n"] == 2
    assert summary["kid"]["n"] == 2 and summary["kid"]["n_real"] == 5
    assert quality_score(rows[0]) > quality_score(rows[1])


def test_failed_translations_count_as_failures_not_crashes(mini_dataset):
    import torch

    from designgan.data import TwoDomainData
    from designgan.errors import DesignGANError
    from designgan.eval.judge import Judge
    from designgan.eval.judge_model import JudgeModelConfig, create_judge_model
    from designgan.eval.runner import RealPhotos, evaluate

    torch.manual_seed(0)
    judge = Judge(create_judge_model(JudgeModelConfig(backbone="regnetx_002", fpn_channels=16, input_height=64,
                                                      input_width=44)), bf16=False)
    records = TwoDomainData.open(mini_dataset).records(split="test", domain="a")[:2]
    assert len(records) == 2

    calls = []

    def translate(image):  # the first photo has "no person"; the second comes back unchanged
        calls.append(image.size)
        if len(calls) == 1:
            raise DesignGANError("no person found")
        return image, np.zeros(image.size[::-1], bool)

    def always_fails(image):
        raise DesignGANError("no person found")

    reals = RealPhotos(np.random.default_rng(0).normal(size=(4, judge.model.embedding_dim)), np.array([1.0, 0, 0, 0]),
                       np.array([1.0, 1, 0, 0]))
    result = evaluate(translate, records, "skirt", judge, reals, progress=False, kid_subsets=2)
    assert result.summary["failed_translations"] == 1
    assert result.summary["real_target_recognised"] == {"mean": 0.25, "n": 4, "lower_is_better": False}
    assert result.summary["real_target_shape_recognised"]["mean"] == 0.5
    assert result.rows[0]["error"] == "no person found" and result.rows[0]["success"] == 0.0
    assert result.summary["success"]["n"] == 2 and result.summary["kid"]["n"] == 1
    assert result.summary["psnr_outside_edit"] == {"mean": 100.0, "median": 100.0, "n": 1, "lower_is_better": False}
    with pytest.raises(DataError, match="every translation failed; the first error: no person found"):
        evaluate(always_fails, records, "skirt", judge, reals, progress=False)
