"""Training of the landmark network: AdamW + cosine schedule, bf16 autocast, EMA weights, atomic checkpoints
(mid-epoch too) with exact resume (the shared loop, :mod:`designgan.supervised`), periodic PCK on the held-out
split, and export of the fp16 shipped weights."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from designgan.errors import DataError
from designgan.io import write_json_atomic
from designgan.landmarks.data import LandmarkSamples, apply_affine, invert_affine, make_batch
from designgan.landmarks.labels import read_labels
from designgan.landmarks.loss import heatmap_mse
from designgan.landmarks.metrics import pck_by_group
from designgan.landmarks.model import LandmarkNet, create_landmark_model
from designgan.landmarks.predict import export_weights, predict_letterboxed
from designgan.landmarks.schema import BODY_NAMES, LANDMARK_NAMES
from designgan.supervised import SupervisedLoop, run_record


@dataclass
class LandmarkTrainConfig:
    model: str = "hrnet_w18_small"
    input_height: int = 288  # CCP photos are 2:3 (550 x 825), so 288 x 192 wastes no pixels
    input_width: int = 192
    sigma: float = 2.0  # Gaussian target sigma in heatmap pixels (stride 2)
    batch_size: int = 32
    epochs: int = 40
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    ema_decay: float = 0.995
    eval_every: int = 5
    seed: int = 0
    bf16: bool = True
    threads: int = 0  # torch threads (0 = torch's default); 1 is fastest on a CPU shared with other jobs
    max_images: int = 0  # use only the first N train / held-out photos (0 = all): for smoke tests
    garment_loss_weight: float = 1.0  # loss weight of garment landmarks relative to body keypoints
    garment_oversample: int = 1  # photos with garment labels appear this many times per epoch
    checkpoint_minutes: float = 10.0  # also save mid-epoch this often
    max_minutes: float = 0.0  # time budget: the LR schedule ends (and training stops) by then (0 = none)


def evaluate(model: LandmarkNet, samples: LandmarkSamples, sigma: float, batch_size: int = 32,
             flip_test: bool = True, bf16: bool = True, progress: bool = False) -> dict:
    """PCK per group on ``samples`` in original-image pixels (labels as stored, predictions mapped back)."""
    model.eval()
    preds = []
    for start in tqdm(range(0, len(samples), batch_size), desc="evaluating", disable=not progress, leave=False):
        index = torch.arange(start, min(start + batch_size, len(samples)))
        preds.append(predict_letterboxed(model, samples.images[index], sigma, flip_test, bf16))
    pred = torch.cat(preds).numpy().astype(np.float64)
    for i in range(len(samples)):
        pred[i, :, :2] = apply_affine(pred[i, :, :2], invert_affine(samples.affines[i]))
    gt = np.array([[rec["points"][n] for n in LANDMARK_NAMES] for rec in samples.records], dtype=np.float64)
    return pck_by_group(pred, gt, samples.weights_np)


def split_records(labels: list[dict], max_images: int = 0) -> tuple[list[dict], list[dict]]:
    train = [r for r in labels if r["split"] == "train"]
    held = [r for r in labels if r["split"] == "heldout"]
    if max_images:
        train, held = train[:max_images], held[:max_images]
    if not train:
        raise DataError("no training records in the label file")
    return train, held


def train(labels_path: str | Path, out_dir: str | Path, config: LandmarkTrainConfig, resume: bool = False,
          export_to: str | Path | None = None, log=print) -> dict:
    """Train on ``split == "train"`` records of ``labels_path``; returns the final held-out metrics."""
    if config.threads:
        torch.set_num_threads(config.threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_recs, held_recs = split_records(read_labels(labels_path), config.max_images)
    log(f"{len(train_recs)} training photos, {len(held_recs)} held out")
    cache = out_dir / f"photos_{config.input_height}x{config.input_width}.pt"
    train_set = LandmarkSamples(train_recs, config.input_height, config.input_width, cache=cache, tag="train")
    held_set = (LandmarkSamples(held_recs, config.input_height, config.input_width, cache=cache, tag="heldout")
                if held_recs else None)

    torch.manual_seed(config.seed)
    model = create_landmark_model(config.model, input_height=config.input_height,
                                  input_width=config.input_width).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    # garment labels exist for the pixel-level photos only (about half): show those more often
    has_garment = (train_set.weights[:, len(BODY_NAMES):] > 0).any(dim=1)
    pool = torch.cat([torch.arange(len(train_set))]
                     + [torch.nonzero(has_garment).flatten()] * (config.garment_oversample - 1))
    channel_weight = torch.ones(len(LANDMARK_NAMES))
    channel_weight[len(BODY_NAMES):] = config.garment_loss_weight
    loop = SupervisedLoop.for_run(model, opt, config, pool, out_dir, lr_floor=0.02, log=log)
    if resume:
        loop.resume()

    def batch_loss(index: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, dict[str, float]]:
        batch = make_batch(train_set, index, model.stride, config.sigma, gen, augment=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
            pred = model(batch["images"])
        return heatmap_mse(pred, batch["targets"], batch["weights"] * channel_weight), {}

    metrics: dict = {}  # the newest held-out metrics of this process

    def heldout(ema: torch.nn.Module) -> dict:  # passed to the loop only when there is a held-out set
        nonlocal metrics
        metrics = evaluate(ema, held_set, config.sigma, bf16=config.bf16)
        return {"heldout": {g: {k: round(v, 4) for k, v in m.items()} for g, m in metrics.items()
                            if g != "per_landmark_pck@0.1"}}

    history = loop.run(batch_loss, heldout if held_set is not None else None)
    ema, trained_s = loop.ema, loop.trained_s
    if held_set is not None and not metrics:  # a finished run resumed: nothing evaluated in this process
        metrics = evaluate(ema, held_set, config.sigma, bf16=config.bf16)
    meta = {**run_record(config, history, trained_s), "sigma": config.sigma, "heldout_metrics": metrics,
            "train_photos": len(train_set), "heldout_photos": len(held_set) if held_set else 0,
            "labels": str(labels_path)}
    export_weights(ema, out_dir / "landmarks.safetensors", meta)
    if export_to is not None:
        export_weights(ema, export_to, meta)
    write_json_atomic(out_dir / "history.json", history)
    return metrics
