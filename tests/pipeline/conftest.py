"""Fixtures: a real (randomly initialised, untrained) translator run folder and landmarks for CCP photos.

The run folder is written with the translator's own model factory and checkpoint writer, so loading it
exercises the same code as a trained run; its outputs are meaningless pictures, never a quality claim.
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
from designgan.landmarks.schema import BODY_NAMES
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


@pytest.fixture(scope="session")
def run_dir(mini_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(tmp_path_factory.mktemp("runs") / "jeans2skirt", tiny_translator_config(mini_dataset))


@pytest.fixture(scope="session")
def jeans_photo(mini_dataset: Path) -> tuple[Path, dict, np.ndarray]:
    """(photo path, landmarks, garment mask) of a jeans photo of the committed CCP slice."""
    record = next(r for r in TwoDomainData.open(mini_dataset).records("train", "a") if r.has_masks)
    mask = load_mask(record.path("garment_mask"))
    return record.path("image"), landmarks_from_mask(mask, "trousers"), mask
