"""``designgan translate`` and ``designgan export``: argument parsing and printing around
:mod:`designgan.pipeline` (translating files and folders lives in :mod:`designgan.pipeline.files`; ``bench
translate`` in :mod:`designgan.bench_translate`).

Mounted in :mod:`designgan.cli`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from designgan.errors import DesignGANError
from designgan.io import check_output_dir, check_output_file
from designgan.pipeline.bundled import bundled_model_domains, default_model
from designgan.pipeline.files import (
    OUTPUT_PNG_LEVEL,
    collect_inputs,
    existing_outputs,
    folder_workers,
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
__all__ = ["OUTPUT_PNG_LEVEL", "collect_inputs", "default_model", "export_command",
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
    workers: Annotated[int | None, typer.Option(min=1, help="Batches translated at once, each on its own threads "
                                                "(default: the CPUs over --threads, at most 4).")] = None,
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

    torch.set_num_threads(threads or inference_threads())
    plan = _plan(inputs, out, to, fmt, texture, landmarks, detector, side_by_side, overwrite, skip_existing)
    if plan is None:
        return
    pipe, fabric, style = _build_pipeline(model, to, texture, length, cut, fit, compile=compile, precision=precision,
                                          device=device, detector=detector, source_mask=source_mask)
    typer.echo(f"translate: {pipe.describe()}", err=True)
    made = _output_folder(out, plan.single)
    results = _run(pipe, plan, out, made, to, fabric, texture, style, as_json, side_by_side=side_by_side,
                   people=person if person is not None else ("all" if all_people else "visible"),
                   refine_steps=refine_steps, keep_texture=keep_texture, batch_size=batch_size,
                   workers=workers or folder_workers(torch.get_num_threads()))
    _report(results, plan, out, made, as_json)


@dataclass
class _Plan:
    """What one run translates: the photos, their output paths, whether -o names one file, and the landmark
    lines given (--landmarks)."""

    files: list[Path]
    paths: list[Path]
    single: bool
    table: dict[Path, dict[str, Any]] | None


def _plan(inputs: list[Path], out: Path, to: str, fmt: str | None, texture: Path | None, landmarks: Path | None,
          detector: str, side_by_side: bool, overwrite: bool, skip_existing: bool) -> _Plan | None:
    """Parse and check the photos, outputs and options before any model loads; None when every output exists
    already (--skip-existing)."""
    from designgan.pipeline.detection import DETECTORS

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
            return None
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
    return _Plan(files, paths, single, table)


def _build_pipeline(model: str | None, to: str, texture: Path | None, length: str | None, cut: str | None,
                    fit: str | None, **options: Any) -> tuple[Any, Any, Any]:
    """(pipeline, fabric image, garment style), each checked against --to before any photo is read: a wrong
    category fails before a bundled model loads, a bad fabric or style name before the pipeline does."""
    from designgan.io import load_image
    from designgan.models.prior_style import asked_style, style_options
    from designgan.pipeline import DesignGANPipeline
    from designgan.pipeline.spec import direction_for

    name = model or default_model(to)
    bundled = bundled_model_domains()
    if name in bundled:
        direction_for(bundled[name], to)
    fabric = load_image(texture) if texture is not None else None
    style = style_options(length, cut, fit)
    pipe = DesignGANPipeline.from_pretrained(name, **options)
    pipe.direction(to)  # a run folder or saved model: checked as soon as its categories are known
    asked_style(pipe.generators[pipe.direction(to)[0]], style)  # --length midi for trousers: before any photo
    return pipe, fabric, style


def _output_folder(out: Path, single: bool) -> list[Path]:
    """Create the output folder; returns the folders made (removed again if nothing is written into them)."""
    folder = out.resolve().parent if single else out.resolve()
    made = missing_folders(folder)
    if single:
        folder.mkdir(parents=True, exist_ok=True)
    else:
        check_output_dir(out, create=True)
    return made


def _run(pipe: Any, plan: _Plan, out: Path, made: list[Path], to: str, fabric: Any, texture: Path | None,
         style: Any, as_json: bool, **options: Any) -> list:
    """Translate the planned photos with a progress bar (with --json, one JSON line per photo on stdout). Ctrl-C
    or SIGTERM finishes the writes under way, says what was written and exits 130 / 143."""
    from tqdm import tqdm

    bar = tqdm(total=len(plan.files), desc="translate", unit="photo", dynamic_ncols=True, file=sys.stderr)
    try:
        with signals_interrupt() as received:
            results = translate_files(
                pipe, plan.files, plan.paths, to, fabric=fabric, fabric_name=texture.name if texture else None,
                table=plan.table, style=style, **options,
                log=lambda line: bar.write(line, file=sys.stderr if as_json else None), progress=bar.update,
                report=(lambda result: print(json.dumps(result.to_json()), flush=True)) if as_json else None)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the writes under way were finished (no temporary file left)
        bar.close()
        written = sum(p.is_file() for p in plan.paths)
        remove_if_empty(made)
        typer.echo(f"interrupted ({received[0] if received else 'SIGINT'}): {written} of {len(plan.files)} photos "
                   f"written into {out}; run the same command with --skip-existing to translate the rest", err=True)
        raise typer.Exit(143 if received and received[0] == "SIGTERM" else 130) from None
    bar.close()
    return results


def _report(results: list, plan: _Plan, out: Path, made: list[Path], as_json: bool) -> None:
    """The closing line (on stderr with --json); exit 1 when a photo failed."""
    failures = sum(r.status == "failed" for r in results)
    done = len(plan.files) - failures
    if done == 0:
        remove_if_empty(made)
    typer.echo(f"translated {done} of {len(plan.files)} photos into {out}"
               + (f" ({failures} failed)" if failures else ""), err=as_json)
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
    from designgan.pipeline import SAVED_STEM, Translator

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
    translator = Translator.load(run, domains=names)
    from safetensors import SafetensorError

    try:
        written = translator.save(out)  # 16-bit: the translator alone, as a bundled model is
    except (OSError, SafetensorError) as exc:  # disk full, file-size limit (EFBIG): the atomic write left no file
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise DesignGANError(f"{target}: could not write the model ({reason})") from None
    size_mb = written.stat().st_size / 2**20
    (a, b), (h, w) = translator.spec.domains, translator.spec.size
    typer.echo(f"wrote {written} ({size_mb:.1f} MB, {a} <-> {b}, {h}x{w})")
