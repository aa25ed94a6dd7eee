"""``designgan landmarks ...``: pseudo-label, train, eval, predict, cache, bench."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from designgan.config import load_config
from designgan.errors import DesignGANError

app = typer.Typer(help="Landmark network: body keypoints and garment landmarks (the attention source).",
                  no_args_is_help=True)


def _labels_path(data: Path | None, ccp_root: Path | None, labels: Path | None) -> Path:
    from designgan.landmarks.labels import DATA_LABELS_NAME, DEFAULT_CCP_LABELS

    given = [x for x in (data, ccp_root, labels) if x is not None]
    if len(given) != 1:
        raise DesignGANError("give exactly one of --data DIR, --ccp-root DIR or --labels FILE")
    if labels is not None:
        return labels
    if data is not None:
        return data / DATA_LABELS_NAME
    return DEFAULT_CCP_LABELS


@app.command("pseudo-label")
def pseudo_label_cmd(
    teacher: str = typer.Option("mediapipe", help="Teacher pose model (only 'mediapipe')."),
    data: Path | None = typer.Option(None, help="Two-domain dataset folder: writes DIR/landmark_labels.jsonl."),
    ccp_root: Path | None = typer.Option(None, help="Raw CCP checkout: labels all its photos."),
    out: Path | None = typer.Option(None, help="Label file to write (default depends on the source)."),
) -> None:
    """Label body keypoints with the teacher and garment landmarks from the label maps, for every photo."""
    from tqdm import tqdm

    from designgan.landmarks.labels import ccp_sources, dataset_sources, pseudo_label, write_jsonl
    from designgan.landmarks.teacher import MediaPipeTeacher

    if teacher != "mediapipe":
        raise DesignGANError(f"unknown teacher '{teacher}' (available: mediapipe)")
    path = out or _labels_path(data, ccp_root, None)
    if data is not None and ccp_root is not None:
        raise DesignGANError("give --data or --ccp-root, not both")
    sources = dataset_sources(data) if data is not None else ccp_sources(ccp_root) if ccp_root else None
    if sources is None:
        raise DesignGANError("give --data DIR or --ccp-root DIR")
    with MediaPipeTeacher() as model:
        n = write_jsonl(path, tqdm(pseudo_label(sources, model), total=len(sources), desc="pseudo-labelling"))
    typer.echo(f"wrote {n} records to {path}")


@app.command("train")
def train_cmd(
    data: Path | None = typer.Option(None, help="Dataset folder holding landmark_labels.jsonl."),
    ccp_root: Path | None = typer.Option(None, help="Train on the CCP labels made by pseudo-label --ccp-root."),
    labels: Path | None = typer.Option(None, help="Explicit label file."),
    config: Path | None = typer.Option(None, help="YAML config (see configs/landmarks.yaml)."),
    set_: list[str] = typer.Option([], "--set", help="Config override key=value (repeatable)."),
    out: Path = typer.Option(Path("runs/landmarks"), help="Run folder: checkpoints, history, weights."),
    resume: bool = typer.Option(False, help="Continue from OUT/last.pt."),
    export: Path | None = typer.Option(None, help="Also write the final fp16 weights here."),
) -> None:
    """Train the landmark network (held-out split never trained on)."""
    from designgan.landmarks.train import LandmarkTrainConfig, train

    cfg = load_config(LandmarkTrainConfig, config, set_)
    metrics = train(_labels_path(data, ccp_root, labels), out, cfg, resume=resume, export_to=export,
                    log=lambda msg: typer.echo(msg, err=True))
    typer.echo(json.dumps({g: m for g, m in metrics.items() if g != "per_landmark_pck@0.1"}, indent=2))
