"""The DesignGAN training loop, top to bottom.

    setup -> data -> models -> optimizers -> (resume) -> for each step: G step, D step, schedule, log, checkpoint

Runs on one CPU/GPU, or data-parallel under ``torchrun`` (each rank reads its own slice of every step's samples,
gradients are averaged by DistributedDataParallel).
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors.torch import load_file
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from designgan.config import to_dict
from designgan.errors import DataError, DesignGANError
from designgan.hardware import describe, resolve_precision
from designgan.io import save_png, write_json_atomic, write_text_atomic
from designgan.train import distributed, runlock
from designgan.train.checkpoint import (
    DISCRIMINATORS_SUFFIX,
    latest_checkpoint,
    load_checkpoint,
    load_model_state,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from designgan.train.config import TrainConfig
from designgan.train.cycle import Discriminators, Generators, Side
from designgan.train.dataset import StepSampler, build_dataset
from designgan.train.pack import PackedBatches
from designgan.train.pool import ImagePool
from designgan.train.signals import catch_stop_signals, interrupted_message
from designgan.train.visualize import translation_grid

CONFIG_NAME = "config.yaml"
RUN_INFO = "run.json"  # the device and the precision the run resolved, for the record


@dataclass
class TrainResult:
    step: int
    run_dir: Path
    generators: Generators
    discriminators: Discriminators
    history: list[dict[str, float]] = field(default_factory=list)
    interrupted_by: int | None = None  # the signal (SIGINT/SIGTERM) that stopped the run early, after a checkpoint
    skipped_steps: list[int] = field(default_factory=list)  # steps skipped for a non-finite loss


def lr_factor(progress: float, decay_start: float) -> float:
    """CycleGAN's schedule: constant lr for the first ``decay_start`` share of the run, then linear decay to 0."""
    if progress < decay_start or decay_start >= 1.0:
        return 1.0
    return max(0.0, (1.0 - progress) / (1.0 - decay_start))


def run_progress(step: int, total_steps: int, trained_seconds: float, max_minutes: float | None) -> float:
    """Share of the run done: by steps, or by training time under a ``max_minutes`` budget when that is further
    along, so the schedule completes however fast the machine turns out to be."""
    progress = step / total_steps
    if max_minutes:
        progress = max(progress, trained_seconds / (60 * max_minutes))
    return progress


def to_side(batch: dict[str, Any], device: torch.device, fmt: torch.memory_format) -> Side:
    def move(t: torch.Tensor) -> torch.Tensor:
        return t.to(device, non_blocking=True).contiguous(memory_format=fmt)

    return Side(image=move(batch["image"]), garment=move(batch["garment"]), skin=move(batch["skin"]),
                heatmaps=move(batch["heatmaps"]))


def set_requires_grad(module: torch.nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)


def training_step(g_model: torch.nn.Module, d_model: torch.nn.Module, discriminators: Discriminators,
                  opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer, pool_a: ImagePool, pool_b: ImagePool,
                  a: Side, b: Side, autocast: torch.autocast, info: distributed.DistInfo | None = None,
                  loss_scale: float = 1.0) -> tuple[torch.Tensor, dict, torch.Tensor, dict, dict] | None:
    """One optimisation step of both generators, then both discriminators. Returns losses, terms and fakes.

    Returns None, with no weight or optimizer state changed, when either loss is NaN/inf (on any rank).
    ``loss_scale`` exists for fault injection (NaN) only.
    """
    # Generator step: D frozen, so its weights get no gradient from the generator loss.
    set_requires_grad(discriminators, False)
    with autocast:
        loss_g, terms, fakes = g_model(a, b, discriminators)
    if loss_scale != 1.0:
        loss_g = loss_g * loss_scale
    opt_g.zero_grad(set_to_none=True)
    if not _all_finite(loss_g, info):
        return None
    loss_g.backward()

    # Discriminator losses on real samples and fakes drawn from the history pools. The fakes are detached, so
    # computing this before the generator update gives the same numbers and lets a bad D loss veto both updates.
    set_requires_grad(discriminators, True)
    fake_a = pool_a.query(fakes["fake_a"].image, fakes["fake_a"].attention)
    fake_b = pool_b.query(fakes["fake_b"].image, fakes["fake_b"].attention)
    with autocast:
        loss_d, d_terms = d_model(a, b, fake_a, fake_b)
    if not _all_finite(loss_d, info):
        opt_g.zero_grad(set_to_none=True)
        return None
    opt_g.step()
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    return loss_g, terms, loss_d, d_terms, fakes


def _all_finite(loss: torch.Tensor, info: distributed.DistInfo | None) -> bool:
    """Whether ``loss`` is finite on every rank (ranks must agree, or their collective calls would diverge)."""
    finite = torch.isfinite(loss.detach()).all().to(torch.int32)
    if info is not None and info.enabled:
        torch.distributed.all_reduce(finite, op=torch.distributed.ReduceOp.MIN)
    return bool(finite.item())


def train(config: TrainConfig, resume: bool = False) -> TrainResult:
    """Train per ``config``; with ``resume`` continue exactly from the newest checkpoint in ``train.out_dir``."""
    cfg = config.train
    info = distributed.setup(cfg.device)
    device = info.device
    run_dir = Path(cfg.out_dir)
    lock = runlock.acquire(run_dir) if info.is_main else None  # noqa: F841 (held until train() returns)
    precision = resolve_precision(cfg.precision, device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    fmt = torch.channels_last if cfg.channels_last else torch.contiguous_format
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick the fastest convolution kernels
    if info.is_main:
        tqdm.write(f"train: {describe(device, precision)}", file=sys.stderr)

    if not resume and (run_dir / "checkpoints" / "latest").exists():
        raise DataError(f"{run_dir}: already holds a training run; continue it with --resume {run_dir} "
                        "or choose another train.out_dir")

    # ---- data: packed on the device (GPU path), or read from the dataset folder by a DataLoader -------------------
    if config.data.pack is not None:
        packed = PackedBatches(config.data, device)
        sizes, dataset_metadata = (len(packed.domain_a), len(packed.domain_b)), packed.metadata
    else:
        dataset = build_dataset(config.data)
        sizes, dataset_metadata = (len(dataset.domain_a), len(dataset.domain_b)), None

    # ---- models, optimizers, schedules, pools (identical init on every rank) -----------------------------------
    torch.manual_seed(cfg.seed)
    generators = Generators(config).to(device)
    discriminators = Discriminators(config).to(device)
    if cfg.channels_last:
        generators.to(memory_format=torch.channels_last)
        discriminators.to(memory_format=torch.channels_last)
    opt_g = torch.optim.Adam(generators.parameters(), lr=config.optim.lr, betas=tuple(config.optim.betas))
    opt_d = torch.optim.Adam(discriminators.parameters(), lr=config.optim.lr, betas=tuple(config.optim.betas))
    if cfg.init_from is not None:
        _init_weights(cfg.init_from, generators, discriminators)
    pool_a = ImagePool(config.optim.pool_size, seed=cfg.seed * 1000 + 2 * info.rank)
    pool_b = ImagePool(config.optim.pool_size, seed=cfg.seed * 1000 + 2 * info.rank + 1)
    torch.manual_seed(cfg.seed + info.rank)  # per-rank stream for anything random after init

    start, trained_seconds = 0, 0.0
    if resume:
        checkpoint = latest_checkpoint(run_dir)
        if checkpoint is None:
            raise DataError(f"{run_dir}: no checkpoint to resume from")
        state = load_checkpoint(checkpoint, {"G": generators, "D": discriminators})
        opt_g.load_state_dict(state["opt_g"])
        opt_d.load_state_dict(state["opt_d"])
        trained_seconds = float(state.get("trained_seconds", 0.0))
        pools = state["pools"][info.rank] if info.rank < len(state["pools"]) else state["pools"][0]
        pool_a.load_state_dict(pools[0])
        pool_b.load_state_dict(pools[1])
        set_rng_state(state["rng"][info.rank] if info.rank < len(state["rng"]) else state["rng"][0])
        start = int(state["step"])
        if info.is_main:
            tqdm.write(f"resuming {run_dir} from step {start} ({checkpoint.name})", file=sys.stderr)
    if info.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(run_dir / CONFIG_NAME, yaml.safe_dump(to_dict(config), sort_keys=False))
        write_json_atomic(run_dir / RUN_INFO, {"hardware": describe(device, precision), "precision": precision,
                                               "torch": torch.__version__, "world_size": info.world_size})
        if dataset_metadata is not None:  # a packed run names its categories without the dataset folder
            write_json_atomic(run_dir / "dataset.json", dataset_metadata)

    g_model: torch.nn.Module = generators
    d_model: torch.nn.Module = discriminators
    if info.enabled:
        # One forward per backward for each wrapper; inputs are moved by us, so no device_ids.
        g_model = DistributedDataParallel(generators)
        d_model = DistributedDataParallel(discriminators)
    if cfg.compile:
        g_model = torch.compile(g_model)
        d_model = torch.compile(d_model)

    sampler = StepSampler(*sizes, cfg.batch_size, cfg.steps, start, cfg.seed, info.rank, info.world_size)
    if config.data.pack is not None:
        batches = (packed.batch(items, fmt) for items in sampler)
    else:
        loader = DataLoader(dataset, batch_sampler=sampler, num_workers=config.data.num_workers,
                            pin_memory=device.type == "cuda", persistent_workers=False)
        batches = ((to_side(batch["a"], device, fmt), to_side(batch["b"], device, fmt)) for batch in loader)
    end = min(cfg.steps, cfg.stop_after) if cfg.stop_after is not None else cfg.steps

    writer = None
    if info.is_main:
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(str(run_dir / "tb"), purge_step=start + 1 if start else None)
    bar = tqdm(total=end, initial=start, desc="train", unit="step", dynamic_ncols=True,
               disable=not (info.is_main and cfg.progress))
    history: list[dict[str, float]] = []
    step = start
    tic, tic_step = time.perf_counter(), start
    last_checkpoint_seconds = trained_seconds

    # SIGINT (Ctrl-C) and SIGTERM (single process): finish the current step, checkpoint it, stop; the same signal
    # again aborts at once. Under torchrun the launcher owns signals.
    stop_signal, restore_signals = catch_stop_signals(enabled=not info.enabled)
    nan_steps = set(cfg.debug_nan_at_steps)
    skipped: list[int] = []
    nonfinite_in_a_row = 0
    budget_spent = _budget_spent(trained_seconds, cfg.max_minutes, info)  # a resumed run may have spent it

    # ---- the loop --------------------------------------------------------------------------------------------
    try:
        for a, b in batches:
            if step >= end or budget_spent:
                break
            step_tic = time.perf_counter()
            lr = config.optim.lr * lr_factor(run_progress(step, cfg.steps, trained_seconds, cfg.max_minutes),
                                             config.optim.decay_start)
            for group in (*opt_g.param_groups, *opt_d.param_groups):
                group["lr"] = lr
            outcome = training_step(g_model, d_model, discriminators, opt_g, opt_d, pool_a, pool_b, a, b, autocast,
                                    info, math.nan if step + 1 in nan_steps else 1.0)
            step += 1
            trained_seconds += time.perf_counter() - step_tic
            if outcome is None:
                # Non-finite loss: this step changed no weights; the next one starts from the same ones.
                skipped.append(step)
                nonfinite_in_a_row += 1
                if writer is not None:
                    writer.add_scalar("faults/nonfinite_loss", 1.0, step)
                if info.is_main:
                    tqdm.write(f"warning: non-finite loss at step {step}: step skipped, weights unchanged "
                               f"({nonfinite_in_a_row} in a row, stop at {cfg.max_nonfinite_steps})", file=sys.stderr)
                if nonfinite_in_a_row >= cfg.max_nonfinite_steps:
                    raise DesignGANError(
                        f"training stopped at step {step}: {nonfinite_in_a_row} steps in a row had a non-finite "
                        f"loss (train.max_nonfinite_steps); lower optim.lr or use fp32, then --resume {run_dir}")
            else:
                nonfinite_in_a_row = 0
                loss_g, terms, loss_d, d_terms, fakes = outcome

            # ---- logging -------------------------------------------------------------------------------------
            if outcome is not None and (step % cfg.log_every == 0 or step == end):
                scalars = {"loss/g_total": loss_g.item(), "loss/d_total": loss_d.item(),
                           **{f"loss/{k}": v.item() for k, v in terms.items()},
                           **{f"loss/{k}": v.item() for k, v in d_terms.items()}}
                scalars = distributed.all_mean(scalars, info)
                elapsed = time.perf_counter() - tic
                scalars["speed/step_s"] = elapsed / (step - tic_step)
                scalars["lr"] = lr
                scalars["speed/pairs_per_s"] = cfg.batch_size * info.world_size / scalars["speed/step_s"]
                tic, tic_step = time.perf_counter(), step
                history.append({"step": step, **scalars})
                if writer is not None:
                    for name, value in scalars.items():
                        writer.add_scalar(name, value, step)
                bar.set_postfix({k.split("/")[-1]: f"{v:.3f}" for k, v in scalars.items()
                                 if k.startswith("loss/") and k != "loss/d_total"}, refresh=False)
            if writer is not None and outcome is not None and (step % cfg.image_every == 0 or step == end):
                grid = translation_grid([
                    {"input": a.image[0], "attention": a.attention()[0] if generators.uses_attention else None,
                     "output": fakes["fake_b"].image[0],
                     "mask": None if fakes["fake_b"].mask is None else fakes["fake_b"].mask[0],
                     "reconstruction": fakes["rec_a"].image[0]},
                    {"input": b.image[0], "attention": b.attention()[0] if generators.uses_attention else None,
                     "output": fakes["fake_a"].image[0],
                     "mask": None if fakes["fake_a"].mask is None else fakes["fake_a"].mask[0],
                     "reconstruction": fakes["rec_b"].image[0]},
                ])
                writer.add_image("translation/a2b_b2a", grid, step)
                save_png(grid.permute(1, 2, 0).numpy(), run_dir / "samples" / f"step_{step:08d}.png")
            budget_spent = _budget_spent(trained_seconds, cfg.max_minutes, info)
            timed = cfg.checkpoint_minutes is not None and _agree(
                trained_seconds - last_checkpoint_seconds >= 60 * cfg.checkpoint_minutes, info)
            saved = step % cfg.checkpoint_every == 0 or step == end or budget_spent or timed
            if saved:
                _checkpoint(run_dir, step, generators, discriminators, opt_g, opt_d, trained_seconds,
                            (pool_a, pool_b), info, cfg.keep_checkpoints)
                last_checkpoint_seconds = trained_seconds
            bar.update(1)
            if stop_signal:
                if not saved:
                    _checkpoint(run_dir, step, generators, discriminators, opt_g, opt_d, trained_seconds,
                                (pool_a, pool_b), info, cfg.keep_checkpoints)
                tqdm.write(interrupted_message(stop_signal[0], step, run_dir), file=sys.stderr)
                break
    finally:
        restore_signals()
    bar.close()
    if writer is not None:
        writer.close()
    with contextlib.suppress(Exception):
        distributed.cleanup()
    return TrainResult(step, run_dir, generators, discriminators, history,
                       interrupted_by=stop_signal[0] if stop_signal else None, skipped_steps=skipped)


def _budget_spent(trained_seconds: float, max_minutes: float | None, info: distributed.DistInfo) -> bool:
    return max_minutes is not None and _agree(trained_seconds >= 60 * max_minutes, info)


def _agree(flag: bool, info: distributed.DistInfo) -> bool:
    """A time-based decision every rank takes together (clocks differ a little between ranks)."""
    if not info.enabled:
        return flag
    value = torch.tensor(int(flag), device=info.device)
    torch.distributed.broadcast(value, src=0)
    return bool(value.item())


def _init_weights(path: Path, generators: Generators, discriminators: Discriminators) -> None:
    """Start from saved weights: a checkpoint's model.safetensors (all four networks), or an exported translator
    (generators) with its discriminators in ``<stem>.discriminators.safetensors`` beside it when that exists."""
    path = Path(path)
    flat: dict[str, torch.Tensor] = {}
    for file in (path, path.with_name(path.stem + DISCRIMINATORS_SUFFIX)):
        if file == path or file.is_file():
            try:
                # A checkpoint nests the networks under "G."/"D."; exported files name them directly.
                flat.update({k[2:] if k.startswith(("G.", "D.")) else k: v.float()
                             for k, v in load_file(str(file)).items()})
            except Exception as exc:
                raise DataError(f"{file}: unreadable weights for train.init_from ({type(exc).__name__})") from None
    models: dict[str, torch.nn.Module] = {"G_AB": generators.G_AB, "G_BA": generators.G_BA}
    if any(k.startswith("D_A.") for k in flat):
        models.update(D_A=discriminators.D_A, D_B=discriminators.D_B)
    load_model_state(models, flat, str(path))


def _checkpoint(run_dir, step, generators, discriminators, opt_g, opt_d, trained_seconds, pools, info,
                keep) -> None:
    """Save on rank 0; every rank's pool and RNG state travel with it so resume is exact on all ranks."""
    local = {"pools": [pools[0].state_dict(), pools[1].state_dict()], "rng": rng_state()}
    if info.enabled:
        gathered: list[Any] = [None] * info.world_size
        torch.distributed.all_gather_object(gathered, local)
    else:
        gathered = [local]
    if info.is_main:
        state = {"opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(), "trained_seconds": trained_seconds,
                 "pools": [g["pools"] for g in gathered],
                 "rng": [g["rng"] for g in gathered]}
        save_checkpoint(run_dir, step, {"G": generators, "D": discriminators}, state, keep)
    if info.enabled:
        torch.distributed.barrier()
