"""``designgan bench translate``: end-to-end latency of one photo and folder throughput of ``designgan translate``,
or latency against the number of people on a composites dataset (``--people-from``).

It times the real pipeline on a bundled example photo (:mod:`designgan.showcase`), so it sits in the application
layer beside :mod:`designgan.bench_memory`. Goals: <= 0.5 s per photo, >= 4 photos/s in folder mode.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from designgan.errors import DataError, DesignGANError
from designgan.pipeline.bundled import default_model
from designgan.pipeline.files import folder_workers, inference_threads, output_paths, translate_files


def _bench_pipeline(model: str | None, compile: bool, precision: str, channels_last: bool, device: str
                    ) -> tuple[Any, str]:
    """The pipeline to time: the given or bundled model, else an untrained generator of the default config."""
    from designgan.pipeline import DesignGANPipeline, Translator, TranslatorConfig, TranslatorSpec, bundled_models
    from designgan.pipeline.weights import build_generators

    if model is not None or bundled_models():
        name = model or default_model()
        return DesignGANPipeline.from_pretrained(name, compile=compile, precision=precision,
                                                 channels_last=channels_last, device=device), name
    import torch

    config = TranslatorConfig().validate()  # the production defaults: 300x200, ngf 32, 6 blocks, 17 heatmaps
    torch.manual_seed(0)
    translator = Translator(TranslatorSpec("untrained-default", ("jeans", "skirt"), config), build_generators(config))
    pipe = DesignGANPipeline(translator, compile=compile, precision=precision, channels_last=channels_last,
                             device=device)
    return pipe, "untrained designgan_generator, default config (timing only)"


def _bench_landmarks(pipe: Any) -> tuple[Any, str]:
    """The pipeline's landmark network (else, when its weights are missing, an untrained one of the shipped
    architecture) on the pipeline's device and precision."""
    from designgan.landmarks.predict import LandmarkPredictor

    with contextlib.suppress(DataError):
        return pipe.landmarks, "the pipeline's"
    import yaml

    from designgan.landmarks.model import create_landmark_model

    # The architecture the shipped weights will have: what configs/landmarks.yaml trains (192x128 if absent).
    config_path = Path(__file__).resolve().parents[2] / "configs" / "landmarks.yaml"
    config = yaml.safe_load(config_path.read_text()) if config_path.is_file() else {}
    name, h, w = config.get("model", "hrnet_w18_small"), config.get("input_height", 192), config.get("input_width", 128)
    return (LandmarkPredictor(create_landmark_model(name, input_height=h, input_width=w), sigma=2.0,
                              bf16=pipe.precision != "fp32", device=pipe.device),
            f"untrained {name} {h}x{w} (timing only: weights not shipped)")


def describe_hardware(device: Any) -> dict[str, Any]:
    """What the bench ran on: the CPU model and its native bf16 flags, the GPU when on CUDA."""
    import torch

    from designgan.hardware import BF16_CPU_FLAGS, cpu_flags

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info: dict[str, Any] = {"cpu": cpu, "cpu_native_bf16": [f for f in BF16_CPU_FLAGS if f in cpu_flags()]}
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def bench_photo(source: str) -> Path:
    """A bundled example photo (CCP's 550x8xx) whose person wears the ``source`` category's garment family, so the
    timed run edits (the garment classifier refuses anyone else)."""
    from designgan.landmarks.garment_family import family_of
    from designgan.showcase import EXAMPLE_GARMENTS, example_photos

    try:
        wanted = family_of(source)
    except DesignGANError:
        return example_photos()[0]
    return next((p for p in example_photos() if p.stem in EXAMPLE_GARMENTS
                 and family_of(EXAMPLE_GARMENTS[p.stem]) == wanted), example_photos()[0])


def photos_by_people(root: Path, source: str) -> dict[int, list[Path]]:
    """A composites dataset's photos by how many people they show (its ``boxes.json``), those whose people all wear
    ``source`` only: composites of 2 and 3 people, and the single photos they were made of (1), in key order."""
    path = root / "boxes.json"
    try:
        boxes = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DesignGANError(f"{path}: not a composites dataset's boxes file ({type(exc).__name__}: {exc})") from None
    chosen = {key: people for key, people in sorted(boxes.items()) if all(p["category"] == source for p in people)}
    by_count: dict[int, list[Path]] = {1: sorted({root / p["single"] for people in chosen.values() for p in people})}
    for key, people in chosen.items():
        by_count.setdefault(len(people), []).append(root / f"{key}.jpg")
    return dict(sorted(by_count.items()))


def latency_by_people(pipe: Any, root: Path, per_count: int) -> list[dict[str, Any]]:
    """Translation seconds (median; decoded photos, detection to composition) of ``per_count`` photos of each
    people count of :func:`photos_by_people`, with the median people found and the photos that failed (timed as
    well: a failure costs its detection)."""
    from tqdm import tqdm

    from designgan.io import load_image

    source, target = pipe.categories
    rows = []
    for count, paths in photos_by_people(root, source).items():
        seconds, found, failed = [], [], 0
        for path in tqdm(paths[:per_count], desc=f"{count}-person photos", leave=False):
            image = load_image(path)
            tic = time.perf_counter()
            try:
                found.append(pipe(image, to=target).people_found)
            except DesignGANError as exc:
                found.append(getattr(exc, "people_found", 0))
                failed += 1
            seconds.append(time.perf_counter() - tic)
        median = statistics.median(seconds)
        rows.append({"people": count, "photos": len(seconds), "median_s": round(median, 3),
                     "median_s_per_person": round(median / count, 3), "found_median": statistics.median(found),
                     "failed": failed})
    return rows


def _bench_people(pipe: Any, root: Path, per_count: int, warmup: int, as_json: bool) -> None:
    """``bench translate --people-from``: :func:`latency_by_people` after ``warmup`` untimed photos, printed."""
    from designgan.io import load_image

    first = photos_by_people(root, pipe.categories[0])[1]
    if not first:
        raise DesignGANError(f"{root}: no photo of people wearing {pipe.categories[0]} in boxes.json")
    for path in first[:warmup]:  # networks loaded, kernels chosen (a photo that fails warms up all the same)
        with contextlib.suppress(DesignGANError):
            pipe(load_image(path), to=pipe.categories[1])
    rows = latency_by_people(pipe, root, per_count)
    if as_json:
        typer.echo(json.dumps({"device": str(pipe.device), "detector": pipe.detector, "by_people": rows}, indent=2))
        return
    typer.echo("people  photos  median s  s/person  found  failed")
    for r in rows:
        typer.echo(f"{r['people']:>6}  {r['photos']:>6}  {r['median_s']:>8.3f}  {r['median_s_per_person']:>8.3f}  "
                   f"{r['found_median']:>5g}  {r['failed']:>6}")


def bench_translate(
    model: Annotated[str | None, typer.Option(help="Model to time (default: the bundled one, else an untrained "
                                              "generator of the default config).")] = None,
    photo: Annotated[Path | None, typer.Option(help="Photo to time (default: a bundled example photo wearing the "
                                               "model's source garment).")] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Timed single-photo runs.")] = 10,
    warmup: Annotated[int, typer.Option(min=0, help="Untimed runs first (kernel choice, compilation).")] = 2,
    folder_size: Annotated[int, typer.Option(min=1, help="Photos in the folder-throughput run.")] = 16,
    batch_size: Annotated[int, typer.Option(min=1, help="Batch size of the folder run.")] = 4,
    threads: Annotated[int | None, typer.Option(min=1, help="torch threads (default: half the CPUs, at least 1; "
                                                "torch's choice when OMP_NUM_THREADS is set).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Batches of the folder run translated at once "
                                                "(default: as translate, the CPUs over --threads, at most 4).")
                       ] = None,
    compile: Annotated[bool, typer.Option("--compile", help="torch.compile the generator and landmark network "
                                          "(slow once, cached on disk).")] = False,
    precision: Annotated[str, typer.Option(help="auto (bf16 where native: CUDA, AMX/AVX512_BF16 CPUs; else fp32), "
                                           "bf16 (bf16 generator weights), autocast, fp32.")] = "auto",
    device: Annotated[str, typer.Option(help="auto (CUDA when available), cpu or cuda.")] = "auto",
    channels_last: Annotated[bool, typer.Option("--channels-last/--contiguous", help="Generator memory layout.")
                             ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    people_from: Annotated[Path | None, typer.Option(
        "--people-from", help="Instead: latency against the number of people, on a composites dataset "
        "(designgan data composites: boxes.json, singles/): --repeats photos of each count.")] = None,
) -> None:
    """End-to-end latency for one photo (decode, landmarks, generator, compose, PNG encode) and folder throughput.

    Precision auto: bf16 where the hardware has it natively (landmarks under bf16 autocast, generator with bf16
    weights), fp32 elsewhere (DESIGNGAN_CPU_BF16=0/1 forces the CPU answer); channels_last. The choice is printed
    first (stderr) and recorded in the JSON. Goals: <= 0.5 s per photo, >= 4 photos/s in folder mode.
    """
    import io
    import tempfile

    import torch

    from designgan.io import load_image

    torch.set_num_threads(threads or inference_threads())
    pipe, model_name = _bench_pipeline(model, compile, precision, channels_last, device)
    typer.echo(f"bench translate: {pipe.describe()}", err=True)
    predictor, landmark_name = _bench_landmarks(pipe)
    if compile:
        predictor.model = torch.compile(predictor.model, dynamic=False)
    pipe = pipe.replace(landmarks=predictor)
    if people_from is not None:
        _bench_people(pipe, people_from, repeats, warmup, as_json)
        return
    photo = photo or bench_photo(pipe.categories[0])
    size = load_image(photo).size
    to = pipe.categories[1]

    # Untrained landmarks find nobody; then a fixed central region stands in for the garment so the rest of the
    # pipeline still runs at its real cost.
    probe = predictor.predict(load_image(photo))
    masks = None
    if not probe.person_found:
        region = np.zeros((size[1], size[0]), dtype=bool)
        region[size[1] // 2: size[1] * 9 // 10, size[0] // 4: size[0] * 3 // 4] = True
        masks = region

    def one(path: Path) -> dict[str, float]:
        tic = time.perf_counter()
        image = load_image(path)
        t_decode = time.perf_counter() - tic
        result = pipe(image, to=to, garment_masks=[masks] if masks is not None else None)
        tic = time.perf_counter()
        buf = io.BytesIO()
        result.image.save(buf, format="PNG", compress_level=1)
        t_encode = time.perf_counter() - tic
        return {"decode": t_decode, **{k: v for k, v in result.timings.items() if k != "decode"}, "encode": t_encode}

    tic = time.perf_counter()
    for _ in range(warmup):  # kernel selection, allocator, compilation
        one(photo)
    warmup_s = time.perf_counter() - tic
    cpu = time.process_time()
    runs = [one(photo) for _ in range(repeats)]
    cpu_per_photo = (time.process_time() - cpu) / repeats
    totals = [sum(r.values()) for r in runs]
    stages = {k: round(statistics.median(r[k] for r in runs), 4) for k in runs[0]}

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        src = load_image(photo)
        for i in range(folder_size):
            src.save(folder / f"photo_{i:03d}.jpg", quality=92)
        files = sorted(folder.glob("*.jpg"))
        (folder / "out").mkdir()
        tic = time.perf_counter()
        workers = workers or folder_workers(torch.get_num_threads())
        results = translate_files(pipe, files, output_paths(files, folder / "out", to), to, batch_size=batch_size,
                                  garment_mask=masks, log=lambda line: None, workers=workers)
        failed = sum(r.status == "failed" for r in results)
        if failed:
            raise DesignGANError(f"bench: {failed} of {len(files)} photos failed in the folder run")
        folder_s = time.perf_counter() - tic

    report = {
        "device": str(pipe.device), "hardware": describe_hardware(pipe.device), "threads": torch.get_num_threads(),
        "precision_choice": pipe.precision_choice, "precision": pipe.precision,
        "cpu_bf16_override": os.environ.get("DESIGNGAN_CPU_BF16"), "landmarks_bf16": bool(predictor.bf16),
        "generator_precision": pipe.precision,
        "channels_last": pipe.memory_format == torch.channels_last, "compiled": compile, "model": model_name,
        "landmarks": landmark_name,
        "model_resolution": list(pipe.model_size), "photo": photo.name, "photo_size": list(size),
        "latency_s": {"median": round(statistics.median(totals), 4), "min": round(min(totals), 4),
                      "max": round(max(totals), 4), "repeats": repeats, "stages_median": stages,
                      "cpu_s_per_photo": round(cpu_per_photo, 4), "warmup_s": round(warmup_s, 2)},
        "folder": {"photos": folder_size, "batch_size": batch_size, "workers": workers, "seconds": round(folder_s, 3),
                   "photos_per_s": round(folder_size / folder_s, 3)},
        "goals": {"latency_s": 0.5, "photos_per_s": 4.0,
                  "latency_met": statistics.median(totals) <= 0.5, "throughput_met": folder_size / folder_s >= 4.0},
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(f"latency {report['latency_s']['median']:.3f} s/photo (median of {repeats}; stages {stages})")
    typer.echo(f"folder  {report['folder']['photos_per_s']:.2f} photos/s ({folder_size} photos, batch {batch_size}, "
               f"{workers} at once)")
