"""Issue 17: the multi-person evaluation set (composites of held-out CCP people with known boxes) and the
per-person figures ``designgan eval`` reports on it."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from designgan import WEIGHTS_DIR
from designgan.data import TwoDomainData
from designgan.data.check import check_dataset
from designgan.errors import DataError
from designgan.eval.composites import BOXES, MAX_OVERLAP, make_composites, person_silhouette
from designgan.eval.judge import Judge
from designgan.eval.people_eval import box_iou, match_boxes

from ..cli.test_cli import run

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "composites_mini"


def _check_composite_set(root: Path, max_people: int = 3) -> None:
    """What every composite set promises: readable as a dataset, boxes inside the photo, 2..3 people of
    similar height, neighbours overlapping at most 10% of the narrower width, the boxes file equal to the records."""
    data = TwoDomainData.open(root)
    composites = data.records(split="test", domain="a")
    assert composites and all("people" in r.extra for r in composites)
    assert json.loads((root / BOXES).read_text()) == {r.key: r.extra["people"] for r in composites}
    for record in composites:
        people = record.extra["people"]
        assert 2 <= len(people) <= max_people
        with Image.open(record.path("image")) as img:
            assert img.size == (record.width, record.height)
        boxes = [p["box"] for p in people]
        for x0, y0, x1, y1 in boxes:
            assert 0 <= x0 < x1 <= record.width and 0 <= y0 < y1 <= record.height
        heights = [b[3] - b[1] for b in boxes]
        assert max(heights) <= 1.1 * min(heights), heights
        for left, right in itertools.pairwise(boxes):
            overlap = left[2] - right[0]
            # +2 px: the soft edge of the pasted silhouette can reach a pixel further than its scaled mask
            assert overlap <= MAX_OVERLAP * min(left[2] - left[0], right[2] - right[0]) + 2, (left, right)
        for p in people:
            assert p["category"] == "jeans" and (root / p["single"]).is_file()


def test_the_committed_sample_is_a_valid_composite_set():
    _check_composite_set(FIXTURE)
    assert (FIXTURE / "LICENSE").is_file()  # CCP is Apache-2.0: its licence travels with its photos
    # an evaluation-only set: no training images is not a problem for 'data check'
    assert check_dataset(FIXTURE, progress=False) == []


def test_the_command_writes_a_set_and_refuses_a_bad_domain(mini_dataset, tiny_judge, tmp_path, capsys):
    out = tmp_path / "comp"
    run("data", "composites", "--data", str(mini_dataset), "--out", str(out), "--n", "1", "--height", "128",
        "--reals", "0", "--judge", str(tiny_judge), capsys=capsys)
    assert len(json.loads((out / BOXES).read_text())) == 1
    proc = run("data", "composites", "--data", str(mini_dataset), "--out", str(tmp_path / "x"), "--domain", "c",
               check=False, capsys=capsys)
    assert proc.returncode == 2 and proc.stderr.strip() == "error: --domain must be a or b, got 'c'"


def test_generator_is_deterministic_and_refuses_an_existing_folder(mini_dataset, tiny_judge, tmp_path):
    # ccp_mini's test split holds two jeans people: composites of two (cut out by an untrained judge's parse)
    judge = Judge.load(tiny_judge)
    first = make_composites(mini_dataset, tmp_path / "one", 2, seed=3, height=128, reals=1, judge=judge,
                            progress=False)
    make_composites(mini_dataset, tmp_path / "two", 2, seed=3, height=128, reals=1, judge=judge, progress=False)
    assert first["counts"] == {"train_a": 0, "train_b": 0, "test_a": 2, "test_b": 1}
    _check_composite_set(tmp_path / "one", max_people=2)
    for name in ("manifest.jsonl", "boxes.json", "testA/c0000.jpg", "testA/c0001.jpg"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    (tmp_path / "three").mkdir()
    (tmp_path / "three" / "keep.txt").write_text("mine")
    with pytest.raises(DataError, match="exists and is not empty"):
        make_composites(mini_dataset, tmp_path / "three", 1, judge=judge, progress=False)
    assert [p.name for p in (tmp_path / "three").iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_silhouette_is_the_largest_part_with_holes_filled():
    labels = np.zeros((20, 20), np.uint8)
    labels[2:18, 5:12] = 3
    labels[8:10, 7:9] = 0  # a hole inside the person
    labels[0:2, 15:17] = 4  # a stray bit of the background the parse calls clothing
    mask = person_silhouette(labels)
    assert mask[8:10, 7:9].all() and not mask[0:2, 15:17].any() and mask.sum() == 16 * 7


def test_boxes_match_one_to_one_at_iou_half():
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(1 / 3)
    known = [(0, 0, 10, 20), (12, 0, 22, 20)]
    # two detections of one person: the better one matches, the other matches nobody else
    found = [(1, 0, 11, 20), (0, 0, 12, 20)]  # IoU 0.82 and 0.83 with the first person
    assert [j for j, _ in match_boxes(known, found)] == [1, None]
    # one wide detection over both people (a chimera) matches neither at IoU >= 0.5
    assert [j for j, _ in match_boxes(known, [(0, 0, 22, 20)])] == [None, None]
    assert [j for j, _ in match_boxes(known, [(11, 0, 23, 20)])] == [None, 0]
    assert match_boxes(known, []) == [(None, 0.0), (None, 0.0)]


def _people_report(proc, report: Path) -> dict:
    """The people summary of an eval run on the committed composites, checked for what every such report
    promises: every known person once, counts that add up, matches at IoU >= 0.5, one CSV row per photo."""
    people = json.loads(proc.stdout)["people"]
    known = sum(len(v) for v in json.loads((FIXTURE / BOXES).read_text()).values())
    assert people["known"] == known == len(people["per_person"])
    assert people["found"] == sum(p["found"] for p in people["per_person"])
    assert 0.0 <= people["found_share"] <= 1.0 and people["found_share"] == round(people["found"] / known, 4)
    for p in people["per_person"]:
        assert p["success"] in (0.0, 1.0) and p["single_success"] in (0.0, 1.0)
        assert not p["found"] or p["iou"] >= 0.5
    rows = (report / "per_image.csv").read_text().splitlines()
    assert "people_found" in rows[0] and len(rows) == 4
    return people


def test_eval_reports_people_found_and_per_person_success(cyclegan_run, tiny_judge, always_skirt_judge,
                                                          untrained_landmarks, tmp_path, capsys):
    """The per-person machinery on untrained parts: a CycleGAN run translates, an untrained landmark network finds
    nobody, and a garment classifier that always says skirt judges each person's crop and their photo alone."""
    proc = run("eval", "--model", str(cyclegan_run), "--data", str(FIXTURE), "-o", str(tmp_path / "report"),
               "--judge", str(tiny_judge), "--garment-judge", str(always_skirt_judge), "--landmarks",
               str(untrained_landmarks), "--json", capsys=capsys)
    people = _people_report(proc, tmp_path / "report")
    assert people["found"] == 0 and people["found_share"] == 0.0
    assert all(p["success"] == 1.0 and p["single_success"] == 1.0 for p in people["per_person"])


@pytest.mark.skipif(not (WEIGHTS_DIR / "jeans2skirt.safetensors").is_file(), reason="jeans2skirt not shipped")
def test_the_shipped_model_and_landmark_network_find_the_composites_people(tmp_path, capsys):
    proc = run("eval", "--model", "jeans2skirt", "--data", str(FIXTURE), "-o", str(tmp_path / "report"), "--json",
               capsys=capsys)
    people = _people_report(proc, tmp_path / "report")
    assert people["found"] >= 1
