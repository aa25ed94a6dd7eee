"""Training loop of the judge: AdamW + warmup/cosine (bounded by a wall-time budget), bf16 autocast, EMA weights,
class-balanced cross-entropy, atomic checkpoints with resume, periodic held-out mIoU, fp16 export.

Only CCP's pixel-level photos outside the fixed held-out split are trained on; the image-level photos (the
translation test set) are never read.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from designgan.config import to_dict
from designgan.data import CCP
from designgan.errors import ConfigError
from designgan.eval.classes import JUDGE_CLASSES, NUM_CLASSES
from designgan.eval.judge import Judge, evaluate_on_ccp, export_weights, load_weights
from designgan.eval.judge_data import IGNORE, JudgeSamples, judge_split, make_batch
from designgan.eval.judge_model import JudgeModelConfig, JudgeNet, create_judge_model
from designgan.eval.segmentation import confusion_matrix, segmentation_scores
from designgan.io import atomic_path, write_json_atomic
from designgan.models.schedule import budget_progress, ema_update, warmup_cosine


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
    ckpt_path = out_dir / "last.pt"
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
    ema = copy.deepcopy(model).eval()
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = max(1, len(train_set) // config.batch_size)
    total = steps_per_epoch * config.epochs

    gen = torch.Generator().manual_seed(config.seed)
    start_epoch, history, trained_s = 0, [], 0.0
    if resume and ckpt_path.is_file():
        ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=True)
        model.load_state_dict(ckpt["model"])
        ema.load_state_dict(ckpt["ema"])
        opt.load_state_dict(ckpt["opt"])
        gen.set_state(ckpt["generator"])
        start_epoch, history, trained_s = ckpt["epoch"] + 1, ckpt["history"], ckpt["trained_s"]
        log(f"resumed from {ckpt_path} at epoch {start_epoch}")
    done = bool(history) and history[-1]["progress"] >= 1.0
    epoch = start_epoch
    while not done and epoch < config.epochs:
        model.train()
        t0 = time.time()
        order = torch.randperm(len(train_set), generator=gen)
        losses: list[float] = []
        progress = 0.0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{config.epochs}", leave=False)
        for step in bar:
            global_step = epoch * steps_per_epoch + step
            progress = budget_progress(global_step, total, trained_s + time.time() - t0, config.max_minutes)
            for group in opt.param_groups:
                group["lr"] = config.lr * warmup_cosine(global_step, progress, config.warmup_steps, floor=0.01)
            index = order[step * config.batch_size:(step + 1) * config.batch_size]
            images, labels = make_batch(train_set, index, config.input_height, config.input_width, gen)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
                logits = model(images.contiguous(memory_format=torch.channels_last))
            logits = F.interpolate(logits.float(), size=labels.shape[-2:], mode="bilinear", align_corners=False)
            loss = F.cross_entropy(logits, labels, weight=weights, ignore_index=IGNORE)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ema_update(ema, model, config.ema_decay)
            losses.append(loss.item())
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
            if progress >= 1.0:
                done = True
                break
        trained_s += time.time() - t0
        done = done or epoch + 1 == config.epochs
        entry = {"epoch": epoch + 1, "loss": round(float(np.mean(losses)), 4), "lr": opt.param_groups[0]["lr"],
                 "progress": 1.0 if done else round(progress, 4), "seconds": round(time.time() - t0, 1)}
        if len(held_set) and ((epoch + 1) % config.eval_every == 0 or done):
            scores = quick_eval(ema, held_set, config.bf16)
            entry["heldout_miou_input_res"] = round(scores["miou"], 4)
        history.append(entry)
        log(json.dumps(entry))
        with atomic_path(ckpt_path) as tmp:
            torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                        "generator": gen.get_state(), "epoch": epoch, "history": history,
                        "trained_s": trained_s, "config": to_dict(config)}, tmp)
        epoch += 1
    write_json_atomic(out_dir / "history.json", history)
    scores = evaluate_on_ccp(Judge(ema), ccp, held_ids) if held_ids else {}
    meta = {"train_config": to_dict(config), "heldout": scores, "train_photos": len(train_ids),
            "heldout_split": "CCP pixel-level ids divisible by 10 (0010, 0020, ..., 1000)",
            "epochs_done": len(history), "train_minutes": round(trained_s / 60, 1)}
    export_weights(ema, out_dir / "judge.safetensors", meta)
    if export_to is not None:
        export_weights(ema, export_to, meta)
    return scores
