"""A tiny two-domain training set: the committed CCP slice plus a landmark cache derived from its masks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from designgan.data import TwoDomainData
from designgan.io import load_mask
from designgan.landmarks.schema import BODY_NAMES
from designgan.train.config import TrainConfig
from tests.parts import tiny_translator_config


def _fake_body(mask: np.ndarray) -> dict[str, list[float]]:
    """Plausible body keypoints from the garment mask's box (hips at its top, knees mid-way, ankles below)."""
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    h = y1 - y0
    cx = (x0 + x1) / 2
    dx = (x1 - x0) / 4
    rows = {"hip": y0 + 0.05 * h, "knee": y0 + 0.5 * h, "ankle": y0 + 0.95 * h, "heel": y0 + h,
            "foot_index": y0 + h, "shoulder": y0 - 0.6 * h, "elbow": y0 - 0.3 * h, "wrist": y0}
    points = {"nose": [float(cx), float(max(0, y0 - 0.9 * h)), 0.9]}
    for part, y in rows.items():
        # The person's left is on the image's right.
        points[f"left_{part}"] = [float(cx + dx), float(y), 0.9]
        points[f"right_{part}"] = [float(cx - dx), float(y), 0.9]
    assert set(points) == set(BODY_NAMES)
    return points


def write_landmark_cache(root: Path) -> None:
    data = TwoDomainData.open(root)
    lines = []
    for record in data.all_records:
        if record.garment_mask is None:
            lines.append({"key": record.key, "person_found": False, "points": {}})
            continue
        mask = load_mask(record.path("garment_mask"))
        lines.append({"key": record.key, "person_found": True, "points": _fake_body(mask)})
    (root / "landmarks.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models gain nothing from threads, and on a busy shared CPU thread barriers dominate their run time."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def train_data(mini_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("train_data") / "jeans_skirt"
    shutil.copytree(mini_dataset, root)
    write_landmark_cache(root)
    return root


def tiny_config(root: Path, out_dir: Path, **train: object) -> TrainConfig:
    config = tiny_translator_config(root)
    config.loss.style_size = (16, 12)
    config.optim.pool_size = 2
    config.train.out_dir = out_dir
    config.train.steps = 4
    config.train.batch_size = 2
    config.train.log_every = 1
    config.train.image_every = 2
    config.train.checkpoint_every = 2
    config.train.progress = False
    config.train.precision = "fp32"  # bf16 is covered by the model tests; fp32 keeps these tiny runs quick
    config.train.channels_last = False
    for key, value in train.items():
        setattr(config.train, key, value)
    return config.validate()
