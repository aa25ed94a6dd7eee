"""Fixtures: real, randomly initialised (untrained) DesignGAN and CycleGAN run folders, written with the translator
package's own model factory and checkpoint writer (:func:`tests.parts.write_run`); their outputs are meaningless
pictures, never a quality claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from designgan.train.config import TrainConfig
from tests.parts import tiny_translator_config, write_run


@pytest.fixture(scope="session")
def designgan_run(mini_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(tmp_path_factory.mktemp("runs") / "designgan_tiny", tiny_translator_config(mini_dataset))


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
    return write_run(tmp_path_factory.mktemp("runs") / "cyclegan_tiny", config.validate())
