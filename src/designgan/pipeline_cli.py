"""``designgan translate`` and ``designgan bench translate``: the pipeline on files and folders, and its speed.

Mount in the main CLI::

    from designgan.pipeline_cli import bench_app, translate_command
    app.command("translate")(translate_command)
    app.add_typer(bench_app, name="bench")
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from PIL import Image

from designgan.errors import DataError, DesignGANError
from designgan.imaging import contact_sheet
from designgan.io import IMAGE_SUFFIXES, ai_edit_metadata, check_output_dir, check_output_file, save_png

bench_app = typer.Typer(help="Speed benchmarks.", no_args_is_help=True)
# zlib level of the PNGs translate writes: lossless at any level; level 1 encodes a 550x825 result 3.5x faster than
# PIL's default 6 (81 vs 285 ms on a busy 2-core CPU) for files about 13% larger, and in folder mode encoding
# otherwise costs more CPU than the networks.
OUTPUT_PNG_LEVEL = 1


def inference_threads() -> int:
    """torch threads for translate, bench translate and the demo when --threads is not given: half the CPUs this
    process may use (one per physical core on a machine with 2-way SMT), at least 1; torch's own choice when
    OMP_NUM_THREADS is set.

    The networks are small (a 132x88 or 300x200 generator, a 192x128 landmark network) and scale poorly across
    cores, while folder mode decodes and encodes in two background threads. On the project's 2-core CPU one thread
    beat two both idle and shared (docs/pipeline.md, Speed).
    """
    import torch

    if os.environ.get("OMP_NUM_THREADS"):
        return torch.get_num_threads()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cpus // 2)


# ---------------------------------------------------------------------------------------------------------------
# Inputs and output names
# ---------------------------------------------------------------------------------------------------------------


def collect_inputs(inputs: list[Path]) -> list[Path]:
    """Files as given, and the image files (by suffix, sorted, not recursive) of each folder."""
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise DataError(f"{item}: folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
            files += found
        elif item.is_file():
            files.append(item)
        else:
            raise DataError(f"{item}: not found")
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def safe_name(text: str) -> str:
    """A file-name part made of letters, digits, '.', '_' and '-' only, never starting with '.'."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "image"
    return cleaned[:100]


def output_paths(files: list[Path], out_dir: Path, to: str) -> list[Path]:
    """``OUTDIR/<stem>_<to>.png`` per input (numbered on clashes); refuses any that would overwrite an input.

    Names are built from sanitised stems, so no input name can place an output outside ``out_dir``.
    """
    out_root = out_dir.resolve()
    inputs = {f.resolve(): f for f in files}
    taken: set[str] = set()
    paths = []
    for f in files:
        base = f"{safe_name(f.stem)}_{safe_name(to)}"
        name, k = f"{base}.png", 2
        while name.lower() in taken:
            name, k = f"{base}_{k}.png", k + 1
        taken.add(name.lower())
        path = out_root / name
        if path.parent != out_root:  # cannot happen with safe_name; checked because it is the security boundary
            raise DesignGANError(f"{f}: output name escapes the output folder")
        if path in inputs:  # name the input that would be lost (often another photo than f)
            raise DesignGANError(f"{out_dir}: the output of {f} ({name}) would overwrite the input {inputs[path]}; "
                                 "choose another output folder")
        paths.append(path)
    return paths


def read_landmark_lines(path: Path) -> dict[Path, dict[str, Any]]:
    """``{resolved image path: landmark record}`` from JSON lines with ``image`` and ``points`` (``person_found``
    optional), e.g. collected from ``designgan landmarks predict --json``."""
    if not path.is_file():
        raise DataError(f"{path}: landmark file not found")
    table: dict[Path, dict[str, Any]] = {}
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            image = Path(row["image"])
            if not isinstance(row["points"], dict):
                raise TypeError("points must be a mapping")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataError(f"{path}:{lineno}: invalid landmark line ({type(exc).__name__}: {exc})") from None
        if not image.is_absolute():
            image = path.parent / image
        table[image.resolve()] = row
    return table


def default_model(to: str | None = None) -> str:
    """The bundled model to use: the first (by name) whose categories include ``to``, else the first one."""
    from designgan.pipeline import bundled_model_domains

    models = bundled_model_domains()
    if not models:
        raise DesignGANError("no bundled translator is shipped: pass --model RUN_DIR (a training run folder) "
                             "or a saved model")
    if to is not None:
        for name, domains in models.items():
            if to.lower() in [d.lower() for d in domains]:
                return name
    return next(iter(models))


# ---------------------------------------------------------------------------------------------------------------
# translate
# ---------------------------------------------------------------------------------------------------------------


def _decode(files: list[Path]) -> list[Image.Image | DesignGANError]:
    from designgan.io import load_image

    out: list[Image.Image | DesignGANError] = []
    for f in files:
        try:
            out.append(load_image(f))
        except DesignGANError as exc:
            out.append(exc)
    return out


def translate_files(pipe: Any, files: list[Path], targets: list[Path], to: str, *, fabric: Image.Image | None = None,
                    fabric_name: str | None = None, table: dict[Path, dict[str, Any]] | None = None,
                    side_by_side: bool = False, all_people: bool = False, refine_steps: int | None = None,
                    keep_texture: bool = True, batch_size: int = 4, garment_mask: np.ndarray | None = None,
                    log: Any = print, progress: Any = None) -> int:
    """Translate ``files`` into ``targets`` (PNG with AI-edit metadata) in batches; returns the number that failed.

    Decoding the next batch and encoding the last one run in background threads while the models run (PIL
    releases the GIL while it decodes, compresses and writes). A failed photo logs one line and writes nothing.
    ``garment_mask`` (the benchmark's stand-in when no landmark network is shipped) is used for every photo.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    failures = 0

    def report(f: Path, exc: Exception) -> None:
        nonlocal failures
        failures += 1
        message = str(exc)
        log(f"error: {message if message.startswith(str(f)) else f'{f}: {message}'}")

    def write(picture: Image.Image, target: Path, meta: dict[str, str]) -> None:
        save_png(picture, target, meta, compress_level=OUTPUT_PNG_LEVEL)

    chunks = [(files[i:i + batch_size], targets[i:i + batch_size]) for i in range(0, len(files), batch_size)]
    writes: list[tuple[Path, Future]] = []
    with ThreadPoolExecutor(max_workers=1) as reader, ThreadPoolExecutor(max_workers=1) as writer:
        upcoming = reader.submit(_decode, chunks[0][0]) if chunks else None
        for k, (chunk, chunk_targets) in enumerate(chunks):
            assert upcoming is not None
            decoded = upcoming.result()
            upcoming = reader.submit(_decode, chunks[k + 1][0]) if k + 1 < len(chunks) else None
            good = [i for i, d in enumerate(decoded) if not isinstance(d, DesignGANError)]
            for i, d in enumerate(decoded):
                if isinstance(d, DesignGANError):
                    report(chunk[i], d)
            given = [table.get(chunk[i].resolve()) for i in good] if table is not None else None
            masks = [garment_mask] * len(good) if garment_mask is not None else None
            results = pipe.translate_batch([decoded[i] for i in good], to, fabric, landmarks=given,
                                           garment_masks=masks, all_people=all_people, refine_steps=refine_steps,
                                           keep_texture=keep_texture, return_errors=True) if good else []
            for i, result in zip(good, results, strict=True):
                f = chunk[i]
                if isinstance(result, DesignGANError):
                    report(f, result)
                    continue
                for warning in result.warnings:
                    log(f"warning: {f}: {warning}")
                extra = {"DesignGAN-Source-File": f.name}
                if fabric_name is not None:
                    extra["DesignGAN-Texture"] = fabric_name
                picture = result.side_by_side() if side_by_side else result.image
                meta = ai_edit_metadata(result.model, result.source_category, result.target_category, extra)
                writes.append((f, writer.submit(write, picture, chunk_targets[i], meta)))
            if progress is not None:
                progress(len(chunk))
        for f, future in writes:
            try:
                future.result()
            except (OSError, DesignGANError) as exc:  # e.g. disk full: the atomic write left no partial file
                report(f, exc)
    return failures


def translate_command(
    inputs: Annotated[list[Path], typer.Argument(help="Photos and/or folders of photos.", show_default=False)],
    to: Annotated[str, typer.Option("--to", help="Target garment category, e.g. skirt.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (never one that would overwrite an "
                                      "input).", show_default=False)],
    texture: Annotated[Path | None, typer.Option(help="Fabric image: the new garment takes its texture.")] = None,
    model: Annotated[str | None, typer.Option(help="Bundled model name, saved model, or training run folder "
                                              "(default: the bundled model).")] = None,
    side_by_side: Annotated[bool, typer.Option("--side-by-side", help="Write input | result pairs.")] = False,
    all_people: Annotated[bool, typer.Option("--all-people", help="Edit every person found, not only the "
                                             "most prominent one.")] = False,
    landmarks: Annotated[Path | None, typer.Option(help="JSON lines of landmarks ({'image', 'points'}) to use "
                                                   "instead of the landmark network.")] = None,
    refine_steps: Annotated[int | None, typer.Option(min=0, help="Test-time texture refinement steps (towards "
                                                     "--texture, or the source garment).")] = None,
    keep_texture: Annotated[bool, typer.Option("--keep-texture/--raw", help="Without --texture, refine the new "
                                               "garment towards the source garment's texture; --raw shows the "
                                               "generator's output as it is.")] = True,
    batch_size: Annotated[int, typer.Option(min=1, help="Photos per generator batch.")] = 4,
    compile: Annotated[bool, typer.Option("--compile", help="torch.compile the generator (about a minute once; "
                                          "measure with 'bench translate --compile' first).")] = False,
    threads: Annotated[int | None, typer.Option(min=1, help="torch threads (default: half the CPUs, at least 1; "
                                                "torch's choice when OMP_NUM_THREADS is set).")] = None,
    precision: Annotated[str, typer.Option(help="auto (bf16 where native: CUDA, AMX/AVX512_BF16 CPUs; else "
                                           "fp32), bf16, autocast or fp32.")] = "auto",
    device: Annotated[str, typer.Option(help="auto (CUDA when available), cpu or cuda.")] = "auto",
) -> None:
    """Change the garment of every photo into category --to and write PNGs marked as AI edits."""
    import torch
    from tqdm import tqdm

    from designgan.io import load_image
    from designgan.pipeline import DesignGANPipeline

    torch.set_num_threads(threads or inference_threads())
    files = collect_inputs(inputs)
    if out.suffix.lower() in IMAGE_SUFFIXES and not out.is_dir():
        raise DesignGANError(f"{out}: -o takes a folder (each output is named <photo>_{to}.png inside it), not a "
                             "file name")
    check_output_dir(out)  # a file, /dev/null or an unwritable folder: one line before the model loads
    paths = output_paths(files, out, to)
    if texture is not None and texture.resolve() in {p.resolve() for p in paths}:
        raise DesignGANError(f"{out}: an output would overwrite the texture {texture}")
    table = read_landmark_lines(landmarks) if landmarks is not None else None
    if table is not None:
        given = {f.resolve() for f in files}
        unused = [image for image in table if image not in given]
        if unused:
            typer.echo(f"warning: {landmarks}: {len(unused)} of {len(table)} landmark lines match no input photo "
                       f"(first: {unused[0]}); those photos' landmarks come from the network", err=True)
    name = model or default_model(to)
    pipe = DesignGANPipeline.from_pretrained(name, compile=compile, precision=precision, device=device)
    pipe.direction(to)  # a wrong category fails before any work
    typer.echo(f"translate: {pipe.describe()}", err=True)
    fabric = load_image(texture) if texture is not None else None
    check_output_dir(out, create=True)

    bar = tqdm(total=len(files), desc="translate", unit="photo", dynamic_ncols=True)
    failures = translate_files(pipe, files, paths, to, fabric=fabric, fabric_name=texture.name if texture else None,
                               table=table, side_by_side=side_by_side, all_people=all_people,
                               refine_steps=refine_steps, keep_texture=keep_texture, batch_size=batch_size,
                               log=bar.write, progress=bar.update)
    bar.close()
    done = len(files) - failures
    typer.echo(f"translated {done} of {len(files)} photos into {out}" + (f" ({failures} failed)" if failures else ""))
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
    from designgan.pipeline import DesignGANPipeline, TranslatorSpec, bundled_models

    if model is not None or bundled_models():
        name = model or default_model()
        return DesignGANPipeline.from_pretrained(name, compile=compile, precision=precision,
                                                 channels_last=channels_last, device=device), name
    import torch

    from designgan.train.config import TrainConfig
    from designgan.train.cycle import build_generator

    config = TrainConfig().validate()  # the production defaults: 300x200, ngf 32, 6 blocks, 17 heatmaps
    torch.manual_seed(0)
    generators = {"G_AB": build_generator(config), "G_BA": build_generator(config)}
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


def bench_photo(size: tuple[int, int] = (550, 825)) -> Path:
    """A bundled example photo at ``size`` (CCP's 550x825)."""
    from designgan.showcase import example_photos

    for p in example_photos():
        with Image.open(p) as img:
            if img.size == size:
                return p
    return example_photos()[0]


@bench_app.command("translate")
def bench_translate(
    model: Annotated[str | None, typer.Option(help="Model to time (default: the bundled one, else an untrained "
                                              "generator of the default config).")] = None,
    photo: Annotated[Path | None, typer.Option(help="Photo to time (default: a bundled 550x825 example).")] = None,
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
    photo = photo or bench_photo()
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


# ---------------------------------------------------------------------------------------------------------------
# Example grid (for `make demo`)
# ---------------------------------------------------------------------------------------------------------------


def example_fabric(size: int = 256) -> Image.Image:
    """A tartan swatch drawn in code (no third-party picture to license): the demo's bundled fabric."""
    yy, xx = np.mgrid[0:size, 0:size]
    base = np.zeros((size, size, 3), dtype=np.float32)
    base[:] = (34, 70, 40)  # dark green ground
    for period, width, colour in ((64, 14, (150, 30, 40)), (64, 4, (230, 200, 80)), (32, 2, (20, 20, 60))):
        band_x = ((xx % period) < width)[..., None]
        band_y = ((yy % period) < width)[..., None]
        # Woven look: vertical and horizontal bands each show through on alternate twill diagonals.
        twill = (((xx + yy) // 2) % 2 == 0)[..., None]
        base = np.where(band_x & twill, colour, base)
        base = np.where(band_y & ~twill, colour, base)
    return Image.fromarray(base.astype(np.uint8))


def translate_examples(out_dir: Path, model: str | None = None, landmarks: Path | None = None,
                       height: int = 412) -> Path:
    """Translate the bundled example photos with and without the bundled fabric; write a grid PNG.

    Rows: photos; columns: input with landmarks | result | result with the fabric. Raises DesignGANError when no
    model or landmark network is available.
    """
    from designgan.pipeline import DesignGANPipeline
    from designgan.showcase import example_photos

    pipe = DesignGANPipeline.from_pretrained(model or default_model(), landmarks=landmarks)
    to = pipe.categories[1]
    fabric = example_fabric()
    rows = []
    for photo in example_photos():
        plain = pipe.translate_batch([photo], to, None, return_errors=True)[0]
        if isinstance(plain, DesignGANError):  # e.g. no person found: the grid shows the photos that worked
            continue
        textured = pipe(photo, to=to, texture=fabric)
        cells = [plain.landmark_overlay(), plain.image, textured.image]
        rows.append(cells)
    if not rows:
        raise DesignGANError("no example photo could be translated (no person found in any)")
    sheet = contact_sheet(rows, height, background=(255, 255, 255))
    path = out_dir / f"translate_{to}_grid.png"
    save_png(sheet, path, ai_edit_metadata(pipe.spec.name, pipe.categories[0], to,
                                           {"Description": "Bundled example photos translated by DesignGAN "
                                                           "(columns: input with landmarks, result, with fabric)"}))
    return path
