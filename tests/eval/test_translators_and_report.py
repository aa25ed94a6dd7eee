"""Translator adapters (a real untrained CycleGAN run), report files, and the grid / table / picture layout."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from PIL import Image

from designgan.data import TwoDomainData
from designgan.errors import DataError
from designgan.eval.report import (
    case_grid,
    comparison_picture,
    markdown_table,
    parse_picture,
    pick_cases,
    random_grid,
    write_csv,
)
from designgan.eval.translators import load_translator
from designgan.io import load_image


def test_cyclegan_run_translates_the_whole_photo(cyclegan_run, mini_dataset):
    record = TwoDomainData.open(mini_dataset).records(split="test", domain="a")[0]
    photo = load_image(record.path("image"))
    translator = load_translator(cyclegan_run, "a2b", ("jeans", "skirt"))
    assert (translator.source, translator.target, translator.repaints_everything) == ("jeans", "skirt", True)
    out, region = translator.translate(photo)
    assert out.size == photo.size and out.mode == "RGB"
    assert region.shape == (photo.size[1], photo.size[0]) and region.all()
    assert np.asarray(out).std() > 0  # a real generator output, not a copy of a constant
    with pytest.raises(DataError, match="direction"):
        load_translator(cyclegan_run, "sideways", ("jeans", "skirt"))
    with pytest.raises(DataError, match="fabric"):
        load_translator(cyclegan_run, "a2b", ("jeans", "skirt"), texture=photo)


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_translator(tmp_path / "nope", "a2b", ("jeans", "skirt"))


def test_csv_blanks_nan_and_unions_columns(tmp_path):
    path = tmp_path / "rows.csv"
    write_csv([{"key": "a", "x": 1.234567891}, {"key": "b", "x": math.nan, "y": 2}], path)
    rows = list(csv.DictReader(path.open()))
    assert rows == [{"key": "a", "x": "1.23457", "y": ""}, {"key": "b", "x": "", "y": "2"}]
    assert [p.name for p in tmp_path.iterdir()] == ["rows.csv"]  # no temporary file left behind


def test_pick_cases_best_median_worst():
    picks = pick_cases([0.1, 0.9, 0.5, 0.3, 0.7], per_group=1)
    assert picks == {"best": [1], "median": [2], "worst": [0]}
    picks = pick_cases([0.2], per_group=2)
    assert picks == {"best": [0], "median": [0], "worst": [0]}


def test_case_grid_and_comparison_picture_sizes():
    thumbs = {k: tuple(Image.new("RGB", (20, 30), c) for c in ("red", "green", "blue")) for k in "abcdef"}
    grid = case_grid(list("abcdef"), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], thumbs, per_group=2)
    assert grid.height > 3 * 30 and grid.width >= 6 * 20
    picture = comparison_picture([Image.new("RGB", (20, 30))] * 3,
                                 {"m1": [Image.new("RGB", (20, 30))] * 3, "m2": [Image.new("RGB", (20, 30))] * 3})
    assert picture.width >= 3 * 20 and picture.height >= 3 * 30
    side = parse_picture(Image.new("RGB", (20, 30)), np.zeros((30, 20), np.uint8))
    assert side.size[1] == 30 and side.size[0] >= 60


def test_markdown_table_shows_sample_sizes_and_missing_figures():
    summary = {"success": {"mean": 0.5, "n": 10}, "colour_distance": {"mean": None, "n": 0},
               "kid": {"mean": 0.0021, "std": 0.0004, "n": 10, "n_real": 50},
               "kid_source_reference": {"mean": 0.01, "std": 0.001, "n": 10, "n_real": 50},
               "real_target_recognised": {"mean": 0.9, "n": 50}, "success_judge": "garment judge",
               "real_target_parser_recognised": {"mean": 0.3, "n": 50},
               "real_target_shape_recognised": {"mean": 0.95, "n": 50}}
    table = markdown_table({"run_a": summary})
    lines = table.splitlines()
    assert lines[0].startswith("| model | success rate")
    assert "| run_a | 0.500 (n=10) | n/a | n/a |" in lines[2]
    assert "2.10 ± 0.40 (n=10)" in lines[2]
    assert "untranslated source photos" in table and "0.900 (n=50) / 0.300 (n=50) / 0.950 (n=50)" in table
    assert "Success (garment judge)" in table


def test_markdown_table_notes_the_detectability_controls_and_the_trained_reference():
    fold = {"mean": 0.8, "std": 0.05, "n": 30}
    detect = {"real_pool": 200, "do_nothing": {"patches": fold, "frame": fold, "both": fold},
              "garment_judge": {"real_photos": 230, "translation": 0.43, "do_nothing": 0.921}}
    table = markdown_table({"run_a": {"success": {"mean": 0.5, "n": 10}, "detectability": detect}})
    assert "untranslated sources (do nothing): 0.800 ± 0.050 (n=30)" in table
    assert "not fresh) on the same frames against the whole real pool: do nothing 0.921, translation 0.430." in table


def test_random_grid_is_seeded_and_capped():
    keys = [f"k{i}" for i in range(12)]
    thumbs = {k: (Image.new("RGB", (20, 30), (i * 20, 0, 0)), Image.new("RGB", (20, 30), (0, i * 20, 0)))
              for i, k in enumerate(keys)}
    a = random_grid(keys, thumbs, count=10, seed=3)
    assert a.tobytes() == random_grid(keys, thumbs, count=10, seed=3).tobytes()
    assert a.tobytes() != random_grid(keys, thumbs, count=10, seed=4).tobytes()
    two_rows = random_grid(keys, thumbs, count=10, per_row=5)
    assert two_rows.width == 5 * 20 + 4 * 4  # 5 cells per row
    small = random_grid(keys[:3], thumbs, count=10)  # fewer photos than asked: all of them, no error
    assert small.width == 3 * 20 + 2 * 4


def test_model_category_matches_grouped_dataset_domains():
    from designgan.eval.translators import _model_category

    assert _model_category(("pants", "skirt"), "skirt") == "skirt"
    assert _model_category(("pants", "skirt"), "jeans+pants") == "pants"
    assert _model_category(("jeans+pants", "skirt"), "pants") == "pants"
    with pytest.raises(DataError, match="does not match the dataset's category 'shorts'"):
        _model_category(("pants", "skirt"), "shorts")
