"""Training of the realism encoder (:mod:`designgan.eval.realism`): SimCLR-style contrastive learning on whole CCP
photos, no labels.

Every photo is loaded once, resized to the encoder's input (uint8, in memory). Each step takes a batch of photos,
makes two augmented views of each (random resized crop with a small turn and a mirror, colour jitter, occasional
grey, an occasional erased rectangle) and pulls each view's projection towards its twin's and away from every
other view in the batch (NT-Xent). The shared loop (:mod:`designgan.supervised`) brings the time budget, EMA
weights, checkpoints and exact resume.

Photos whose id is divisible by ``heldout_modulo`` (10: 0010, 0020, ..., 2090) are never trained on; after each
evaluated epoch the EMA encoder embeds two fixed augmented views of each of them, and the figure is the share of
first views whose nearest second view (among all held-out photos') is their own: a top-1 retrieval accuracy
(chance = 1 / number of held-out photos), so the training curve says whether the embedding learned anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from designgan.data import CCP
from designgan.data.augment import photometric_jitter, random_affines
from designgan.errors import DataError
from designgan.eval.realism import INPUT_SIZE, RealismConfig, RealismNet, export_weights, photo_tensor
from designgan.io import load_image, write_json_atomic
from designgan.supervised import SupervisedLoop, run_record

HELDOUT_SEED = 1234  # the held-out views are the same at every evaluation, so the curve compares like with like


@dataclass
class RealismTrainConfig:
    widths: tuple[int, ...] = (32, 64, 128, 256)
    projection_dim: int = 128
    temperature: float = 0.2  # NT-Xent softmax temperature
    batch_size: int = 64  # photos per step (two views each)
    epochs: int = 200
    lr: float = 5e-4
    weight_decay: float = 1e-4
    warmup_steps: int = 30
    ema_decay: float = 0.99
    crop_zoom: tuple[float, float] = (1.0, 1.8)  # random resized crop: the view shows 1/zoom of each side
    rotate_deg: float = 5.0
    erase: float = 0.25  # probability of one erased rectangle per view
    heldout_modulo: int = 10  # photos whose id is divisible by this are held out (never trained on)
    eval_every: int = 1
    seed: int = 0
    threads: int = 1
    max_images: int = 0  # first N training photos only (0 = all): for smoke tests
    max_minutes: float = 0.0  # wall-time budget (0 = none): the cosine ends by then
    checkpoint_minutes: float = 5.0  # also save mid-epoch this often


def realism_split(ccp: CCP, modulo: int = 10) -> tuple[list[str], list[str]]:
    """(train ids, held-out ids) over every CCP photo with an annotation file of either kind (labels unread)."""
    if modulo < 2:
        raise DataError(f"heldout_modulo must be >= 2, got {modulo}")
    ids = sorted(set(ccp.pixel_level_ids()) | set(ccp.image_level_ids()))
    held = [i for i in ids if i.isdigit() and int(i) % modulo == 0]
    return [i for i in ids if i not in set(held)], held


def load_photos(ccp: CCP, ids: list[str], size: tuple[int, int] = INPUT_SIZE, progress: bool = True
                ) -> torch.Tensor:
    """uint8 (N, 3, h, w): every photo of ``ids`` resized to ``size`` (the only time the photos are read)."""
    out = torch.zeros((len(ids), 3, *size), dtype=torch.uint8)
    for k, image_id in enumerate(tqdm(ids, desc="loading CCP photos", disable=not progress, leave=False)):
        out[k] = photo_tensor([load_image(ccp.photo_path(image_id))], size)[0]
    return out


def make_views(photos: torch.Tensor, generator: torch.Generator, config: RealismTrainConfig) -> torch.Tensor:
    """float (B, 3, h, w) in [0, 1]: one augmented view of each uint8 photo.

    Random resized crop: a zoom in ``crop_zoom`` (log-uniform), a small turn, a mirror half the time, and a shift
    that keeps the crop inside the photo (reflection fills the turned corners); then colour jitter, a grey view
    (p 0.15) and an erased rectangle (p ``erase``) from :func:`designgan.data.augment.photometric_jitter`."""
    b = len(photos)
    theta = random_affines(b, generator, scale=config.crop_zoom, shift=0.0, rotate_deg=config.rotate_deg)
    inv_zoom = theta[:, :, :2].det().abs().sqrt()  # the share of each side the crop shows
    theta[:, :, 2] = (torch.rand(b, 2, generator=generator) * 2 - 1) * (1 - inv_zoom)[:, None]
    grid = F.affine_grid(theta, [b, 3, *photos.shape[-2:]], align_corners=False)
    views = F.grid_sample(photos.float() / 255.0, grid, mode="bilinear", padding_mode="reflection",
                          align_corners=False)
    return photometric_jitter(views, generator, erase=config.erase)


def nt_xent(z: torch.Tensor, temperature: float) -> tuple[torch.Tensor, torch.Tensor]:
    """NT-Xent loss of (2B, d) unit projections (rows i and i + B are twins) and, per row, whether its most
    similar other row is its twin."""
    n = len(z) // 2
    sim = z @ z.T / temperature
    sim = sim.masked_fill(torch.eye(len(z), dtype=torch.bool), float("-inf"))
    twin = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return F.cross_entropy(sim, twin), (sim.argmax(1) == twin).float()


@torch.no_grad()
def retrieval_accuracy(model: RealismNet, photos: torch.Tensor, config: RealismTrainConfig,
                       batch_size: int = 64) -> float | None:
    """Top-1 retrieval: the share of held-out photos whose first view's nearest second view (by embedding) is its
    own, views drawn with a fixed seed. None without photos."""
    if len(photos) < 2:
        return None
    model.eval()
    gen = torch.Generator().manual_seed(HELDOUT_SEED)
    first, second = [], []
    for start in range(0, len(photos), batch_size):
        chunk = photos[start:start + batch_size]
        first.append(model(make_views(chunk, gen, config)))
        second.append(model(make_views(chunk, gen, config)))
    a, b = torch.cat(first), torch.cat(second)
    return round(float(((a @ b.T).argmax(1) == torch.arange(len(a))).float().mean()), 4)


def trained_steps(loop: SupervisedLoop) -> int:
    """Optimiser steps taken so far (a finished epoch has moved the loop to the next one with no order yet)."""
    return loop.epoch * loop.steps_per_epoch + (loop.next_step if loop.order is not None else 0)


def train_realism(ccp_root: str | Path, out_dir: str | Path, config: RealismTrainConfig,
                  export_to: str | Path | None = None, resume: bool = False, progress: bool = True,
                  log: Callable[[str], None] = print) -> dict:
    """Train (or, with ``resume``, continue from ``out_dir/last.pt``); returns the exported weights' metadata
    (held-out retrieval accuracy, steps, minutes)."""
    torch.set_num_threads(config.threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ccp = CCP(ccp_root)
    train_ids, held_ids = realism_split(ccp, config.heldout_modulo)
    if config.max_images:
        train_ids, held_ids = train_ids[:config.max_images], held_ids[:config.max_images]
    if len(train_ids) < 2:
        raise DataError(f"{ccp_root}: {len(train_ids)} training photos; contrastive training needs at least 2")
    if config.batch_size < 2:
        raise DataError(f"batch_size must be >= 2 (each view needs other photos' views), got {config.batch_size}")
    train_photos, held_photos = load_photos(ccp, train_ids, progress=progress), load_photos(ccp, held_ids,
                                                                                            progress=progress)
    log(f"{len(train_ids)} training photos, {len(held_ids)} held out (ids divisible by {config.heldout_modulo}); "
        f"input {INPUT_SIZE[0]}x{INPUT_SIZE[1]}")

    torch.manual_seed(config.seed)
    model = RealismNet(RealismConfig(widths=tuple(config.widths), projection_dim=config.projection_dim))
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loop = SupervisedLoop.for_run(model, opt, config, torch.arange(len(train_ids)), out_dir, lr_floor=0.01, log=log)
    resumed = loop.resume() if resume else False
    if not resumed:
        log(f"held-out retrieval accuracy before training: {retrieval_accuracy(model, held_photos, config)} "
            f"(chance {1 / max(1, len(held_ids)):.4f})")

    def batch_loss(index: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, dict[str, float]]:
        photos = train_photos[index]
        views = torch.cat([make_views(photos, gen, config), make_views(photos, gen, config)])
        loss, hits = nt_xent(model.project(views), config.temperature)
        return loss, {"train_top1": float(hits.mean())}

    def heldout(ema: RealismNet) -> dict:
        return {"heldout_retrieval": retrieval_accuracy(ema, held_photos, config)}

    history = loop.run(batch_loss, heldout if len(held_ids) >= 2 else None)
    write_json_atomic(out_dir / "history.json", history)
    meta = {**run_record(config, history, loop.trained_s),
            "heldout_retrieval": retrieval_accuracy(loop.ema, held_photos, config),
            "heldout_photos": len(held_ids), "train_photos": len(train_ids),
            "heldout_split": f"CCP photos whose id is divisible by {config.heldout_modulo} (never trained on)",
            "input_size": list(INPUT_SIZE), "steps": trained_steps(loop)}
    export_weights(loop.ema, out_dir / "realism.safetensors", meta)
    if export_to is not None:
        export_weights(loop.ema, export_to, meta)
    return meta
