"""Run by ``torchrun --nproc_per_node 2`` in test_distributed.py: train a few steps, save this rank's weights."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: the tests package

from designgan.train.checkpoint import model_state
from designgan.train.loop import train
from tests.train.conftest import tiny_config


def main() -> None:
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    config = tiny_config(data, out / "run", steps=2, batch_size=1, checkpoint_every=2, image_every=100)
    result = train(config)
    rank = int(os.environ["RANK"])
    save_file(model_state({"G": result.generators, "D": result.discriminators}), str(out / f"rank{rank}.safetensors"))


if __name__ == "__main__":
    main()
