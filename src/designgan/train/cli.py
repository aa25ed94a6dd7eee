"""``designgan train`` and ``designgan bench train`` (typer; mounted by :mod:`designgan.cli`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from designgan.errors import ConfigError

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Training config YAML (see configs/).")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Override a config key: --set train.steps=100.")]


def train_command(
    config: ConfigOpt = None,
    set_: SetOpt = None,
    resume: Annotated[Path | None, typer.Option(
        "--resume", help="Continue the run in this folder exactly where its newest checkpoint left off.")] = None,
) -> None:
    """Train a DesignGAN translator (or a baseline) from a YAML config; torchrun-ready."""
    from designgan.train.config import load_train_config
    from designgan.train.loop import CONFIG_NAME, train
    from designgan.train.painter_config import is_painter_config

    overrides = list(set_ or [])
    if resume is not None:
        if config is None:
            config = resume / CONFIG_NAME
            if not config.is_file():
                raise ConfigError(f"{config}: not found (is {resume} a training run folder?)")
        overrides.append(f"train.out_dir={resume}")
    elif config is None:
        raise ConfigError("give --config FILE (or --resume RUN_DIR)")
    if is_painter_config(config):  # the garment painter (kind: painter): its own loop, same run folder rules
        _train_painter(config, overrides, resume is not None)
        return
    cfg = load_train_config(config, overrides)
    _check_device(cfg.train.device)
    result = train(cfg, resume=resume is not None)
    if result.interrupted_by is not None:  # checkpointed; the loop printed the one-line message
        raise typer.Exit(128 + result.interrupted_by)
    if os.environ.get("RANK", "0") != "0":
        return
    if result.history:
        last = result.history[-1]
        terms = ", ".join(f"{k.split('/')[-1]} {v:.3f}" for k, v in last.items() if k.startswith("loss/"))
        typer.echo(f"step {result.step}: {terms}", err=True)
    typer.echo(f"run folder: {result.run_dir}", err=True)


def _train_painter(config: Path, overrides: list[str], resume: bool) -> None:
    from designgan.train.painter_config import load_painter_config
    from designgan.train.painter_loop import train_painter

    cfg = load_painter_config(config, overrides)
    _check_device(cfg.train.device)
    result = train_painter(cfg, resume=resume)
    if result.interrupted_by is not None:
        raise typer.Exit(128 + result.interrupted_by)
    losses = [h for h in result.history if "loss" in h]
    if losses:
        typer.echo(f"step {result.step}: loss {losses[-1]['loss']:.4f}", err=True)
    typer.echo(f"run folder: {result.run_dir}", err=True)


def pack_painter_command(
    config: ConfigOpt = None,
    set_: SetOpt = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing pack file.")] = False,
) -> None:
    """Pack CCP's pixel-labelled photos in the lower-body frame for painter training (the config's data.pack;
    landmarks by the shipped network, cached beside the pack)."""
    from designgan.train.painter_config import load_painter_config
    from designgan.train.painter_data import pack_painter

    if config is None:
        raise ConfigError("give --config FILE (a painter training config)")
    cfg = load_painter_config(config, list(set_ or []))
    if cfg.data.pack.exists() and not overwrite:
        raise ConfigError(f"{cfg.data.pack}: already exists (pass --overwrite to replace it)")
    summary = pack_painter(cfg.data.ccp_root, cfg.data.pack, cfg.data.pack_size)
    typer.echo(f"wrote {summary['out']}: {summary['photos']} photos ({summary['validation']} held out), "
               f"{len(summary['skipped'])} skipped (no garment frame), {summary['mib']} MiB")


def pack_command(
    config: ConfigOpt = None,
    set_: SetOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Pack file to write (default: the config's "
                                             "data.pack).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing pack file.")] = False,
) -> None:
    """Pack a dataset's training split (photos at training resolution, masks, landmarks) into one small file
    that a training run holds on its device (data.pack), e.g. to carry to a GPU machine."""
    from designgan.train.config import load_train_config
    from designgan.train.pack import pack_dataset

    if config is None:
        raise ConfigError("give --config FILE (the training config whose data section says what to pack)")
    cfg = load_train_config(config, list(set_ or []))
    target = out or cfg.data.pack
    if target is None:
        raise ConfigError("give --out FILE, or set data.pack in the config")
    target = Path(target)
    if target.is_dir():
        raise ConfigError(f"{target}: is a folder; --out names the pack file to write")
    if target.exists() and not overwrite:
        raise ConfigError(f"{target}: already exists (pass --overwrite to replace it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    summary = pack_dataset(cfg.data, target)
    skipped = f", {len(summary['skipped'])} skipped (no garment frame)" if summary["skipped"] else ""
    typer.echo(f"wrote {summary['out']}: {summary['a']} + {summary['b']} photos at "
               f"{summary['size_hw'][0]}x{summary['size_hw'][1]}, {summary['mib']} MiB{skipped}")


def _check_device(name: str) -> None:
    """``train.device=cuda`` on a machine without a GPU: one line naming the key, before any work."""
    from designgan.hardware import resolve_device

    try:
        resolve_device(name)
    except ConfigError as exc:
        raise ConfigError(f"config key 'train.device': {exc}") from None


def bench_train_command(
    config: ConfigOpt = None,
    set_: SetOpt = None,
    steps: Annotated[int, typer.Option(help="Timed steps per model.")] = 3,
    warmup: Annotated[int, typer.Option(help="Untimed warm-up steps per model (the first counts FLOPs).")] = 2,
    batch: Annotated[int | None, typer.Option(help="Batch size (default: the config's).")] = None,
    size: Annotated[str | None, typer.Option(help="Resolution HxW (default: the config's), e.g. 300x200.")] = None,
    reference: Annotated[bool, typer.Option(help="Also time the reference CycleGAN step.")] = True,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    threads: Annotated[int | None, typer.Option(help="CPU threads for torch (default: torch's choice).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Time training steps (step time, images/s, peak memory, TFLOP/s) against the reference CycleGAN step."""
    from designgan.train.bench import bench_train
    from designgan.train.config import load_train_config

    overrides = list(set_ or [])
    if batch is not None:
        overrides.append(f"train.batch_size={batch}")
    if size is not None:
        try:
            h, w = (int(v) for v in size.lower().split("x"))
        except ValueError:
            raise ConfigError(f"--size must look like 300x200, got {size!r}") from None
        overrides.append(f"data.size=[{h}, {w}]")
    if steps < 1 or warmup < 1:
        raise ConfigError("--steps and --warmup must be >= 1")
    cfg = load_train_config(config, overrides)
    if threads is not None:
        import torch

        torch.set_num_threads(max(1, threads))
    result = bench_train(cfg, steps=steps, warmup=warmup, reference=reference, device=device)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    ours = result["designgan"]
    typer.echo(f"DesignGAN  {ours['size_hw'][0]}x{ours['size_hw'][1]} batch {ours['batch']} {ours['precision']}: "
               f"{ours['step_s']:.3f} s/step, {ours['images_per_s']:.2f} images/s, "
               f"{ours['achieved_tflops']:.3f} TFLOP/s, peak {ours['peak_memory_mb']:.0f} MB")
    if "reference_cyclegan" in result:
        ref = result["reference_cyclegan"]
        typer.echo(f"CycleGAN   {ref['size_hw'][0]}x{ref['size_hw'][1]} batch 1 fp32: {ref['step_s']:.3f} s/step, "
                   f"{ref['images_per_s']:.2f} images/s, "
                   f"{ref['achieved_tflops']:.3f} TFLOP/s")
        typer.echo(f"speed-up per sample: {result['speedup_vs_reference']:.2f}x")

