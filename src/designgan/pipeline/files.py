"""Translating files and folders: input collection, safe output names, landmark files, and the batched
decode -> pipeline -> encode loop that ``designgan translate`` (and ``bench translate``) run."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import signal
import threading
import unicodedata
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from designgan.errors import DataError, DesignGANError
from designgan.io import IMAGE_FORMATS, IMAGE_SUFFIXES, check_output_dir, check_output_file, load_image, save_image
from designgan.pipeline.results import PhotoResult

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
    return max(1, _usable_cpus() // 2)


def _usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def folder_workers(threads: int) -> int:
    """Batches a folder run puts through the networks at once when ``--workers`` is not given: as many as the
    CPUs this process may use hold ``threads`` torch threads each, at most 4 (each holds a batch in memory): 2 on
    the project's 2-core CPU (docs/pipeline.md, Speed: ``bench translate --workers``); on a GPU, batches take
    turns on it."""
    return max(1, min(4, _usable_cpus() // max(1, threads)))



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
    """A file-name part: ``text`` with path separators and control/format characters replaced by '_' (so it
    cannot leave the output folder), never starting with '.', at most 100 characters and 150 UTF-8 bytes.

    Everything else is kept, so ``ünïcødé_照片`` stays ``ünïcødé_照片`` and two CJK names stay apart.
    """
    cleaned = "".join("_" if ch in "/\\" or unicodedata.category(ch).startswith("C") else ch for ch in text)
    cleaned = re.sub(r"_{2,}", "_", cleaned).lstrip("._ ").rstrip(". ") or "image"
    cleaned = cleaned[:100]
    while len(cleaned.encode("utf-8")) > 150:  # file systems limit a name to 255 bytes, suffixes included
        cleaned = cleaned[:-1]
    return cleaned


def side_by_side_path(target: Path) -> Path:
    """Where ``--side-by-side`` writes the input | result pair of the output ``target``."""
    return target.with_name(f"{target.stem}_side_by_side{target.suffix}")


def output_paths(files: list[Path], out_dir: Path, to: str, suffix: str = ".png") -> list[Path]:
    """``OUTDIR/<stem>_<to><suffix>`` per input (numbered on clashes); refuses any that would overwrite an input.

    Names are built from sanitised stems, so no input name can place an output outside ``out_dir``.
    """
    out_root = out_dir.resolve()
    inputs = {f.resolve(): f for f in files}
    taken: set[str] = set()
    paths = []
    for f in files:
        base = f"{safe_name(f.stem)}_{safe_name(to)}"
        name, k = f"{base}{suffix}", 2
        while name.lower() in taken:
            name, k = f"{base}_{k}{suffix}", k + 1
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



def _decode(files: list[Path]) -> list[Image.Image | DesignGANError]:
    out: list[Image.Image | DesignGANError] = []
    for f in files:
        try:
            out.append(load_image(f))
        except DesignGANError as exc:
            out.append(exc)
    return out


def translate_files(pipe: Any, files: list[Path], targets: list[Path], to: str, *, fabric: Image.Image | None = None,
                    fabric_name: str | None = None, table: dict[Path, dict[str, Any]] | None = None,
                    side_by_side: bool = False, people: str | int = "visible", refine_steps: int | None = None,
                    keep_texture: bool = True, batch_size: int = 4, garment_mask: np.ndarray | None = None,
                    log: Any = print, progress: Any = None, report: Any = None, style: dict | None = None,
                    workers: int = 1) -> list[PhotoResult]:
    """Translate ``files`` into ``targets`` (PNG, JPEG or WebP by suffix, with AI-edit metadata; with
    ``side_by_side`` also the input | result pair beside each) in batches; returns one :class:`PhotoResult` per
    photo (translated into its file, or failed with the error), failures first as they happen.

    The targets' folders must exist: one deleted while this runs makes its photos fail, never a silent success.

    Decoding the next batch and encoding the last one run in background threads while the models run (PIL
    releases the GIL while it decodes, compresses and writes); ``workers`` batches run through the models at once
    (:func:`folder_workers`). A failed photo logs one line and writes nothing.
    ``garment_mask`` (the benchmark's stand-in when no landmark network is shipped) is used for every photo.
    ``report``, when given, gets each :class:`PhotoResult` as soon as it is final (``style``, changes to a rendered
    prior's shape: :meth:`DesignGANPipeline.translate_batch`).
    """
    results: list[PhotoResult] = []

    def done(result: PhotoResult) -> None:
        if result.status == "failed":
            log(f"error: {result.message}")
        results.append(result)
        if report is not None:
            report(result)

    def write(pictures: list[tuple[Image.Image, Path]], meta: dict[str, str]) -> None:
        for picture, target in pictures:
            # The output folder is never made again here: one deleted mid-run is a failure, not a fresh folder.
            save_image(picture, target, meta, compress_level=OUTPUT_PNG_LEVEL, create_parent=False)

    chunks = [(files[i:i + batch_size], targets[i:i + batch_size]) for i in range(0, len(files), batch_size)]

    def run(chunk: list[Path], decoding: Future) -> tuple[list, list]:
        """One batch through the networks: (decoded photos or errors, outputs or errors of the decoded ones)."""
        decoded = decoding.result()
        good = [i for i, d in enumerate(decoded) if not isinstance(d, DesignGANError)]
        given = [table.get(chunk[i].resolve()) for i in good] if table is not None else None
        masks = [garment_mask] * len(good) if garment_mask is not None else None
        outputs = pipe.translate_batch([decoded[i] for i in good], to, fabric, landmarks=given,
                                       garment_masks=masks, people=people, refine_steps=refine_steps,
                                       keep_texture=keep_texture, return_errors=True, style=style) if good else []
        return decoded, outputs

    def finish(chunk: list[Path], chunk_targets: list[Path], decoded: list, outputs: list) -> None:
        """Report a batch's failures and queue its outputs' writes."""
        good = [i for i, d in enumerate(decoded) if not isinstance(d, DesignGANError)]
        for i, d in enumerate(decoded):
            if isinstance(d, DesignGANError):
                done(PhotoResult.failed(chunk[i], d))
        for i, output in zip(good, outputs, strict=True):
            f = chunk[i]
            if isinstance(output, DesignGANError):
                done(PhotoResult.failed(f, output))
                continue
            for warning in output.warnings:
                log(f"warning: {f}: {warning}")
            extra = {"DesignGAN-Source-File": f.name}
            if fabric_name is not None:
                extra["DesignGAN-Texture"] = fabric_name
            target = chunk_targets[i]
            pictures = [(output.image, target)]
            if side_by_side:  # the pair as well as the plain result, which is what most users keep
                pictures.append((output.side_by_side(), side_by_side_path(target)))
            writes.append((PhotoResult.translated(f, target, output), writer.submit(write, pictures,
                                                                                     output.metadata(extra))))
        if progress is not None:
            progress(len(chunk))

    writes: list[tuple[PhotoResult, Future]] = []
    workers = max(1, workers)
    # Batches run on ``workers`` threads at once: torch releases the GIL inside its kernels, so with one torch
    # thread each they use that many cores, and the outputs are the same as one at a time (the pipeline loads its
    # components under a lock). Decoding runs ahead and encoding behind, each in a thread of its own. Results are
    # reported in the photos' order.
    with ThreadPoolExecutor(max_workers=1) as reader, ThreadPoolExecutor(max_workers=1) as writer, \
            ThreadPoolExecutor(max_workers=workers) as models:
        decodings: dict[int, Future] = {}
        running: collections.deque[tuple[int, Future]] = collections.deque()
        for k, (chunk, _) in enumerate(chunks):
            for ahead in range(k, min(k + workers + 1, len(chunks))):
                if ahead not in decodings:
                    decodings[ahead] = reader.submit(_decode, chunks[ahead][0])
            running.append((k, models.submit(run, chunk, decodings.pop(k))))
            while len(running) >= workers or (running and k + 1 == len(chunks)):
                j, oldest = running.popleft()
                finish(*chunks[j], *oldest.result())
        written = []
        for result, future in writes:
            try:
                future.result()
            except FileNotFoundError:  # the output folder was deleted while the command ran
                done(PhotoResult.failed(result.input, DesignGANError(
                    f"{result.input}: could not write {result.output}: its folder no longer exists")))
                continue
            except (OSError, DesignGANError) as exc:  # e.g. disk full: the atomic write left no partial file
                done(PhotoResult.failed(result.input, exc))
                continue
            written.append(result)
    for result in written:  # counted only if still there: a folder deleted mid-run took earlier outputs along
        if result.output is None or not result.output.is_file():
            done(PhotoResult.failed(result.input, DesignGANError(
                f"{result.input}: {result.output} was written but no longer exists (was the output folder "
                "deleted?)")))
        else:
            done(result)
    return results


def missing_folders(folder: Path) -> list[Path]:
    """``folder`` and those of its parents that do not exist yet, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders a command made (deepest first) where it left them empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty (or already gone): kept
            return


@contextlib.contextmanager
def signals_interrupt() -> Iterator[list[str]]:
    """SIGTERM (``timeout``, ``docker stop``, systemd) raises KeyboardInterrupt in the main thread, as Ctrl-C does,
    so atomic writes clean up and the command can say what was written; yields a list that names the signal."""
    received: list[str] = []

    def handler(signum: int, frame: Any) -> None:
        received.append(signal.Signals(signum).name)
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield received
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def plan_outputs(files: list[Path], out: Path, to: str, fmt: str | None) -> tuple[list[Path], bool]:
    """(output path per photo, whether ``out`` is a file name) for ``-o out`` and ``--format fmt``; checked, before
    any model loads, that they can be written and overwrite no input."""
    formats = {"png": ".png", "jpg": ".jpg", "jpeg": ".jpg", "webp": ".webp"}
    if fmt is not None and fmt.lower() not in formats:
        raise DesignGANError(f"--format must be png, jpg or webp, got '{fmt}'")
    suffix = out.suffix.lower()
    if suffix in IMAGE_SUFFIXES and not out.is_dir():  # a file name: one photo's output
        if suffix not in IMAGE_FORMATS:
            raise DesignGANError(f"{out}: translate writes .png, .jpg or .webp files, not {suffix}")
        if fmt is not None and formats[fmt.lower()] != (".jpg" if suffix == ".jpeg" else suffix):
            raise DesignGANError(f"{out}: the file name says {suffix[1:]} but --format says {fmt}")
        if len(files) != 1:
            raise DesignGANError(f"{out}: -o names one output file, but {len(files)} photos were given; give a "
                                 f"folder (each output is named <photo>_{to}{suffix} inside it)")
        check_output_file(out, "output image")
        if out.resolve() == files[0].resolve():
            raise DesignGANError(f"{out}: the output would overwrite its input; choose another name")
        return [out.resolve()], True
    check_output_dir(out)  # a file, /dev/null or an unwritable folder: one line before the model loads
    return output_paths(files, out, to, formats[(fmt or "png").lower()]), False


def existing_outputs(files: list[Path], paths: list[Path], side_by_side: bool, skip: bool
                      ) -> tuple[list[Path], list[Path]]:
    """The photos still to translate: all of them when none of their outputs exists; with ``skip`` those whose
    output is missing; otherwise an existing output is refused (as ``data build`` and ``export`` refuse)."""
    inputs = {f.resolve(): f for f in files}
    todo: tuple[list[Path], list[Path]] = ([], [])
    for f, path in zip(files, paths, strict=True):
        outputs = [path, side_by_side_path(path)] if side_by_side else [path]
        for p in outputs[1:]:
            if p in inputs:
                raise DesignGANError(f"{p}: the side-by-side picture of {f} would overwrite that input; choose "
                                     "another output folder")
        existing = [p for p in outputs if p.exists()]
        if existing and skip:
            continue
        if existing:
            raise DesignGANError(f"{existing[0]}: already exists (the output of {f}); pass --overwrite to replace "
                                 "it or --skip-existing to keep it")
        todo[0].append(f)
        todo[1].append(path)
    return todo
