"""``designgan data ...``: build, check and preview two-domain datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from designgan.data.builder import DomainSpec, OverlapPolicy, build_two_domain
from designgan.data.ccp import CCP, ccp_items
from designgan.data.check import check_dataset
from designgan.data.deepfashion2 import deepfashion2_items
from designgan.data.folders import folder_items
from designgan.data.manifest import TwoDomainData
from designgan.data.preview import dataset_preview
from designgan.errors import DesignGANError
from designgan.io import check_output_file, save_png

app = typer.Typer(help="Build, check and preview two-domain datasets.", no_args_is_help=True)
build_app = typer.Typer(help="Build a two-domain dataset from a source format.", no_args_is_help=True)
app.add_typer(build_app, name="build")
err = Console(stderr=True)

Out = Annotated[Path, typer.Option("--out", "-o", help="Output dataset folder (written atomically).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the counts as JSON on stdout.")]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.")]
Overlap = Annotated[str, typer.Option(
    "--overlap", help="Images containing both categories: 'dominant' (to the domain whose garment is larger; "
    "image-level ones are dropped), 'drop' (neither), 'keep' (both, the InstaGAN public protocol).")]


def _report(metadata: dict, out: Path, as_json: bool) -> None:
    counts = metadata["counts"]
    if as_json:
        typer.echo(json.dumps(counts))
        return
    a, b = metadata["domains"]["a"]["name"], metadata["domains"]["b"]["name"]
    err.print(f"wrote {out}: train {a} {counts['train_a']}, train {b} {counts['train_b']}, "
              f"test {a} {counts['test_a']}, test {b} {counts['test_b']}")
    overlapping = metadata.get("overlapping_images") or {}
    if any(overlapping.values()):
        err.print(f"images with both categories (train/test): {overlapping.get('train', 0)}/"
                  f"{overlapping.get('test', 0)}, resolved with --overlap {metadata['overlap_policy']}")


def _overlap(value: str) -> OverlapPolicy:
    if value not in ("dominant", "drop", "keep"):
        raise typer.BadParameter(f"must be dominant, drop or keep, not {value!r}", param_hint="--overlap")
    return value  # type: ignore[return-value]


@build_app.command("ccp")
def build_ccp(
    root: Annotated[Path, typer.Option(help="CCP checkout (photos/, annotations/, label_list.mat).")],
    a: Annotated[str, typer.Option("--a", help="Domain A categories, comma-separated (e.g. jeans,pants).")],
    b: Annotated[str, typer.Option("--b", help="Domain B categories, comma-separated (e.g. skirt).")],
    out: Out,
    overlap: Overlap = "dominant",
    as_json: AsJson = False,
    overwrite: Overwrite = False,
) -> None:
    """CCP under the public protocol: train = pixel-level images with the category, test = image-level ones."""
    ccp = CCP(root)
    spec_a, spec_b = DomainSpec.parse(a), DomainSpec.parse(b)
    metadata = build_two_domain(
        ccp_items(ccp, spec_a.categories + spec_b.categories), out, spec_a, spec_b, source=f"ccp:{root}",
        overlap=_overlap(overlap), overwrite=overwrite, extra_metadata={"label_names": ccp.label_names},
        progress=not as_json,
    )
    _report(metadata, out, as_json)


@build_app.command("folders")
def build_folders(
    root: Annotated[Path, typer.Option(help="Folder with trainA/ trainB/ testA/ testB/ (+ InstaGAN *_seg/).")],
    out: Out,
    a_name: Annotated[str, typer.Option("--a-name", help="Category name of domain A.")] = "A",
    b_name: Annotated[str, typer.Option("--b-name", help="Category name of domain B.")] = "B",
    as_json: AsJson = False,
    overwrite: Overwrite = False,
) -> None:
    """The CycleGAN / InstaGAN folder layout (instance masks trainA_seg/NNNN_K.png become garment masks)."""
    metadata = build_two_domain(folder_items(root, a_name, b_name), out, DomainSpec([a_name]),
                                DomainSpec([b_name]), source=f"folders:{root}", overwrite=overwrite,
                                progress=not as_json)
    _report(metadata, out, as_json)


@build_app.command("deepfashion2")
def build_deepfashion2(
    root: Annotated[Path, typer.Option(help="DeepFashion2 root with train/ and validation/ (image/, annos/).")],
    a: Annotated[str, typer.Option("--a", help="Domain A categories, e.g. 'trousers'.")],
    b: Annotated[str, typer.Option("--b", help="Domain B categories, e.g. 'skirt'.")],
    out: Out,
    overlap: Overlap = "dominant",
    as_json: AsJson = False,
    overwrite: Overwrite = False,
) -> None:
    """DeepFashion2: train -> train split, validation -> test split; polygons become garment masks."""
    spec_a, spec_b = DomainSpec.parse(a), DomainSpec.parse(b)
    metadata = build_two_domain(deepfashion2_items(root, spec_a.categories + spec_b.categories), out, spec_a,
                                spec_b, source=f"deepfashion2:{root}", overlap=_overlap(overlap),
                                overwrite=overwrite, progress=not as_json)
    _report(metadata, out, as_json)


def _stated_counts(data: Path) -> dict[str, int] | None:
    """The counts ``dataset.json`` states (None when it cannot be read: that is one of the problems listed)."""
    try:
        counts = json.loads((data / "dataset.json").read_text()).get("counts")
    except (OSError, ValueError, AttributeError):
        return None
    return counts if isinstance(counts, dict) else None


@app.command("check")
def check(
    data: Annotated[Path, typer.Argument(help="Dataset folder to validate.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the image counts per split and domain, as "
                                          "dataset.json states them, and the problems as JSON on stdout.")] = False,
) -> None:
    """List every problem in a dataset (unreadable image, wrong-size mask, missing annotation, empty mask)."""
    problems = check_dataset(data, progress=not as_json)
    if as_json:
        typer.echo(json.dumps({"dataset": str(data), "counts": _stated_counts(data), "ok": not problems,
                               "problems": [{"path": p.path, "problem": p.message} for p in problems]}))
    else:
        for problem in problems:
            typer.echo(str(problem))
        err.print(f"{data}: {len(problems)} problem(s)" if problems else f"{data}: OK")
    raise typer.Exit(1 if problems else 0)


@app.command("preview")
def preview(
    data: Annotated[Path, typer.Argument(help="Dataset folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG to write.")],
    per_row: Annotated[int, typer.Option(help="Images per split/domain row.")] = 6,
) -> None:
    """Contact sheet of a dataset: photos with garment (red) and skin (green) masks."""
    if per_row < 1:
        raise DesignGANError(f"--per-row must be >= 1, got {per_row}")
    check_output_file(out, "preview picture")
    save_png(dataset_preview(TwoDomainData.open(data), per_row=per_row), out)
    err.print(f"wrote {out}")
