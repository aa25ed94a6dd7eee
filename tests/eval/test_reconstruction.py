"""Self-reconstruction: the figures inside the erased region, and the rendered prior repainting a real photo."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import typer
from PIL import Image
from typer.testing import CliRunner

from designgan.data import TwoDomainData
from designgan.errors import DataError, DesignGANError
from designgan.eval.cli import eval_command
from designgan.eval.garment_eval import LandmarkSource
from designgan.eval.reconstruction import measure_repaint, reconstruct, repainter_for
from designgan.landmarks.predict import DEFAULT_WEIGHTS as LANDMARK_WEIGHTS

needs_landmarks = pytest.mark.skipif(not LANDMARK_WEIGHTS.is_file(), reason="landmark network not shipped")


def _photo(seed: int = 0) -> Image.Image:
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (64, 48, 3), dtype=np.uint8))


def test_perfect_and_wrong_repaints():
    photo, mask = _photo(), np.zeros((64, 48), bool)
    mask[20:50, 10:40] = True
    perfect = measure_repaint(photo, photo, mask)
    assert perfect["l1"] == 0.0 and perfect["ssim"] == pytest.approx(1.0) and perfect["psnr"] >= 60
    grey = np.asarray(photo).copy()
    grey[mask] = 128
    wrong = measure_repaint(photo, Image.fromarray(grey), mask)
    assert 0.15 < wrong["l1"] < 0.35 and wrong["psnr"] < 15 and wrong["ssim"] < 0.2
    assert wrong["erased_fraction"] == pytest.approx(mask.mean())
    assert math.isnan(measure_repaint(photo, photo, np.zeros_like(mask))["l1"])
    with pytest.raises(DataError, match="repainter returned"):
        measure_repaint(photo, photo.resize((10, 10)), mask)


def test_reconstruct_counts_refusals(mini_dataset):
    records = TwoDomainData.open(mini_dataset).records(split="test", domain="a")[:2]
    calls = []

    def refuse_first(photo, points, category):
        calls.append(category)
        if len(calls) == 1:
            raise DataError("no jeans region found on the person")
        return photo, np.ones((photo.height, photo.width), bool)

    points = {"left_hip": (1.0, 1.0, 1.0)}
    source = LandmarkSource(cache={r.key: {"points": points, "person_found": True} for r in records})
    rows, summary = reconstruct(refuse_first, records, "jeans", source, progress=False)
    assert calls == ["jeans"] * len(records) and "error" in rows[0]
    assert summary["failed"] == 1 and summary["l1"]["n"] == len(records) - 1
    if len(records) > 1:
        assert summary["l1"]["mean"] == 0.0


def test_an_unknown_model_cannot_reconstruct():
    with pytest.raises(DesignGANError, match="no bundled model named 'jeans2skirt_run'"):
        repainter_for("jeans2skirt_run", ("jeans", "skirt"))


@needs_landmarks
def test_prior_repaints_its_own_garment(mini_dataset, tmp_path):
    """The rendered prior through the real pipeline on a real CCP photo; the CLI writes the figures."""
    app = typer.Typer()
    app.command("eval")(eval_command)  # the only command: invoked without its name
    out = tmp_path / "rec"
    result = CliRunner().invoke(app, ["--model", "prior", "--data", str(mini_dataset), "--reconstruction",
                                      "--limit", "1", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert json.loads((out / "reconstruction.json").read_text()) == summary
    for domain in ("jeans", "skirt"):
        entry = summary[domain]
        assert entry["photos"] == 1
        if entry["failed"] == 0:  # repainted: a real garment is never reproduced exactly, nor wildly off
            assert 0.0 < entry["l1"]["mean"] < 0.5 and 5 < entry["psnr"]["mean"] < 60
    assert (out / "reconstruction.csv").is_file()
