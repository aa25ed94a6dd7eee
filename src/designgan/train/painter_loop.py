"""The painter's training loop, top to bottom: training by repainting (docs/method.md).

    setup -> data (the pack, on the device) -> models -> optimizers -> (resume) -> for each step:
        cut a batch -> erase a generous region -> condition on the photo's own layout, fabric, skin, landmarks ->
        paint -> L1 in the region + random-VGG perceptual (+ LSGAN) -> step -> log, samples, validation, checkpoint

Same run folder, lock, time budget, precision choice and checkpoints as ``designgan train`` for translators
(:mod:`designgan.train.loop`); a resumed run continues exactly (every batch is drawn from its step's seed).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml
from tqdm import tqdm

from designgan.config import to_dict
from designgan.errors import DataError
from designgan.hardware import describe, resolve_device, resolve_precision
from designgan.io import save_png, write_json_atomic, write_text_atomic
from designgan.losses.gan import lsgan_d_loss, lsgan_g_loss
from designgan.losses.painter import perceptual_distance, region_l1
from designgan.models import create_model
from designgan.models.painter import (
    BASE_CHANNELS,
    PainterNet,
    edit_region,
    kept_top,
    near_wrists,
    paint,
    painter_inputs,
    skin_colour,
    tiled_swatch,
)
from designgan.models.perceptual import RandomVGG
from designgan.models.prior import box_blur, dilate
from designgan.models.prior_style import CROTCH
from designgan.train import runlock
from designgan.train.checkpoint import latest_checkpoint, load_checkpoint, rng_state, save_checkpoint, set_rng_state
from designgan.train.loop import lr_factor, run_progress
from designgan.train.painter_config import PainterConfig
from designgan.train.painter_data import PainterBatches
from designgan.train.signals import catch_stop_signals, interrupted_message

CONFIG_NAME = "config.yaml"


@dataclass
class PainterResult:
    step: int
    run_dir: Path
    net: PainterNet
    history: list[dict[str, float]] = field(default_factory=list)
    interrupted_by: int | None = None


def jitter_layout(garment: torch.Tensor, jitter: int, generator: torch.Generator) -> torch.Tensor:
    """The garment layout grown or shrunk by 0..``jitter`` pixels (per sample) and its outline smoothed, so the
    painter follows a layout that is close to, not exactly, the garment's edge (run-time layouts are drawn)."""
    if jitter == 0:
        return garment
    out = []
    for g, k in zip(garment, torch.randint(-jitter, jitter + 1, (garment.shape[0],), generator=generator).tolist(),
                    strict=True):
        g = g[None]
        if k > 0:
            g = dilate(g, 2 * k + 1)
        elif k < 0:
            g = 1 - dilate(1 - g, 2 * -k + 1)
        out.append((box_blur(g, 2 * jitter + 1) > 0.5).float())
    return torch.cat(out)


def conditions(batch: dict[str, torch.Tensor], names: list[str], jitter: int,
               generator: torch.Generator | None) -> dict[str, torch.Tensor]:
    """A batch's repainting problem: the region, the network's input stack and its start image.

    The region is the run time's (:func:`~designgan.models.painter.edit_region`) with the photo's own garment
    as the new layout and, as the old garment, its own united with the next photo's in the batch (the mirror
    image for a batch of one): at run time the old garment's shape differs from the new one's, and a region that
    always hugged the garment taught v2 to paint cloth wherever the region reached (the ghost of a flared skirt
    beside new trousers). Hands and bags in front of the garment are kept. Training (``generator`` given)
    jitters the layout, draws the fabric swatch from a random place on the garment and how far the old
    garment's top is kept (hip line to crotch, the two run-time cases)."""
    image, garment, skin, heat = batch["image"], batch["garment"], batch["skin"], batch["heatmaps"]
    other = garment.roll(1, dims=0) if garment.shape[0] > 1 else garment.flip(-1)
    protect = torch.maximum(batch["occluder"], near_wrists(skin, heat, names)) * (1 - garment)
    layout = jitter_layout(garment, jitter, generator) if generator is not None else garment
    region = edit_region(torch.maximum(garment, other), layout, protect)
    tile = tiled_swatch(image, garment, generator)
    colour = skin_colour(image, skin)
    reach = CROTCH if generator is None else CROTCH * torch.rand(image.shape[0], generator=generator).to(image.device)
    keep = kept_top(heat, names, garment, layout * region, reach)
    stack, start = painter_inputs(image, region, layout, skin, tile, colour, heat, keep)
    return {"region": region, "stack": stack, "start": start, "attention": torch.cat([region, heat], dim=1)}


def painter_grid(image: torch.Tensor, cond: dict[str, torch.Tensor], output: torch.Tensor, rows: int = 3
                 ) -> torch.Tensor:
    """uint8 (3, H, W): per sample, the erased input | the start image | the painting | the photo."""
    lines = []
    for i in range(min(rows, image.shape[0])):
        erased = image[i] * (1 - cond["region"][i]) + 0.0 * cond["region"][i]
        tiles = [erased, cond["start"][i], output[i], image[i]]
        lines.append(torch.cat([(t.float().cpu().clamp(-1, 1) + 1) / 2 for t in tiles], dim=2))
    return (torch.cat(lines, dim=1) * 255).round().to(torch.uint8)


@torch.no_grad()
def validate(net: torch.nn.Module, data: PainterBatches, names: list[str], n: int, autocast: torch.autocast
             ) -> dict[str, float]:
    """L1 in the region and PSNR over it on the first ``n`` held-out photos (centred frames, no augmentation)."""
    l1, mse, count = 0.0, 0.0, 0
    for start in range(0, min(n, len(data)), 8):
        batch = data.batch(list(range(start, min(n, len(data), start + 8))), augment=False)
        cond = conditions(batch, names, 0, None)
        with autocast:
            out = paint(net, cond["stack"], cond["start"], batch["image"], cond["region"])
        diff = ((out - batch["image"]) / 2) * cond["region"]  # in [0, 1] units
        pixels = cond["region"].sum() * 3
        l1 += float(diff.abs().sum() / pixels) * len(batch["image"])
        mse += float((diff ** 2).sum() / pixels) * len(batch["image"])
        count += len(batch["image"])
    mse = mse / count
    return {"val/l1": l1 / count, "val/psnr": float(10 * torch.log10(torch.tensor(1 / max(mse, 1e-10))))}


def train_painter(config: PainterConfig, resume: bool = False) -> PainterResult:
    """Train per ``config``; with ``resume`` continue exactly from the newest checkpoint in ``train.out_dir``."""
    cfg, names = config.train, list(config.data.heatmap_names)
    device = resolve_device(cfg.device)
    run_dir = Path(cfg.out_dir)
    lock = runlock.acquire(run_dir)  # noqa: F841 (held until train_painter() returns)
    precision = resolve_precision(cfg.precision, device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    fmt = torch.channels_last if cfg.channels_last else torch.contiguous_format
    tqdm.write(f"train painter: {describe(device, precision)}", file=sys.stderr)
    if not resume and (run_dir / "checkpoints" / "latest").exists():
        raise DataError(f"{run_dir}: already holds a training run; continue it with --resume {run_dir} "
                        "or choose another train.out_dir")

    # ---- data: the pack decoded once onto the device -----------------------------------------------------------
    d = config.data
    train_data = PainterBatches(d.pack, d.size, names, device, "train", d.heatmap_sigma, d.min_confidence)
    val_data = PainterBatches(d.pack, d.size, names, device, "validation", d.heatmap_sigma, d.min_confidence)

    # ---- models and optimizers ---------------------------------------------------------------------------------
    torch.manual_seed(cfg.seed)
    net = PainterNet(BASE_CHANNELS + len(names), config.model.ngf, config.model.n_blocks).to(device, memory_format=fmt)
    vgg = RandomVGG(tuple(config.model.perceptual_widths), seed=cfg.seed).to(device, memory_format=fmt)
    models: dict[str, torch.nn.Module] = {"P": net}
    disc = None
    if config.loss.gan > 0:
        disc = create_model("designgan_discriminator", attention_channels=1 + len(names), ndf=config.loss.ndf,
                            n_layers=3).to(device, memory_format=fmt)
        models["D"] = disc
    betas = tuple(config.optim.betas)
    opt = torch.optim.Adam(net.parameters(), lr=config.optim.lr, betas=betas)
    opt_d = torch.optim.Adam(disc.parameters(), lr=config.optim.lr, betas=betas) if disc is not None else None

    if cfg.init_from is not None and not resume:
        _init_weights(Path(cfg.init_from), net, disc)
    start, trained_seconds = 0, 0.0
    if resume:
        checkpoint = latest_checkpoint(run_dir)
        if checkpoint is None:
            raise DataError(f"{run_dir}: no checkpoint to resume from")
        state = load_checkpoint(checkpoint, models)
        opt.load_state_dict(state["opt"])
        if opt_d is not None:
            opt_d.load_state_dict(state["opt_d"])
        trained_seconds, start = float(state["trained_seconds"]), int(state["step"])
        set_rng_state(state["rng"])
        tqdm.write(f"resuming {run_dir} from step {start} ({checkpoint.name})", file=sys.stderr)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(run_dir / CONFIG_NAME, yaml.safe_dump(to_dict(config), sort_keys=False))
    write_json_atomic(run_dir / "run.json", {"hardware": describe(device, precision), "precision": precision,
                                             "torch": torch.__version__, "parameters": sum(
                                                 p.numel() for p in net.parameters()),
                                             "train_photos": len(train_data), "validation_photos": len(val_data)})

    def checkpoint_now(step: int) -> None:
        state: dict[str, Any] = {"opt": opt.state_dict(), "trained_seconds": trained_seconds, "rng": rng_state()}
        if opt_d is not None:
            state["opt_d"] = opt_d.state_dict()
        save_checkpoint(run_dir, step, models, state, cfg.keep_checkpoints)

    end = min(cfg.steps, cfg.stop_after) if cfg.stop_after is not None else cfg.steps
    log_file = (run_dir / "log.jsonl").open("a")
    bar = tqdm(total=end, initial=start, desc="painter", unit="step", dynamic_ncols=True, disable=not cfg.progress)
    stop_signal, restore_signals = catch_stop_signals()  # Ctrl-C / SIGTERM: finish the step, checkpoint, stop
    history: list[dict[str, float]] = []
    step, tic, tic_step = start, time.perf_counter(), start
    last_checkpoint = trained_seconds
    budget_spent = cfg.max_minutes is not None and trained_seconds >= 60 * cfg.max_minutes

    # ---- the loop ------------------------------------------------------------------------------------------------
    try:
        while step < end and not budget_spent:
            step_tic = time.perf_counter()
            lr = config.optim.lr * lr_factor(run_progress(step, cfg.steps, trained_seconds, cfg.max_minutes),
                                             config.optim.decay_start)
            for group in (*opt.param_groups, *(opt_d.param_groups if opt_d else [])):
                group["lr"] = lr
            # the batch: an epoch-wise permutation and augmentations drawn from the step's seed (exact resume)
            n = len(train_data)
            per_epoch = max(1, n // cfg.batch_size)
            epoch, k = divmod(step, per_epoch)
            order = torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed * 100_003 + epoch))
            indices = order[k * cfg.batch_size:(k + 1) * cfg.batch_size].tolist()
            g = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step)
            batch = train_data.batch(indices, g)
            cond = conditions(batch, names, d.layout_jitter, g)
            image = batch["image"].contiguous(memory_format=fmt)

            # painter step
            with autocast:
                out = paint(net, cond["stack"].contiguous(memory_format=fmt), cond["start"], image, cond["region"])
                terms = {"l1": region_l1(out, image, cond["region"]),
                         "perceptual": perceptual_distance(vgg, out, image)}
                if disc is not None:
                    disc.requires_grad_(False)
                    terms["gan"] = lsgan_g_loss(disc(out, cond["attention"]))
            loss = config.loss.l1 * terms["l1"] + config.loss.perceptual * terms["perceptual"] + (
                config.loss.gan * terms["gan"] if disc is not None else 0.0)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if config.optim.clip_grad > 0:
                terms["grad_norm"] = torch.nn.utils.clip_grad_norm_(net.parameters(), config.optim.clip_grad)
            opt.step()
            # discriminator step: the real photo against the painting, both judged with the region as attention
            if disc is not None and opt_d is not None:
                disc.requires_grad_(True)
                with autocast:
                    terms["d"] = lsgan_d_loss(disc(image, cond["attention"]), disc(out.detach(), cond["attention"]))
                opt_d.zero_grad(set_to_none=True)
                terms["d"].backward()
                opt_d.step()
            step += 1
            trained_seconds += time.perf_counter() - step_tic

            # ---- log, samples, validation, checkpoint ----------------------------------------------------------
            if step % cfg.log_every == 0 or step == end:
                elapsed = time.perf_counter() - tic
                row = {"step": step, "loss": loss.item(), **{f"loss/{k}": v.item() for k, v in terms.items()},
                       "lr": lr, "samples_per_s": cfg.batch_size * (step - tic_step) / elapsed,
                       "trained_minutes": trained_seconds / 60}
                tic, tic_step = time.perf_counter(), step
                history.append(row)
                log_file.write(yaml.safe_dump(row, default_flow_style=True, width=10_000).strip() + "\n")
                log_file.flush()
                bar.set_postfix(l1=f"{row['loss/l1']:.3f}", perc=f"{row['loss/perceptual']:.3f}", refresh=False)
            if step % cfg.image_every == 0 or step == end:
                save_png(painter_grid(image, cond, out.detach()).permute(1, 2, 0).numpy(),
                         run_dir / "samples" / f"step_{step:08d}.png")
            budget_spent = cfg.max_minutes is not None and trained_seconds >= 60 * cfg.max_minutes
            timed = cfg.checkpoint_minutes is not None and trained_seconds - last_checkpoint >= 60 * \
                cfg.checkpoint_minutes
            if step % cfg.checkpoint_every == 0 or step == end or budget_spent or timed or stop_signal:
                scores = validate(net, val_data, names, d.validation_photos, autocast)
                history.append({"step": step, **scores})
                log_file.write(yaml.safe_dump({"step": step, **scores}, default_flow_style=True).strip() + "\n")
                log_file.flush()
                tqdm.write(f"step {step}: val L1 {scores['val/l1']:.4f}, PSNR {scores['val/psnr']:.2f} dB "
                           f"({trained_seconds / 60:.1f} min trained)", file=sys.stderr)
                checkpoint_now(step)
                last_checkpoint = trained_seconds
            bar.update(1)
            if stop_signal:
                tqdm.write(interrupted_message(stop_signal[0], step, run_dir), file=sys.stderr)
                break
    finally:
        restore_signals()
        log_file.close()
        bar.close()
    return PainterResult(step, run_dir, net, history, stop_signal[0] if stop_signal else None)


def _init_weights(path: Path, net: torch.nn.Module, disc: torch.nn.Module | None) -> None:
    """Start from saved weights (``train.init_from``): a painter checkpoint's model.safetensors (``P.*``, and
    ``D.*`` when this run has a discriminator) or an exported painter translator (``G_AB.net.*``)."""
    from safetensors.torch import load_file

    from designgan.models.weights import load_model_state

    try:
        flat = {k: v.float() for k, v in load_file(str(path)).items()}
    except Exception as exc:
        raise DataError(f"{path}: unreadable weights for train.init_from ({type(exc).__name__})") from None
    if not any(k.startswith("P.") for k in flat):
        flat = {"P." + k[len("G_AB.net."):]: v for k, v in flat.items() if k.startswith("G_AB.net.")}
    models: dict[str, torch.nn.Module] = {"P": net}
    if disc is not None and any(k.startswith("D.") for k in flat):
        models["D"] = disc
    load_model_state(models, {k: v for k, v in flat.items() if k.split(".", 1)[0] in models}, str(path))
