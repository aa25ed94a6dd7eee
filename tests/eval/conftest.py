"""Fixtures: real, randomly initialised (untrained) DesignGAN and CycleGAN run folders, written with the translator
package's own model factory and checkpoint writer; their outputs are meaningless pictures, never a quality claim."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from designgan.config import to_dict
from designgan.train.checkpoint import save_checkpoint
from designgan.train.config import TrainConfig
from designgan.train.cycle import Discriminators, Generators


def _write_run(run_dir: Path, config: TrainConfig) -> Path:
    torch.manual_seed(0)
    run_dir.mkdir(parents=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(to_dict(config), sort_keys=False))
    save_checkpoint(run_dir, 1, {"G": Generators(config), "D": Discriminators(config)}, {})
    return run_dir


@pytest.fixture(scope="session")
def designgan_run(mini_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = TrainConfig()
    config.data.root = mini_dataset
    config.data.size = (48, 32)
    config.data.heatmap_names = ["left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"]
    config.model.ngf, config.model.n_blocks, config.model.ndf = 8, 1, 8
    return _write_run(tmp_path_factory.mktemp("runs") / "designgan_tiny", config.validate())


@pytest.fixture(scope="session")
def cyclegan_run(mini_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = TrainConfig()
    config.data.root = mini_dataset
    config.data.size = (48, 32)
    config.data.landmarks = "none"
    config.model.generator, config.model.discriminator = "cyclegan_resnet", "patchgan"
    config.model.ngf, config.model.n_blocks, config.model.ndf = 8, 1, 8
    config.loss.mask = config.loss.style = config.loss.skin = 0.0
    config.loss.compose = False
    return _write_run(tmp_path_factory.mktemp("runs") / "cyclegan_tiny", config.validate())
