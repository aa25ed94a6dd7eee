"""Write the bundled prior translators: ``src/designgan/weights/{jeans2skirt,pants2skirt,trousers2shorts}.*``.

    PYTHONPATH=src python scripts/bundle_prior.py [--out src/designgan/weights] [--pack data/packs/painter_ccp.pt]
        [--in-front runs/in_front_v3/segmenter.safetensors]

The rendered prior (:class:`designgan.models.prior.PriorRenderer`, registered as ``prior_renderer``) learns
nothing; its weight file holds the measured legs' shading (``train.leg_bank``: the clean legs of the painter
pack's training photos, written by ``designgan data pack-painter``) and the frozen in-front segmenter (what stays
in front of the new garment: ``designgan landmarks segmenter-train --config configs/segmenter_in_front_v3.yaml
--out runs/in_front_v3``), and the JSON says what inference needs: the generator, the garment families of the two
categories, the in-front segmenter's widths and whether it was trained to look inside a spilled source mask
(``prior_bleed``), the lower-body frame (256 x 128; the pipeline runs it 256 wide) and the landmark heatmaps it
reads, and the style of the shapes it draws
(:class:`designgan.models.prior_style.PriorStyle`, the defaults: the user picks a length, cut or fit per call). The
learnt prior refiners did not beat it (README, "Comparison"), so these are what ships. ``trousers2shorts`` is the
same prior drawing shorts (trousers cut at the thigh, skin below) one way and full trousers the other: a model of
its own, because a model's two categories are what ``translate --to`` and the garment classifier's source check
read. It is named ``trousers2shorts``, not ``pants2shorts``, so that it sorts after ``pants2skirt``: ``translate
--to pants`` and the demo's "pants" keep picking the first model by name that knows the category, which stays
``pants2skirt``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from designgan.errors import DataError
from designgan.models.segmenter import segmenter_from_config
from designgan.models.weights import load_sidecar_weights
from designgan.pipeline import TranslatorSpec, build_generators, prior_config
from designgan.pipeline.weights import save_translator
from designgan.train.leg_bank import leg_bank, measure_legs, training_data

# name: (the two categories, their garment families)
MODELS = {"jeans2skirt": (("jeans", "skirt"), ("trousers", "skirt")),
          "pants2skirt": (("pants", "skirt"), ("trousers", "skirt")),
          "trousers2shorts": (("pants", "shorts"), ("trousers", "shorts"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("src/designgan/weights"))
    parser.add_argument("--pack", type=Path, default=Path("data/packs/painter_ccp.pt"))
    parser.add_argument("--in-front", type=Path, default=Path("runs/in_front_v3/segmenter.safetensors"))
    args = parser.parse_args()
    if not args.in_front.is_file():
        raise SystemExit(str(DataError(f"{args.in_front}: no in-front segmenter (designgan landmarks segmenter-train "
                                       "--config configs/segmenter_in_front_v3.yaml --out runs/in_front_v3 "
                                       "writes it)")))
    in_front, meta = load_sidecar_weights(args.in_front, "in-front segmenter", "in-front segmenter config",
                                          segmenter_from_config, "target", ("in_front",))
    print(f"in-front segmenter: {args.in_front}, held-out frame IoU {meta.get('heldout', {}).get('segmenter')}")
    if not args.pack.is_file():
        raise SystemExit(str(DataError(f"{args.pack}: no painter pack (designgan data pack-painter --config "
                                       "configs/painter_cpu.yaml writes it)")))
    shading, colours, summary = leg_bank(measure_legs(training_data(args.pack), progress=True))
    print(f"legs' shading: {summary}")
    for name, (domains, families) in MODELS.items():
        config = prior_config(families)
        config.model.prior_in_front_widths = list(meta["model"]["widths"])
        config.model.prior_in_front_inside = meta.get("train_config", {}).get("prior_bleed", 0) > 0
        generators = build_generators(config)
        for generator in generators.values():
            generator.leg_shading, generator.leg_colours = shading, colours
            generator.in_front.load_state_dict(in_front.state_dict())
            generator.has_in_front.fill_(True)
        path = save_translator(TranslatorSpec(name, domains, config), generators, args.out / f"{name}.safetensors")
        print(f"wrote {path} and {path.with_suffix('.json')}")


if __name__ == "__main__":
    main()
