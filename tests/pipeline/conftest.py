"""Fixtures: a real (randomly initialised, untrained) translator run folder, tiny untrained pipeline components,
a saved pipeline made of them, and landmarks for CCP photos.

The run folder is written with the translator's own model factory and checkpoint writer, so loading it
exercises the same code as a trained run; its outputs are meaningless pictures, never a quality claim. The tests
of the pipeline's machinery run on these parts and need none of the shipped weights; tests of the shipped weights
say so in their names ("shipped").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from designgan.config import to_dict
from designgan.data import TwoDomainData
from designgan.io import load_mask
from designgan.landmarks.garment import lower_garment_landmarks
from designgan.landmarks.model import create_landmark_model
from designgan.landmarks.predict import LandmarkPredictor
from designgan.landmarks.schema import BODY_NAMES
from designgan.landmarks.segment import GarmentMasker
from designgan.models.segmenter import GarmentSegmenter, SegmenterConfig
from designgan.pipeline import DesignGANPipeline
from designgan.train.checkpoint import save_checkpoint
from designgan.train.config import TrainConfig
from designgan.train.cycle import Discriminators, Generators


def tiny_translator_config(data_root: Path, **model: object) -> TrainConfig:
    config = TrainConfig()
    config.data.root = data_root
    config.data.size = (48, 32)
    config.data.heatmap_names = ["left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
    config.model.ngf = 8
    config.model.n_blocks = 1
    config.model.ndf = 8
    for key, value in model.items():
        setattr(config.model, key, value)
    return config.validate()


def write_run(run_dir: Path, config: TrainConfig, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(to_dict(config), sort_keys=False))
    save_checkpoint(run_dir, 1, {"G": Generators(config), "D": Discriminators(config)}, {})
    return run_dir


def landmarks_from_mask(mask: np.ndarray, family: str) -> dict[str, tuple[float, float, float]]:
    """Garment landmarks derived from a CCP garment mask (the landmark engineer's geometry) plus body keypoints
    placed from the garment's box (hips at its top, knees mid-way, ankles at its bottom)."""
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    h, cx, dx = y1 - y0, (x0 + x1) / 2, (x1 - x0) / 4
    rows = {"hip": y0 + 0.05 * h, "knee": y0 + 0.5 * h, "ankle": y0 + 0.95 * h, "heel": y1, "foot_index": y1,
            "shoulder": y0 - 0.6 * h, "elbow": y0 - 0.3 * h, "wrist": y0}
    points = {"nose": (float(cx), float(max(0, y0 - 0.9 * h)), 0.9)}
    for part, y in rows.items():
        points[f"left_{part}"] = (float(cx + dx), float(y), 0.9)  # the person's left is on the image's right
        points[f"right_{part}"] = (float(cx - dx), float(y), 0.9)
    assert set(points) == set(BODY_NAMES)
    for name, xy in lower_garment_landmarks(mask, family).items():
        points[name] = (float(xy[0]), float(xy[1]), 1.0)
    return points


def tiny_parts(classifier_says: str = "trousers") -> dict[str, object]:
    """Untrained components: a small landmark network (its heatmaps are flat: it finds nobody), a small segmenter,
    and a small garment classifier whose bias makes it answer ``classifier_says`` for every person (so the people
    of the tests' landmarks are edited)."""
    from tests.eval.test_garment_judge import _forced_judge

    torch.manual_seed(0)
    landmarks = LandmarkPredictor(create_landmark_model(input_height=64, input_width=64), sigma=2.0,
                                  flip_test=False, bf16=False)
    masker = GarmentMasker(GarmentSegmenter(SegmenterConfig(widths=(4, 8))), precision="fp32")
    return {"landmarks": landmarks, "masker": masker, "garment_classifier": _forced_judge(classifier_says)}


@pytest.fixture(scope="session")
def run_dir(mini_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(tmp_path_factory.mktemp("runs") / "jeans2skirt", tiny_translator_config(mini_dataset))


@pytest.fixture(scope="session")
def pipeline_dir(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved pipeline (save_pretrained) of the untrained translator and the untrained parts: what a test passes
    as ``--model`` so that the command line loads no shipped weights."""
    pipe = DesignGANPipeline.from_pretrained(run_dir, **tiny_parts(), precision="fp32")
    return pipe.save_pretrained(tmp_path_factory.mktemp("saved") / "tiny_pipeline")


@pytest.fixture(scope="session")
def jeans_photo(mini_dataset: Path) -> tuple[Path, dict, np.ndarray]:
    """(photo path, landmarks, garment mask) of a jeans photo of the committed CCP slice."""
    record = next(r for r in TwoDomainData.open(mini_dataset).records("train", "a") if r.has_masks)
    mask = load_mask(record.path("garment_mask"))
    return record.path("image"), landmarks_from_mask(mask, "trousers"), mask
