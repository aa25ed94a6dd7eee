"""Self-reconstruction of the garment painter against the rendered prior (issue 29), two ways:

1. *frame*: the painter's held-out CCP photos (the pack's validation split, never trained on), each erased as in
   training and repainted from its own pixel-label layout: L1 / PSNR / SSIM inside the erased region, the painter
   against its start image (the prior's recipe - background fill, skin colour, tiled fabric - on the same layout).
2. *pipeline*: the dataset's test photos through the inference pipeline, each asked to repaint the garment it
   wears (the layout drawn by the prior, as users get it): L1 / PSNR / SSIM in the edited region, painter vs
   prior (designgan.eval.reconstruction, the figures ``designgan eval --reconstruction`` prints for the prior).

Writes ``OUT/painter_eval.json`` and, for the first photos of (1), full-size pictures (erased | start | painter |
photo) to look at.

    python scripts/painter_eval.py --run runs/painter_cpu --model outputs/painter/jeans2skirt_painter.safetensors \
        --data data/jeans_skirt --limit 20 --out outputs/painter_eval
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from designgan.config import read_yaml
from designgan.eval import metrics
from designgan.models.painter import BASE_CHANNELS, PainterNet, paint
from designgan.models.weights import WEIGHTS, latest_checkpoint, load_model_state, load_weights_file
from designgan.train.painter_config import load_painter_config
from designgan.train.painter_data import PainterBatches
from designgan.train.painter_loop import conditions


def _uint8(x: torch.Tensor) -> np.ndarray:
    return ((x.float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()


def _figures(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    return {"l1": float(np.abs(a[mask].astype(np.float64) - b[mask].astype(np.float64)).mean() / 255),
            "psnr": metrics.masked_psnr(a, b, mask), "ssim": metrics.masked_ssim(a, b, mask)}


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(float(np.nanmean([r[k] for r in rows])), 4) for k in rows[0]}


@torch.no_grad()
def frame_reconstruction(run: Path, limit: int, pictures: Path, n_pictures: int) -> dict:
    """Measure (1) of the module docstring on the newest checkpoint of painter run ``run``."""
    config = load_painter_config(run / "config.yaml")
    names = list(config.data.heatmap_names)
    net = PainterNet(BASE_CHANNELS + len(names), config.model.ngf, config.model.n_blocks)
    checkpoint = latest_checkpoint(run)
    flat = load_weights_file(checkpoint / WEIGHTS)
    load_model_state({"P": net}, {k: v for k, v in flat.items() if k.startswith("P.")}, str(checkpoint))
    net.eval()
    data = PainterBatches(config.data.pack, config.data.size, names, torch.device("cpu"), "validation",
                          config.data.heatmap_sigma, config.data.min_confidence)
    rows: dict[str, list] = {"painter": [], "start": []}
    count = min(limit, len(data)) if limit else len(data)
    for first in range(0, count, 8):
        batch = data.batch(list(range(first, min(count, first + 8))), augment=False)
        cond = conditions(batch, names, 0, None)
        out = paint(net, cond["stack"], cond["start"], batch["image"], cond["region"])
        for i in range(len(batch["image"])):
            photo, mask = _uint8(batch["image"][i]), cond["region"][i, 0].numpy() > 0.5
            rows["painter"].append(_figures(photo, _uint8(out[i]), mask))
            rows["start"].append(_figures(photo, _uint8(cond["start"][i]), mask))
            if first + i < n_pictures:
                erased = batch["image"][i] * (1 - cond["region"][i])
                tiles = [_uint8(t) for t in (erased, cond["start"][i], out[i], batch["image"][i])]
                pictures.mkdir(parents=True, exist_ok=True)
                Image.fromarray(np.concatenate(tiles, axis=1)).save(pictures / f"{data.ids[first + i]}.png")
    return {"photos": count, "checkpoint": checkpoint.name, "painter": _mean(rows["painter"]),
            "start (prior recipe, same layout)": _mean(rows["start"])}


def pipeline_reconstruction(model: Path, data: Path, limit: int) -> dict:
    """Measure (2) of the module docstring: the exported painter ``model`` and the rendered prior."""
    from designgan.data import TwoDomainData
    from designgan.eval.garment_eval import LandmarkSource
    from designgan.eval.reconstruction import reconstruct, repainter_for
    from designgan.eval.translators import PRIOR

    dataset = TwoDomainData.open(data)
    domains = (dataset.domain_name("a"), dataset.domain_name("b"))
    source = LandmarkSource.for_dataset(data)
    repainters = {"prior": repainter_for(PRIOR, domains), "painter": repainter_for(str(model), domains)}
    result: dict = {}
    for name, repaint in repainters.items():
        for side, category in zip(("a", "b"), domains, strict=True):
            records = dataset.records(split="test", domain=side)
            step = max(1, len(records) // limit) if limit else 1
            _, summary = reconstruct(repaint, records[::step][:limit or None], category, source)
            result[f"{name} {category}"] = {k: summary[k]["mean"] if isinstance(summary[k], dict) else summary[k]
                                            for k in ("photos", "failed", "l1", "psnr", "ssim")}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, required=True, help="painter training run folder")
    parser.add_argument("--model", type=Path, help="the run exported (designgan export-painter), for (2)")
    parser.add_argument("--data", type=Path, default=Path("data/jeans_skirt"))
    parser.add_argument("--limit", type=int, default=0, help="photos per measure (0: all)")
    parser.add_argument("--pictures", type=int, default=6)
    parser.add_argument("--out", type=Path, default=Path("outputs/painter_eval"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    report = {"run": str(args.run), "train_config": read_yaml(args.run / "config.yaml").get("train", {}).get(
        "out_dir"), "frame": frame_reconstruction(args.run, args.limit, args.out / "frame", args.pictures)}
    print(json.dumps(report["frame"], indent=1), flush=True)
    if args.model is not None:
        report["pipeline"] = pipeline_reconstruction(args.model, args.data, args.limit)
        print(json.dumps(report["pipeline"], indent=1))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "painter_eval.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
