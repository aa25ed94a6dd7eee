"""``designgan translate``, ``designgan export`` and ``designgan bench translate``: argument parsing and printing
around :mod:`designgan.pipeline` (translating files and folders lives in :mod:`designgan.pipeline.files`).

Mounted in :mod:`designgan.cli`.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from designgan.errors import DesignGANError
from designgan.io import check_output_dir, check_output_file
from designgan.pipeline.bundled import bundled_model_domains, default_model
from designgan.pipeline.files import (
    OUTPUT_PNG_LEVEL,
    collect_inputs,
    existing_outputs,
    inference_threads,
    missing_folders,
    output_paths,
    plan_outputs,
    read_landmark_lines,
    remove_if_empty,
    safe_name,
    signals_interrupt,
    translate_files,
)

# The helpers translate runs, importable from here as before the pipeline package existed.
__all__ = ["OUTPUT_PNG_LEVEL", "bench_translate", "collect_inputs", "default_model", "export_command",
           "inference_threads", "output_paths", "read_landmark_lines", "safe_name", "translate_command",
           "translate_files"]


def translate_command(
    inputs: Annotated[list[Path], typer.Argument(help="Photos and/or folders of photos.", show_default=False)],
    to: Annotated[str, typer.Option("--to", help="Target garment category, e.g. skirt.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (never one that would overwrite an "
                                      "input); for a single photo also a file name such as result.jpg.",
                                      show_default=False)],
    texture: Annotated[Path | None, typer.Option(help="Fabric image: the new garment takes its texture.")] = None,
    model: Annotated[str | None, typer.Option(help="Bundled model name, saved model, or training run folder "
                                              "(default: the bundled model).")] = None,
    side_by_side: Annotated[bool, typer.Option("--side-by-side", help="Write input | result pairs.")] = False,
    all_people: Annotated[bool, typer.Option("--all-people", help="Kept for old scripts: everyone found who wears "
                                             "the source garment is edited by default, whatever their height "
                                             "rank.")] = False,
    person: Annotated[int | None, typer.Option("--person", min=1, help="Edit only person K (1 = the most "
                                               "prominent, 2 the next, ...).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per photo: input, output, people "
                                          "found, people translated, people skipped with the reason.")] = False,
    landmarks: Annotated[Path | None, typer.Option(help="JSON lines of landmarks ({'image', 'points'}) to use "
                                                   "instead of the landmark network.")] = None,
    refine_steps: Annotated[int | None, typer.Option(min=0, help="Test-time texture refinement steps of a learnt "
                                                     "translator (towards --texture, or the source garment); the "
                                                     "bundled models run none.")] = None,
    keep_texture: Annotated[bool, typer.Option("--keep-texture/--raw", help="Learnt translators: without --texture, "
                                               "refine the new garment towards the source garment's texture; --raw "
                                               "shows the generator's output as it is. No effect on the bundled "
                                               "models.")] = True,
    batch_size: Annotated[int, typer.Option(min=1, help="Photos per generator batch.")] = 4,
    compile: Annotated[bool, typer.Option("--compile", help="torch.compile the generator (about a minute once; "
                                          "measure with 'bench translate --compile' first).")] = False,
    threads: Annotated[int | None, typer.Option(min=1, help="torch threads (default: half the CPUs, at least 1; "
                                                "torch's choice when OMP_NUM_THREADS is set).")] = None,
    precision: Annotated[str, typer.Option(help="auto (bf16 where native: CUDA, AMX/AVX512_BF16 CPUs; else "
                                           "fp32), bf16, autocast or fp32.")] = "auto",
    device: Annotated[str, typer.Option(help="auto (CUDA when available), cpu or cuda.")] = "auto",
    fmt: Annotated[str | None, typer.Option("--format", help="Output format: png, jpg or webp (default: the "
                                            "suffix of an -o file name, else png). Every format carries the "
                                            "AI-edit metadata.", show_default=False)] = None,
    detector: Annotated[str, typer.Option(help="How people are found: windows (the landmark network on the whole "
                                          "photo and on person-wide windows across it, chimeras of two people "
                                          "dropped), landmarks (whole photo and 0.7-wide strips of a wide one: "
                                          "the detection before issue 17) or hog (landmarks plus OpenCV's HOG "
                                          "people detector).")] = "windows",
    source_mask: Annotated[str, typer.Option(help="How the source garment is found: segmenter (the shipped "
                                             "lower-garment segmenter) or polygon (the landmark outline alone, the "
                                             "old behaviour).")] = "segmenter",
    length: Annotated[str | None, typer.Option(help="The new garment's length (rendered-prior models): mini, knee, "
                                               "midi or maxi for a skirt; full, cropped or shorts for trousers; or "
                                               "a fraction of the leg (hips 0, knees 0.5, ankles 1).")] = None,
    cut: Annotated[str | None, typer.Option(help="A skirt's cut: a-line, pencil or flared (pleated).")] = None,
    fit: Annotated[str | None, typer.Option(help="Trousers' or shorts' fit: slim, straight or wide.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace outputs that already exist.")] = False,
    skip_existing: Annotated[bool, typer.Option("--skip-existing", help="Leave photos whose output already exists "
                                                "alone (resume an interrupted folder).")] = False,
) -> None:
    """Change the garment of every photo into category --to and write images marked as AI edits.

    An output that already exists is refused unless --overwrite or --skip-existing is given.
    """
    import torch
    from tqdm import tqdm

    from designgan.io import load_image
    from designgan.models.prior_style import asked_style, style_options
    from designgan.pipeline import DesignGANPipeline
    from designgan.pipeline.detection import DETECTORS
    from designgan.pipeline.spec import direction_for

    torch.set_num_threads(threads or inference_threads())
    files = collect_inputs(inputs)
    if overwrite and skip_existing:
        raise DesignGANError("--overwrite and --skip-existing exclude each other")
    if detector not in DETECTORS:
        raise DesignGANError(f"--detector must be {' or '.join(DETECTORS)}, got '{detector}'")
    paths, single = plan_outputs(files, out, to, fmt)
    if texture is not None and texture.resolve() in {p.resolve() for p in paths}:
        raise DesignGANError(f"{out}: an output would overwrite the texture {texture}")
    given = {f.resolve() for f in files}  # before --skip-existing: a skipped photo's landmark line is not stray
    if not overwrite:
        todo, paths = existing_outputs(files, paths, side_by_side, skip_existing)
        if not todo:
            typer.echo(f"nothing to translate: every output already exists in {out} (--skip-existing)", err=True)
            return
        if len(todo) < len(files):
            typer.echo(f"skipping {len(files) - len(todo)} of {len(files)} photos whose output exists "
                       "(--skip-existing)", err=True)
        files = todo
    table = read_landmark_lines(landmarks) if landmarks is not None else None
    if table is not None:
        unused = [image for image in table if image not in given]
        if unused:
            typer.echo(f"warning: {landmarks}: {len(unused)} of {len(table)} landmark lines match no input photo "
                       f"(first: {unused[0]}); those photos' landmarks come from the network", err=True)
    name = model or default_model(to)
    bundled = bundled_model_domains()
    if name in bundled:
        direction_for(bundled[name], to)  # a wrong category fails before the model loads
    fabric = load_image(texture) if texture is not None else None  # a bad fabric too
    style = style_options(length, cut, fit)  # a bad name too
    pipe = DesignGANPipeline.from_pretrained(name, compile=compile, precision=precision, device=device,
                                             detector=detector, source_mask=source_mask)
    pipe.direction(to)  # a run folder or saved model: checked as soon as its categories are known
    asked_style(pipe.generators[pipe.direction(to)[0]], style)  # --length midi for trousers: before any photo
    typer.echo(f"translate: {pipe.describe()}", err=True)
    folder = out.resolve().parent if single else out.resolve()
    made = missing_folders(folder)  # removed again if nothing is written into them
    if single:
        folder.mkdir(parents=True, exist_ok=True)
    else:
        check_output_dir(out, create=True)

    bar = tqdm(total=len(files), desc="translate", unit="photo", dynamic_ncols=True, file=sys.stderr)
    try:
        with signals_interrupt() as received:
            failures = translate_files(
                pipe, files, paths, to, fabric=fabric, fabric_name=texture.name if texture else None, table=table,
                side_by_side=side_by_side,
                people=person if person is not None else ("all" if all_people else "visible"),
                refine_steps=refine_steps, keep_texture=keep_texture, batch_size=batch_size, style=style,
                log=lambda line: bar.write(line, file=sys.stderr if as_json else None), progress=bar.update,
                report=(lambda summary: print(json.dumps(summary), flush=True)) if as_json else None)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the writes under way were finished (no temporary file left)
        bar.close()
        written = sum(p.is_file() for p in paths)
        remove_if_empty(made)
        typer.echo(f"interrupted ({received[0] if received else 'SIGINT'}): {written} of {len(files)} photos written "
                   f"into {out}; run the same command with --skip-existing to translate the rest", err=True)
        raise typer.Exit(143 if received and received[0] == "SIGTERM" else 130) from None
    bar.close()
    done = len(files) - failures
    if done == 0:
        remove_if_empty(made)
    typer.echo(f"translated {done} of {len(files)} photos into {out}" + (f" ({failures} failed)" if failures else ""),
               err=as_json)
    if failures:
        raise typer.Exit(1)


def export_command(
    run: Annotated[str, typer.Argument(help="Training run folder (its newest checkpoint) or saved model.",
                                       show_default=False)],
    out: Annotated[Path, typer.Argument(help="Where to write: a folder, or NAME.safetensors (put it in "
                                        "designgan/weights/ to bundle it as model NAME).", show_default=False)],
    domains: Annotated[str | None, typer.Option(help="Category names of domains a,b, e.g. 'pants,skirt' "
                                                "(default: the training dataset's names).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing model at OUT.")] = False,
) -> None:
    """Save a training run's generators as a small inference model (16-bit safetensors + JSON config)."""
    from designgan.pipeline import SAVED_STEM, DesignGANPipeline

    names = None
    if domains is not None:
        names = [d.strip() for d in domains.split(",")]
        if len(names) != 2 or not all(names):
            raise DesignGANError(f"--domains: expected two comma-separated category names, got '{domains}'")
        if names[0].lower() == names[1].lower():
            raise DesignGANError(f"--domains: the two categories must differ, got '{domains}'")
    target = out if out.suffix == ".safetensors" else out / f"{SAVED_STEM}.safetensors"
    if target.exists() and not force:
        raise DesignGANError(f"{target}: already exists (pass --force to replace it)")
    if out.suffix == ".safetensors":
        check_output_file(out, "model file")
    else:
        check_output_dir(out, "model folder")
    # fp32 pipeline: the saved file is fp16 (save_pretrained keeps bf16 only for a bf16 pipeline).
    pipe = DesignGANPipeline.from_pretrained(run, domains=names, precision="fp32", channels_last=False)
    from safetensors import SafetensorError

    try:
        written = pipe.save_pretrained(out)
    except (OSError, SafetensorError) as exc:  # disk full, file-size limit (EFBIG): the atomic write left no file
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise DesignGANError(f"{target}: could not write the model ({reason})") from None
    size_mb = written.stat().st_size / 2**20
    typer.echo(f"wrote {written} ({size_mb:.1f} MB, {pipe.categories[0]} <-> {pipe.categories[1]}, "
               f"{pipe.model_size[0]}x{pipe.model_size[1]})")



# ---------------------------------------------------------------------------------------------------------------
# bench translate
# ---------------------------------------------------------------------------------------------------------------


def _bench_pipeline(model: str | None, compile: bool, precision: str, channels_last: bool, device: str
                    ) -> tuple[Any, str]:
    """The pipeline to time: the given or bundled model, else an untrained generator of the default config."""
    from designgan.models.translator import build_generator
    from designgan.pipeline import DesignGANPipeline, TranslatorConfig, TranslatorSpec, bundled_models

    if model is not None or bundled_models():
        name = model or default_model()
        return DesignGANPipeline.from_pretrained(name, compile=compile, precision=precision,
                                                 channels_last=channels_last, device=device), name
    import torch

    config = TranslatorConfig().validate()  # the production defaults: 300x200, ngf 32, 6 blocks, 17 heatmaps
    torch.manual_seed(0)
    generators = {key: build_generator(config.model, config.attention_channels, config.heatmap_names, into)
                  for key, into in (("G_AB", "b"), ("G_BA", "a"))}
    spec = TranslatorSpec("untrained-default", ("jeans", "skirt"), config)
    pipe = DesignGANPipeline(spec, generators, compile=compile, precision=precision, channels_last=channels_last,
                             device=device)
    return pipe, "untrained designgan_generator, default config (timing only)"


def _bench_landmarks(pipe: Any) -> tuple[Any, str]:
    """The shipped landmark network (else an untrained one of its architecture) on the pipeline's device and
    precision, as the pipeline would load it."""
    from designgan.landmarks.predict import DEFAULT_WEIGHTS, LandmarkPredictor

    if DEFAULT_WEIGHTS.is_file():
        return pipe.landmarks, str(DEFAULT_WEIGHTS.name)
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
    pipe._landmarks = predictor
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
        failed = translate_files(pipe, files, output_paths(files, folder / "out", to), to, batch_size=batch_size,
                                 garment_mask=masks, log=lambda line: None)
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
        "folder": {"photos": folder_size, "batch_size": batch_size, "seconds": round(folder_s, 3),
                   "photos_per_s": round(folder_size / folder_s, 3)},
        "goals": {"latency_s": 0.5, "photos_per_s": 4.0,
                  "latency_met": statistics.median(totals) <= 0.5, "throughput_met": folder_size / folder_s >= 4.0},
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    typer.echo(f"latency {report['latency_s']['median']:.3f} s/photo (median of {repeats}; stages {stages})")
    typer.echo(f"folder  {report['folder']['photos_per_s']:.2f} photos/s ({folder_size} photos, batch {batch_size})")
