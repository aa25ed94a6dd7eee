"""Write the bundled prior translators: ``src/designgan/weights/{jeans2skirt,pants2skirt}.{safetensors,json}``.

    PYTHONPATH=src python scripts/bundle_prior.py [--out src/designgan/weights]

The rendered prior (:class:`designgan.models.prior.PriorRenderer`, registered as ``prior_renderer``) has no
parameters, so its weight file holds no tensors; the JSON says what inference needs: the generator, the garment
families of the two categories, the lower-body frame (256 x 128; the pipeline runs it 256 wide) and the landmark
heatmaps it reads. The learnt prior refiners did not beat it (README, "Comparison"), so these are what ships.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from designgan.pipeline import TranslatorSpec, build_generators, prior_config
from designgan.pipeline.weights import save_translator

MODELS = {"jeans2skirt": ("jeans", "skirt"), "pants2skirt": ("pants", "skirt")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("src/designgan/weights"))
    args = parser.parse_args()
    config = prior_config()
    generators = build_generators(config)
    for name, domains in MODELS.items():
        path = save_translator(TranslatorSpec(name, domains, config), generators, args.out / f"{name}.safetensors")
        print(f"wrote {path} and {path.with_suffix('.json')}")


if __name__ == "__main__":
    main()
