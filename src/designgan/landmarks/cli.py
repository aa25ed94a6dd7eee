"""``designgan landmarks ...``: pseudo-label, train, eval, predict, cache, bench, overlays, segmenter-train,
segmenter-eval."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from designgan.config import load_config
from designgan.errors import DataError, DesignGANError

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


def _samples_for_eval(labels_path: Path, split: str, height: int, width: int):
    from designgan.landmarks.data import LandmarkSamples
    from designgan.landmarks.labels import read_labels

    records = [r for r in read_labels(labels_path) if split == "all" or r["split"] == split]
    if not records:
        raise DataError(f"{labels_path}: no records in split '{split}'")
    return LandmarkSamples(records, height, width)


@app.command("eval")
def eval_cmd(
    data: Path | None = typer.Option(None, help="Dataset folder holding landmark_labels.jsonl."),
    ccp_root: Path | None = typer.Option(None, help="Evaluate on the CCP labels made by pseudo-label --ccp-root."),
    labels: Path | None = typer.Option(None, help="Explicit label file."),
    weights: Path | None = typer.Option(None, help="Weights (.safetensors); default: the shipped ones."),
    split: str = typer.Option("heldout", help="heldout, train or all."),
    flip_test: bool = typer.Option(True, "--flip-test/--no-flip-test", help="Average with the mirrored image."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
) -> None:
    """PCK@0.05 and PCK@0.1 (normalised by person height) per landmark group."""
    from designgan.landmarks.predict import load_weights
    from designgan.landmarks.train import evaluate

    model, meta = load_weights(weights)
    path = _labels_path(data, ccp_root, labels)
    samples = _samples_for_eval(path, split, model.config.input_height, model.config.input_width)
    metrics = evaluate(model, samples, float(meta["sigma"]), flip_test=flip_test, progress=True)
    metrics = {"labels": str(path), "split": split, "photos": len(samples), **metrics}
    if as_json:
        typer.echo(json.dumps(metrics, indent=2))
        return
    typer.echo(f"{len(samples)} photos ({split}) from {path}")
    for group in ("body", "lower_garment", "upper_garment"):
        m = metrics[group]
        typer.echo(f"{group:>14}: PCK@0.05 {m['pck@0.05']:.3f}  PCK@0.1 {m['pck@0.1']:.3f}  ({m['count']} points)")


@app.command("predict")
def predict_cmd(
    image: Path = typer.Argument(..., help="A photo of a person."),
    weights: Path | None = typer.Option(None, help="Weights (.safetensors); default: the shipped ones."),
    as_json: bool = typer.Option(False, "--json", help="Print the landmarks as JSON."),
    overlay: Path | None = typer.Option(None, help="Write the photo with the landmarks drawn on it (PNG)."),
    min_confidence: float | None = typer.Option(None, min=0.0, max=1.0, help="Points under this confidence are "
                                                "not drawn / listed (default 0.3; --json lists every point "
                                                "unless it is given)."),
) -> None:
    """Named landmarks with confidences for one photo (person_found / low_confidence flags in the JSON)."""
    from designgan.io import check_output_file, load_image, save_png
    from designgan.landmarks.predict import LandmarkPredictor
    from designgan.landmarks.viz import draw_landmarks

    if overlay is not None:
        check_output_file(overlay, "overlay picture")
    img = load_image(image)
    result = LandmarkPredictor.load(weights).predict(img)
    threshold = 0.3 if min_confidence is None else min_confidence
    if overlay is not None:
        save_png(draw_landmarks(img, result.array(), threshold), overlay)
    if as_json:
        record = {"image": str(image), **result.to_json()}
        if min_confidence is not None:
            record["points"] = {n: p for n, p in record["points"].items() if p[2] >= min_confidence}
        typer.echo(json.dumps(record, indent=2))
    else:
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(f"{image}: person {'found' if result.person_found else 'NOT found'} "
                   f"(confidence {result.person_confidence:.2f})")
        for name, (x, y, c) in result.points.items():
            if c >= threshold:
                typer.echo(f"  {name:>18}  x {x:7.1f}  y {y:7.1f}  conf {c:.2f}")
    if overlay is not None:
        typer.echo(f"overlay written to {overlay}", err=True)


@app.command("cache")
def cache_cmd(
    data: Path = typer.Option(..., help="Two-domain dataset folder (manifest.jsonl)."),
    weights: Path | None = typer.Option(None, help="Weights (.safetensors); default: the shipped ones."),
    batch_size: int = typer.Option(8, min=1, help="Photos per forward pass."),
) -> None:
    """Precompute DATA/landmarks.jsonl (one line per manifest record) so GAN training never runs this network."""
    from tqdm import tqdm

    from designgan.data import TwoDomainData
    from designgan.io import load_image
    from designgan.landmarks.labels import write_jsonl
    from designgan.landmarks.predict import LandmarkPredictor

    records = TwoDomainData.open(data).all_records
    predictor = LandmarkPredictor.load(weights)

    def lines():
        bar = tqdm(total=len(records), desc="landmarks")
        for start in range(0, len(records), batch_size):
            chunk = records[start:start + batch_size]
            results = predictor.predict_many([load_image(r.path("image")) for r in chunk])
            for rec, res in zip(chunk, results, strict=True):
                js = res.to_json()
                yield {"key": rec.key, "person_found": js["person_found"],
                       "person_confidence": js["person_confidence"], "points": js["points"]}
            bar.update(len(chunk))
        bar.close()

    n = write_jsonl(data / "landmarks.jsonl", lines())
    typer.echo(f"wrote {n} records to {data / 'landmarks.jsonl'}")


@app.command("bench")
def bench_cmd(
    image: Path | None = typer.Option(None, help="Photo to time (default: a synthetic 550x825 image)."),
    weights: Path | None = typer.Option(None, help="Weights (.safetensors); default: the shipped ones."),
    runs: int = typer.Option(20, min=1, help="Timed runs after 3 warm-up runs."),
    flip_test: bool = typer.Option(True, "--flip-test/--no-flip-test", help="Include the mirrored pass."),
    bf16: bool = typer.Option(True, "--bf16/--fp32", help="bfloat16 autocast."),
    threads: int = typer.Option(0, help="torch threads (0 = torch's default)."),
    as_json: bool = typer.Option(False, "--json", help="Print the timings as JSON."),
) -> None:
    """Latency of predict on one 550x825 photo: letterbox, network (+ flip), decoding, back to pixels."""
    import numpy as np
    import torch
    from PIL import Image

    from designgan.io import load_image
    from designgan.landmarks.predict import LandmarkPredictor

    if threads:
        torch.set_num_threads(threads)
    if image is not None:
        img = load_image(image)
    else:
        rng = np.random.default_rng(0)
        img = Image.fromarray(rng.integers(0, 256, (825, 550, 3), dtype=np.uint8))
    predictor = LandmarkPredictor.load(weights, flip_test=flip_test, bf16=bf16)
    for _ in range(3):
        predictor.predict(img)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        predictor.predict(img)
        times.append((time.perf_counter() - t0) * 1e3)
    result = {"image_size": list(img.size), "input_size": list(predictor.input_size), "flip_test": flip_test,
              "bf16": bf16, "threads": torch.get_num_threads(), "runs": runs,
              "median_ms": round(float(np.median(times)), 2), "mean_ms": round(float(np.mean(times)), 2),
              "min_ms": round(float(np.min(times)), 2)}
    if as_json:
        typer.echo(json.dumps(result))
    else:
        typer.echo(f"landmarks on one {img.size[0]}x{img.size[1]} photo: median {result['median_ms']} ms, "
                   f"min {result['min_ms']} ms ({runs} runs, {result['threads']} threads, "
                   f"{'bf16' if bf16 else 'fp32'}, flip test {'on' if flip_test else 'off'})")


@app.command("overlays")
def overlays_cmd(
    out: Path = typer.Option(..., help="PNG to write: the photos side by side with their predicted landmarks."),
    data: Path | None = typer.Option(None, help="Dataset folder holding landmark_labels.jsonl."),
    ccp_root: Path | None = typer.Option(None, help="Use the CCP labels made by pseudo-label --ccp-root."),
    labels: Path | None = typer.Option(None, help="Explicit label file."),
    weights: Path | None = typer.Option(None, help="Weights (.safetensors); default: the shipped ones."),
    split: str = typer.Option("heldout", help="heldout, train or all."),
    count: int = typer.Option(5, min=1, help="How many photos."),
    seed: int = typer.Option(0, help="Which photos: a seeded random choice from the split."),
    height: int = typer.Option(480, min=64, help="Height of each photo in the picture."),
) -> None:
    """Predicted landmarks drawn on a few photos of a split (a visual check of held-out quality)."""
    import random

    from designgan.io import load_image, save_png
    from designgan.landmarks.labels import read_labels
    from designgan.landmarks.predict import LandmarkPredictor
    from designgan.landmarks.viz import draw_landmarks, tile

    path = _labels_path(data, ccp_root, labels)
    records = [r for r in read_labels(path) if split == "all" or r["split"] == split]
    if not records:
        raise DataError(f"{path}: no records in split '{split}'")
    chosen = sorted(random.Random(seed).sample(records, min(count, len(records))), key=lambda r: r["key"])
    predictor = LandmarkPredictor.load(weights)
    images = [load_image(r["image"]) for r in chosen]
    drawn = [draw_landmarks(img, res.array()) for img, res in zip(images, predictor.predict_many(images), strict=True)]
    save_png(tile(drawn, height), out)
    typer.echo(f"wrote {out} ({', '.join(r['key'] for r in chosen)})")


DEFAULT_SEGMENTER_DATA = [Path("data/jeans_skirt"), Path("data/pants_skirt")]


@app.command("segmenter-train")
def segmenter_train_cmd(
    ccp_root: Path = typer.Option(Path("../shared/datasets/ccp"), help="CCP checkout (pixel-level photos)."),
    data: list[Path] = typer.Option(DEFAULT_SEGMENTER_DATA, help="Two-domain datasets built from CCP: their "
                                    "landmark caches are reused and held-out IoU is scored per domain (repeatable)."),
    config: Path | None = typer.Option(None, help="YAML config (keys of SegmenterTrainConfig)."),
    set_: list[str] = typer.Option([], "--set", help="Config override key=value (repeatable)."),
    out: Path = typer.Option(Path("runs/segmenter"), help="Run folder: history, landmark cache, weights."),
    export: Path | None = typer.Option(None, help="Also write the final fp16 weights here."),
) -> None:
    """Train the lower-garment segmenter (source garment mask in the lower-body frame) on CCP's pixel labels."""
    from designgan.landmarks.segmenter_train import SegmenterTrainConfig, train_segmenter

    cfg = load_config(SegmenterTrainConfig, config, set_)
    metrics = train_segmenter(ccp_root, data, out, cfg, export_to=export, log=lambda msg: typer.echo(msg, err=True))
    typer.echo(json.dumps(metrics, indent=2))


@app.command("segmenter-eval")
def segmenter_eval_cmd(
    ccp_root: Path = typer.Option(Path("../shared/datasets/ccp"), help="CCP checkout (pixel-level photos)."),
    data: list[Path] = typer.Option(DEFAULT_SEGMENTER_DATA, help="Two-domain datasets built from CCP (repeatable)."),
    weights: Path | None = typer.Option(None, help="Segmenter weights (default: the shipped ones)."),
    landmarks_cache: Path = typer.Option(Path("runs/segmenter/ccp_landmarks.jsonl"), help="Landmarks of CCP photos "
                                         "the datasets' caches lack (JSON lines; made if missing)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Photo-space IoU of the source garment mask on the held-out CCP photos: landmark polygon vs segmenter."""
    from designgan.landmarks.segment import GarmentMasker
    from designgan.landmarks.segmenter_eval import heldout_photo_iou

    result = heldout_photo_iou(GarmentMasker.load(weights), ccp_root, data, landmarks_cache)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for group, row in result.items():
        if row["photos"]:
            typer.echo(f"{group:<26} photos {row['photos']:>4}  IoU mean/median: polygon {row['polygon_iou']:.3f}/"
                       f"{row['polygon_median']:.3f}  segmenter {row['segmenter_iou']:.3f}/"
                       f"{row['segmenter_median']:.3f}  (improved on {row['improved']:.0%})")


def main() -> None:
    """Entry point for ``python -m designgan.landmarks.cli`` with the project's one-line user errors."""
    import sys

    try:
        app()
    except DesignGANError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
