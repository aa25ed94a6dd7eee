"""Tiny untrained parts for tests of the machinery: a translator run folder, pipeline components and weight files.

Each part is a real network of its kind, randomly initialised (seeded) and written with its own package's exporter,
so loading it exercises the same code as a trained one; its outputs are meaningless, never a quality claim. Tests
built on these need none of the shipped weights in ``src/designgan/weights/``; tests of the shipped weights say so
in their names ("shipped"). The fixtures that use these helpers are in ``tests/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import yaml

from designgan.config import to_dict
from designgan.landmarks.garment import lower_garment_landmarks
from designgan.landmarks.model import create_landmark_model
from designgan.landmarks.predict import LandmarkPredictor
from designgan.landmarks.schema import BODY_NAMES
from designgan.landmarks.segment import GarmentMasker
from designgan.models.segmenter import GarmentSegmenter, SegmenterConfig
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
    """A training run folder (config.yaml and a checkpoint) of untrained generators and discriminators."""
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


def tiny_landmark_network() -> torch.nn.Module:
    """A small untrained landmark network (from the current random state): its heatmaps are flat, so it finds
    nobody."""
    return create_landmark_model(input_height=64, input_width=64)


def tiny_parts(classifier_says: str = "trousers") -> dict[str, object]:
    """Untrained components: a small landmark network (it finds nobody), a small segmenter, and a small garment
    classifier whose bias makes it answer ``classifier_says`` for every person (so the people of the tests'
    landmarks are edited)."""
    from tests.eval.test_garment_judge import _forced_judge

    torch.manual_seed(0)
    landmarks = LandmarkPredictor(tiny_landmark_network(), sigma=2.0, flip_test=False, bf16=False)
    masker = GarmentMasker(GarmentSegmenter(SegmenterConfig(widths=(4, 8))), precision="fp32")
    return {"landmarks": landmarks, "masker": masker, "garment_classifier": _forced_judge(classifier_says)}


def write_tiny_landmarks(path: Path) -> Path:
    """A landmark weights file (the landmark package's exporter) of :func:`tiny_landmark_network`."""
    from designgan.landmarks.predict import export_weights

    torch.manual_seed(0)
    export_weights(tiny_landmark_network(), path, {"sigma": 2.0})
    return path


def write_tiny_judge(path: Path) -> Path:
    """A judge (garment parser) weights file of a small untrained network: its parse is noise."""
    from designgan.eval.judge import export_weights
    from designgan.eval.judge_model import JudgeModelConfig, create_judge_model

    torch.manual_seed(0)
    model = create_judge_model(JudgeModelConfig(backbone="regnetx_002", fpn_channels=16, input_height=64,
                                                input_width=44))
    export_weights(model, path, {"heldout": {"miou": 0.0}, "note": "untrained, for tests"})
    return path


def write_forced_garment_judge(path: Path, family: str) -> Path:
    """A garment classifier weights file whose bias makes it answer ``family`` for every person."""
    from tests.eval.test_garment_judge import _forced_judge

    _forced_judge(family, path)
    return path
