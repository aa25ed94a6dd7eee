"""``designgan export-painter``: a painter training run (``designgan train --config configs/painter_*.yaml``) saved
as a translator the pipeline loads like any other (``NAME.safetensors`` + ``NAME.json``; put them in
``designgan/weights/`` to bundle model NAME). Both directions share the one painting network; the rendered prior
inside each draws its direction's garment family."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from designgan.errors import DesignGANError


def export_painter(run: Path, out: Path, domains: tuple[str, str], families: tuple[str, str]) -> Path:
    """Write the newest checkpoint of painter run ``run`` as a translator between ``domains`` whose prior draws
    ``families`` (domain a's, then b's); returns the weights file."""
    from designgan.config import read_yaml
    from designgan.models.weights import WEIGHTS, latest_checkpoint, load_model_state, load_weights_file
    from designgan.pipeline import TranslatorSpec
    from designgan.pipeline.spec import prior_config
    from designgan.pipeline.weights import build_generators, save_translator

    run_config = read_yaml(run / "config.yaml") if (run / "config.yaml").is_file() else {}
    if run_config.get("kind") != "painter":
        raise DesignGANError(f"{run}: not a painter training run (its config.yaml has no 'kind: painter')")
    checkpoint = latest_checkpoint(run)
    if checkpoint is None:
        raise DesignGANError(f"{run}: the run has no checkpoint yet")
    config = prior_config(families)
    config.model.generator = "painter"
    config.model.ngf = int(run_config["model"]["ngf"])
    config.model.n_blocks = int(run_config["model"]["n_blocks"])
    config.data.size = tuple(int(v) for v in run_config["data"]["size"])
    config.data.heatmap_names = list(run_config["data"]["heatmap_names"])
    config.data.heatmap_sigma = float(run_config["data"]["heatmap_sigma"])
    config.data.min_confidence = float(run_config["data"]["min_confidence"])
    config.validate()
    generators = build_generators(config)
    flat = load_weights_file(checkpoint / WEIGHTS)
    for g in generators.values():
        load_model_state({"P": g.net}, {k: v for k, v in flat.items() if k.startswith("P.")},
                         str(checkpoint / WEIGHTS))
    name = out.stem if out.suffix == ".safetensors" else str(out)
    return save_translator(TranslatorSpec(name, domains, config), generators, out)


def export_painter_command(
    run: Annotated[Path, typer.Argument(help="Painter training run folder.", show_default=False)],
    out: Annotated[Path, typer.Argument(help="NAME.safetensors (or a folder) to write.", show_default=False)],
    domains: Annotated[str, typer.Option(help="Categories of domains a,b.")] = "jeans,skirt",
    families: Annotated[str, typer.Option(help="Garment families the prior draws for a,b.")] = "trousers,skirt",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing model at OUT.")] = False,
) -> None:
    """Save a painter training run as a translator model (16-bit safetensors + JSON config)."""
    names = tuple(d.strip() for d in domains.split(","))
    fams = tuple(f.strip() for f in families.split(","))
    if len(names) != 2 or len(fams) != 2 or not all(names + fams):
        raise DesignGANError(f"--domains and --families take two comma-separated names, got '{domains}', "
                             f"'{families}'")
    target = out if out.suffix == ".safetensors" else out / "translator.safetensors"
    if target.exists() and not force:
        raise DesignGANError(f"{target}: already exists (pass --force to replace it)")
    written = export_painter(run, out, (names[0], names[1]), (fams[0], fams[1]))
    typer.echo(f"wrote {written} ({written.stat().st_size / 2**20:.1f} MB, {names[0]} <-> {names[1]})")
