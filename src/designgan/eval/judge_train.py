"""Training of the judge: AdamW + warmup/cosine (bounded by a wall-time budget), bf16 autocast, EMA weights,
atomic checkpoints (mid-epoch too) with exact resume (the shared loop, :mod:`designgan.supervised`),
class-balanced cross-entropy, periodic held-out mIoU, fp16 export.

Only CCP's pixel-level photos outside the fixed held-out split are trained on; the image-level photos (the
translation test set) are never read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from designgan.data import CCP
from designgan.errors import ConfigError
from designgan.eval.classes import JUDGE_CLASSES, NUM_CLASSES
from designgan.eval.judge import Judge, evaluate_on_ccp, export_weights, load_weights
from designgan.eval.judge_data import IGNORE, JudgeSamples, judge_split, make_batch
from designgan.eval.judge_model import JudgeModelConfig, JudgeNet, create_judge_model
from designgan.eval.segmentation import confusion_matrix, segmentation_scores
from designgan.io import write_json_atomic
from designgan.supervised import SupervisedLoop, run_record


@dataclass
class JudgeTrainConfig:
    backbone: str = "regnetx_004"
    fpn_channels: int = 96
    input_height: int = 256
    input_width: int = 176
    storage_scale: float = 1.5  # photos kept at this multiple of the input, so zoom-in augmentation keeps detail
    batch_size: int = 16
    epochs: int = 60
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    ema_decay: float = 0.998
    class_weight_power: float = 0.5  # weight_c = (median_freq / freq_c) ** power, clipped to [0.25, 4]
    eval_every: int = 5
    seed: int = 0
    bf16: bool = True
    threads: int = 1
    max_images: int = 0  # first N train / held-out photos only (0 = all): for smoke tests
    max_minutes: float = 0.0  # wall-time budget: the LR schedule ends (and training stops) by then (0 = none)
    init_weights: str = ""  # start from these judge weights (a fresh schedule: fine-tuning); "" = from scratch
    checkpoint_minutes: float = 10.0  # also save mid-epoch this often


def class_weights(freq: np.ndarray, power: float) -> torch.Tensor:
    """Inverse-frequency weights (median-normalised, softened by ``power``, clipped) for the cross-entropy."""
    present = freq[freq > 0]
    median = float(np.median(present)) if present.size else 1.0
    w = np.where(freq > 0, (median / np.maximum(freq, 1e-12)) ** power, 1.0)
    return torch.tensor(np.clip(w, 0.25, 4.0), dtype=torch.float32)


@torch.no_grad()
def quick_eval(model: JudgeNet, samples: JudgeSamples, bf16: bool, batch_size: int = 16) -> dict:
    """Held-out scores at the network's input resolution (the full-resolution score is computed at export)."""
    model.eval()
    h, w = model.config.input_height, model.config.input_width
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    for start in range(0, len(samples), batch_size):
        index = torch.arange(start, min(start + batch_size, len(samples)))
        images, labels = make_batch(samples, index, h, w, augment=False)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(images.contiguous(memory_format=torch.channels_last))
        pred = F.interpolate(logits.float(), size=(h, w), mode="bilinear", align_corners=False).argmax(1)
        confusion += confusion_matrix(pred.numpy(), labels.numpy(), NUM_CLASSES, ignore=IGNORE)
    return segmentation_scores(confusion, JUDGE_CLASSES)


def train_judge(ccp_root: str | Path, out_dir: str | Path, config: JudgeTrainConfig, resume: bool = False,
                export_to: str | Path | None = None, log=print) -> dict:
    """Train on CCP's judge-train split; returns full-resolution held-out scores of the exported EMA weights."""
    torch.set_num_threads(config.threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ccp = CCP(ccp_root)
    train_ids, held_ids = judge_split(ccp)
    if config.max_images:
        train_ids, held_ids = train_ids[:config.max_images], held_ids[:config.max_images]
    log(f"{len(train_ids)} training photos, {len(held_ids)} held out (every 10th pixel-level id)")
    sh, sw = round(config.input_height * config.storage_scale), round(config.input_width * config.storage_scale)
    train_set = JudgeSamples(ccp, train_ids, sh, sw)
    held_set = JudgeSamples(ccp, held_ids, config.input_height, config.input_width)
    weights = class_weights(train_set.class_frequencies(), config.class_weight_power)
    log("class weights: " + ", ".join(f"{n} {w:.2f}" for n, w in zip(JUDGE_CLASSES, weights.tolist(), strict=True)))

    torch.manual_seed(config.seed)
    model_config = JudgeModelConfig(backbone=config.backbone, fpn_channels=config.fpn_channels,
                                    input_height=config.input_height, input_width=config.input_width)
    model = create_judge_model(model_config).to(memory_format=torch.channels_last)
    if config.init_weights:
        start, _ = load_weights(config.init_weights)
        try:
            model.load_state_dict(start.state_dict())
        except RuntimeError as exc:
            raise ConfigError(f"config key 'init_weights': {config.init_weights} does not fit the configured model "
                              f"({str(exc).splitlines()[0]})") from None
        log(f"starting from {config.init_weights}")
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loop = SupervisedLoop.for_run(model, opt, config, torch.arange(len(train_set)), out_dir, lr_floor=0.01, log=log)
    if resume:
        loop.resume()

    def batch_loss(index: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, dict[str, float]]:
        images, labels = make_batch(train_set, index, config.input_height, config.input_width, gen)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
            logits = model(images.contiguous(memory_format=torch.channels_last))
        logits = F.interpolate(logits.float(), size=labels.shape[-2:], mode="bilinear", align_corners=False)
        return F.cross_entropy(logits, labels, weight=weights, ignore_index=IGNORE), {}

    def heldout(ema: torch.nn.Module) -> dict:
        return {"heldout_miou_input_res": round(quick_eval(ema, held_set, config.bf16)["miou"], 4)}

    history = loop.run(batch_loss, heldout if len(held_set) else None)
    ema, trained_s = loop.ema, loop.trained_s
    write_json_atomic(out_dir / "history.json", history)
    scores = evaluate_on_ccp(Judge(ema), ccp, held_ids) if held_ids else {}
    meta = {**run_record(config, history, trained_s), "heldout": scores, "train_photos": len(train_ids),
            "heldout_split": "CCP pixel-level ids divisible by 10 (0010, 0020, ..., 1000)"}
    export_weights(ema, out_dir / "judge.safetensors", meta)
    if export_to is not None:
        export_weights(ema, export_to, meta)
    return scores
