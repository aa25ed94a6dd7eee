"""Command line of the evaluation suite: ``designgan judge ...``, ``designgan eval`` and ``designgan compare``.

Mounted by :mod:`designgan.cli`: ``judge_app`` as a sub-app, ``eval_command`` and ``compare_command`` as commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from designgan.config import load_config
from designgan.errors import DesignGANError

DEFAULT_CCP = Path("../shared/datasets/ccp")

judge_app = typer.Typer(help="The judge: a garment parser trained on CCP that scores translations.",
                        no_args_is_help=True)

CcpRoot = Annotated[Path, typer.Option("--ccp-root", help="CCP checkout (photos/, annotations/).")]
Weights = Annotated[Path | None, typer.Option("--weights", help="Judge weights (default: the shipped ones).")]


@judge_app.command("train")
def judge_train_cmd(
    ccp_root: CcpRoot = DEFAULT_CCP,
    config: Annotated[Path | None, typer.Option(help="YAML config (see configs/judge.yaml).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Config override key=value (repeatable).")] = None,
    out: Annotated[Path, typer.Option(help="Run folder: checkpoint, history, weights.")] = Path("runs/judge"),
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last.pt.")] = False,
    export: Annotated[Path | None, typer.Option(help="Also write the final fp16 weights here.")] = None,
) -> None:
    """Train the judge on CCP's pixel-level photos (never the held-out split, never the image-level photos)."""
    from designgan.eval.judge_train import JudgeTrainConfig, train_judge

    cfg = load_config(JudgeTrainConfig, config, set_ or [])
    scores = train_judge(ccp_root, out, cfg, resume=resume, export_to=export,
                         log=lambda msg: typer.echo(msg, err=True))
    typer.echo(json.dumps(scores, indent=2))


@judge_app.command("eval")
def judge_eval_cmd(
    ccp_root: CcpRoot = DEFAULT_CCP,
    weights: Weights = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    picture: Annotated[Path | None, typer.Option(help="Also write a PNG of held-out photos: photo, CCP labels, "
                                                      "judge parse.")] = None,
    picture_photos: Annotated[int, typer.Option(help="Photos in the picture (evenly spread).")] = 5,
) -> None:
    """mIoU and per-class IoU of the judge on its held-out split of CCP (full resolution)."""
    from designgan.data import CCP
    from designgan.eval.classes import ccp_lookup
    from designgan.eval.judge import Judge, evaluate_on_ccp
    from designgan.eval.judge_data import judge_split
    from designgan.eval.report import judge_examples_picture, save_picture
    from designgan.io import load_image

    if picture is not None and picture.suffix.lower() != ".png":
        raise DesignGANError(f"{picture}: the picture must be a .png file")
    ccp = CCP(ccp_root)
    _, held = judge_split(ccp)
    if not held:
        raise DesignGANError(f"{ccp_root}: no held-out photos (pixel-level ids divisible by 10) found")
    judge = Judge.load(weights)
    scores = evaluate_on_ccp(judge, ccp, held, progress=not as_json)
    if picture is not None:
        step = max(1, len(held) // max(1, picture_photos))
        ids = held[::step][:picture_photos]
        photos = [load_image(ccp.photo_path(i)) for i in ids]
        table = ccp_lookup(ccp.label_names)
        truths = [table[ccp.load_label_map(i, size=p.size)] for i, p in zip(ids, photos, strict=True)]
        save_picture(judge_examples_picture(photos, truths, [p.labels for p in judge.parse_many(photos)]), picture)
    if as_json:
        typer.echo(json.dumps(scores, indent=2))
        return
    typer.echo(f"held-out photos: {scores['images']}  mIoU {scores['miou']:.3f}  "
               f"pixel accuracy {scores['pixel_accuracy']:.3f}")
    for name, iou in scores["per_class_iou"].items():
        typer.echo(f"  {name:<12} {'n/a' if iou is None else f'{iou:.3f}'}")


@judge_app.command("predict")
def judge_predict_cmd(
    image: Annotated[Path, typer.Argument(help="Photo of a person.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="PNG to write: the photo beside its coloured parse.")],
    weights: Weights = None,
) -> None:
    """Parse one photo and write the coloured label map beside it."""
    from designgan.eval.judge import Judge
    from designgan.eval.report import parse_picture
    from designgan.io import check_output_file, load_image, save_png

    if out.suffix.lower() != ".png":
        raise DesignGANError(f"{out}: the output must be a .png file")
    check_output_file(out, "picture")
    img = load_image(image)
    parse = Judge.load(weights).parse(img)
    save_png(parse_picture(img, parse.labels), out)
    present = sorted({int(v) for v in set(parse.labels.ravel().tolist())})
    from designgan.eval.classes import JUDGE_CLASSES

    typer.echo(f"wrote {out} (classes found: {', '.join(JUDGE_CLASSES[i] for i in present)})")


GarmentWeights = Annotated[Path | None, typer.Option("--weights", help="Garment judge weights (default: the "
                                                                         "shipped ones).")]


@judge_app.command("train-garment")
def judge_train_garment_cmd(
    ccp_root: CcpRoot = DEFAULT_CCP,
    config: Annotated[Path | None, typer.Option(help="YAML config (see configs/garment_judge.yaml).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Config override key=value (repeatable).")] = None,
    out: Annotated[Path, typer.Option(help="Run folder: checkpoint, history, weights.")] = Path("runs/garment_judge"),
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last.pt.")] = False,
    landmarks_cache: Annotated[Path | None, typer.Option("--landmarks-cache", help="Landmarks of CCP's pixel-level "
                                                         "photos (JSON lines; made if missing; default OUT/"
                                                         "ccp_landmarks.jsonl).")] = None,
    export: Annotated[Path | None, typer.Option(help="Also write the final fp16 weights here.")] = None,
) -> None:
    """Train the garment judge (trousers / skirt / shorts on the lower-body frame) on CCP's pixel-level photos."""
    from designgan.eval.garment_judge_train import GarmentJudgeTrainConfig, train_garment_judge

    cfg = load_config(GarmentJudgeTrainConfig, config, set_ or [])
    scores = train_garment_judge(ccp_root, out, cfg, landmarks_cache=landmarks_cache, export_to=export,
                                 resume=resume, log=lambda msg: typer.echo(msg, err=True))
    typer.echo(json.dumps(scores, indent=2))


PixelLandmarks = Annotated[Path, typer.Option("--landmarks-cache", help="Landmarks of CCP's pixel-level photos "
                                                                      "(JSON lines; made if missing).")]


@judge_app.command("ensemble-garment")
def judge_ensemble_garment_cmd(
    members: Annotated[list[Path], typer.Argument(help="Trained garment judge weights (.safetensors), same config.")],
    export: Annotated[Path, typer.Option(help="Where to write the ensemble's fp16 weights (and .json sidecar).")],
    ccp_root: CcpRoot = DEFAULT_CCP,
    landmarks_cache: PixelLandmarks = Path("runs/garment_judge/ccp_landmarks.jsonl"),
) -> None:
    """Average garment judges trained from different seeds into one judge; prints its held-out scores."""
    from designgan.eval.garment_judge_train import ensemble_garment_judges

    scores = ensemble_garment_judges(ccp_root, members, export, landmarks_cache,
                                     log=lambda msg: typer.echo(msg, err=True))
    typer.echo(json.dumps(scores, indent=2))


@judge_app.command("fit-evidence")
def judge_fit_evidence_cmd(
    weights: Annotated[Path, typer.Argument(help="Garment judge weights (.safetensors) whose sidecar gets the table.")],
    ccp_root: CcpRoot = DEFAULT_CCP,
    landmarks_cache: PixelLandmarks = Path("runs/garment_judge/ccp_landmarks.jsonl"),
) -> None:
    """Fuse the landmark network's trouser evidence into a garment judge: count P(evidence | family) on CCP's
    pixel-level training photos, store it beside the weights; prints the held-out accuracy alone and fused."""
    from designgan.eval.garment_judge_train import fit_evidence

    entry = fit_evidence(ccp_root, weights, landmarks_cache, log=lambda msg: typer.echo(msg, err=True))
    typer.echo(json.dumps(entry, indent=2))


@judge_app.command("train-realism")
def judge_train_realism_cmd(
    ccp_root: CcpRoot = DEFAULT_CCP,
    config: Annotated[Path | None, typer.Option(help="YAML config (see configs/realism.yaml).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Config override key=value (repeatable).")] = None,
    out: Annotated[Path, typer.Option(help="Run folder: checkpoint, history, weights.")] = Path("runs/realism"),
    resume: Annotated[bool, typer.Option(help="Continue from OUT/last.pt.")] = False,
    export: Annotated[Path | None, typer.Option(help="Also write the final fp16 weights here.")] = None,
) -> None:
    """Train the realism encoder (self-supervised, no labels) on CCP's photos: the second feature space of KID."""
    from designgan.eval.realism_train import RealismTrainConfig, train_realism

    cfg = load_config(RealismTrainConfig, config, set_ or [])
    meta = train_realism(ccp_root, out, cfg, export_to=export, resume=resume,
                         log=lambda msg: typer.echo(msg, err=True))
    typer.echo(json.dumps({k: v for k, v in meta.items() if k != "train_config"}, indent=2))


@judge_app.command("ceiling")
def judge_ceiling_cmd(
    data: Annotated[Path, typer.Option("--data", help="Two-domain dataset folder.")],
    weights: GarmentWeights = None,
    split: Annotated[str, typer.Option(help="Split whose real photos are judged.")] = "test",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    landmarks: Annotated[Path | None, typer.Option("--landmarks", help="Landmark network weights (default: the "
                                                   "dataset's landmark cache, else the shipped network).")] = None,
) -> None:
    """The garment judge's success on the REAL photos of each domain: what a perfect translator would score."""
    from designgan.data import TwoDomainData
    from designgan.eval.garment_eval import LandmarkSource, dataset_ceiling
    from designgan.eval.garment_judge import GarmentJudge

    if split not in ("train", "test"):
        raise DesignGANError(f"--split must be train or test, not {split!r}")
    dataset = TwoDomainData.open(data)
    result = dataset_ceiling(dataset, GarmentJudge.load(weights), LandmarkSource.for_dataset(data, landmarks), split,
                             progress=not as_json)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for domain, row in result.items():
        typer.echo(f"{domain} {row['category']:<12} success {row['success']}  (n={row['n']}, predicted "
                   + ", ".join(f"{k} {v}" for k, v in row["predicted"].items()) + ")")
        if "audited" in row:
            audited = row["audited"]
            typer.echo(f"  on the photos whose tag held up: {audited['success']} (n={audited['n']}; left out "
                       + ", ".join(f"{k} {v}" for k, v in audited["left_out"].items()) + ")")


# ---------------------------------------------------------------------------------------------------------------
# designgan eval / designgan compare
# ---------------------------------------------------------------------------------------------------------------

Data = Annotated[Path, typer.Option("--data", help="Two-domain dataset folder (its test split is evaluated).")]
Direction = Annotated[str, typer.Option("--direction", help="a2b (domain A -> B, e.g. jeans -> skirt) or b2a.")]
Limit = Annotated[int, typer.Option("--limit", help="Evaluate only N test photos, evenly spread (0 = all).")]
Landmarks = Annotated[Path | None, typer.Option("--landmarks", help="Landmark network weights for DesignGAN "
                                                                  "models (default: the shipped ones).")]
JudgeWeights = Annotated[Path | None, typer.Option("--judge", help="Judge weights (default: the shipped ones).")]
GarmentJudgeWeights = Annotated[Path | None, typer.Option("--garment-judge", help="Garment judge weights, which "
                                                          "decide success (default: the shipped ones).")]
RealismWeights = Annotated[Path | None, typer.Option("--realism", help="Realism encoder weights for the second KID "
                                                     "(default: the shipped ones; if those are missing, kid_realism "
                                                     "is skipped with a one-line message).")]
Texture = Annotated[Path | None, typer.Option("--texture", help="Fabric photo: the new garment should take its "
                                                                  "texture; texture figures measure against it.")]


def _realism_encoder(weights: Path | None, default: Path | None = None):
    """The realism encoder, or None (with a one-line message) when the default weights (``default``, else the
    shipped ones) are missing: kid_realism is a second opinion, not a reason to refuse an evaluation. Weights named
    on the command line must load."""
    from designgan.eval.realism import DEFAULT_WEIGHTS, RealismEncoder

    if weights is not None:
        return RealismEncoder.load(weights)
    try:
        return RealismEncoder.load(default or DEFAULT_WEIGHTS)
    except DesignGANError as exc:
        typer.echo(f"warning: kid_realism skipped: {exc}", err=True)
        return None


Detect = Annotated[bool, typer.Option("--detectability/--no-detectability", help="Train fresh classifiers to tell "
                                      "the translations from real target photos (and the controls: real vs real, "
                                      "do nothing, blurred edit); a few CPU minutes.")]


def _spread(records: list, limit: int) -> list:
    """``limit`` records evenly spread over ``records`` (all of them when limit is 0)."""
    if limit and limit < len(records):
        return [records[round(i * (len(records) - 1) / max(1, limit - 1))] for i in range(limit)] \
            if limit > 1 else records[:1]
    return records


def _setup(data: Path, direction: str, limit: int, judge_weights: Path | None, progress: bool,
           garment_weights: Path | None = None, landmarks: Path | None = None, realism_weights: Path | None = None,
           detect=None):
    from designgan.data import TwoDomainData
    from designgan.eval.garment_eval import LandmarkSource, tag_check
    from designgan.eval.garment_family import family_of
    from designgan.eval.garment_judge import GarmentJudge
    from designgan.eval.judge import Judge
    from designgan.eval.runner import judge_real_photos

    if direction not in ("a2b", "b2a"):
        raise DesignGANError(f"--direction must be a2b or b2a, not {direction!r}")
    if limit < 0:
        raise DesignGANError(f"--limit must be >= 0 (0 = all test photos), got {limit}")
    dataset = TwoDomainData.open(data)
    src, dst = ("a", "b") if direction == "a2b" else ("b", "a")
    records = dataset.records(split="test", domain=src)
    reals = dataset.records(split="test", domain=dst)
    if not records:
        raise DesignGANError(f"{data}: no test photos in domain {src}")
    records = _spread(records, limit)
    domains = (dataset.domain_name("a"), dataset.domain_name("b"))
    family_of(dataset.domain_name(dst))  # success needs the target's garment family: fail before any work
    judge = Judge.load(judge_weights)
    garment = GarmentJudge.load(garment_weights)
    realism = _realism_encoder(realism_weights)
    source = LandmarkSource.for_dataset(data, landmarks)
    tag_held_up = tag_check(dataset)
    real = judge_real_photos(judge, reals, f"judging real {dataset.domain_name(dst)} photos", progress,
                             domain=dataset.domain_name(dst), garment=garment, landmarks=source, realism=realism,
                             detect=detect, tag_held_up=tag_held_up)
    return domains, records, judge, real, dataset.domain_name(dst), (garment, source, realism, tag_held_up)


def _write_run(result, out: Path) -> None:
    from designgan.eval.report import case_grid, random_grid, save_picture, write_csv
    from designgan.eval.runner import quality_score
    from designgan.io import write_json_atomic

    write_csv(result.rows, out / "per_image.csv")
    write_json_atomic(out / "metrics.json", result.summary)
    keys = [r["key"] for r in result.rows]
    save_picture(case_grid(keys, [quality_score(r) for r in result.rows], result.thumbs), out / "grid.png")
    save_picture(random_grid(keys, result.thumbs), out / "random.png")
    if result.full:
        from designgan.eval.report import by_eye_picture

        for key, (source, output, region) in result.full.items():
            save_picture(by_eye_picture(source, output, region), out / "by_eye" / f"{Path(key).stem}.png")


def _by_eye_keys(records: list) -> list[str]:
    """The keys of the photos random.png shows (one row per record, in order), for the by-eye pictures."""
    from designgan.eval.report import random_picks

    return [records[i].key for i in random_picks(len(records))]


def _reconstruction(model: str, data: Path, limit: int, landmarks: Path | None, out: Path, as_json: bool) -> None:
    """Self-reconstruction of both domains' test photos (``designgan eval --reconstruction``)."""
    from designgan.data import TwoDomainData
    from designgan.eval.garment_eval import LandmarkSource
    from designgan.eval.reconstruction import reconstruct, repainter_for
    from designgan.eval.report import write_csv
    from designgan.io import write_json_atomic

    dataset = TwoDomainData.open(data)
    domains = (dataset.domain_name("a"), dataset.domain_name("b"))
    repaint = repainter_for(model, domains, landmarks)
    source = LandmarkSource.for_dataset(data, landmarks)
    rows, summary = [], {"model": model, "data": str(data), "limit": limit}
    for side, name in zip(("a", "b"), domains, strict=True):
        records = _spread(dataset.records(split="test", domain=side), limit)
        domain_rows, summary[name] = reconstruct(repaint, records, name, source, progress=not as_json)
        rows += domain_rows
    write_csv(rows, out / "reconstruction.csv")
    write_json_atomic(out / "reconstruction.json", summary)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    typer.echo("| garment | photos (failed) | L1 ↓ | PSNR dB ↑ | SSIM ↑ |\n|---|---|---|---|---|")
    for name in domains:
        s = summary[name]
        typer.echo(f"| {name} | {s['photos']} ({s['failed']}) | {s['l1']['mean']} | {s['psnr']['mean']} | "
                   f"{s['ssim']['mean']} |")
    typer.echo(f"wrote {out}/reconstruction.json, reconstruction.csv", err=True)


def eval_command(
    model: Annotated[str, typer.Option("--model", help="Bundled model name, saved model or training run folder.")],
    data: Data,
    direction: Direction = "a2b",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Report folder (default outputs/eval/NAME_DIR).")]
    = None,
    texture: Texture = None,
    limit: Limit = 0,
    judge_weights: JudgeWeights = None,
    garment_weights: GarmentJudgeWeights = None,
    landmarks: Landmarks = None,
    realism_weights: RealismWeights = None,
    refine_steps: Annotated[int | None, typer.Option("--refine-steps", min=0, help="Test-time texture refinement "
                                                     "steps (default: the pipeline's; 0 = the model's raw output).")]
    = None,
    source_mask: Annotated[str, typer.Option(help="How the pipeline finds the source garment: segmenter or polygon "
                                             "(the landmark outline alone, the old behaviour).")] = "segmenter",
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    detector: Annotated[str, typer.Option(help="How the pipeline finds people: windows, landmarks or hog (see "
                                          "'designgan translate --help').")] = "windows",
    detect: Detect = True,
    reconstruction: Annotated[bool, typer.Option("--reconstruction", help="Instead: self-reconstruction. Erase the "
                                                 "garment of each test photo of both domains, have the model repaint "
                                                 "the garment the photo wears, report L1 / PSNR / SSIM inside the "
                                                 "erased region (models that can: prior).")] = False,
) -> None:
    """Translate the test split with a model and score it: success, texture, preservation, skin, realism (KID,
    detectability). Beside the figures: grid.png, random.png (10 seeded random photos) and by_eye/ (the edited
    region of those photos at 512 px height beside its source)."""
    from designgan.eval.garment_eval import LandmarkSource
    from designgan.eval.people_eval import PeopleScorer
    from designgan.eval.runner import evaluate
    from designgan.eval.translators import load_translator
    from designgan.io import check_output_dir, load_image
    from designgan.pipeline.detection import DETECTORS

    out = out or Path("outputs/eval") / (f"{Path(str(model)).name}_reconstruction" if reconstruction
                                         else f"{Path(str(model)).name}_{direction}")
    check_output_dir(out, "report folder")  # a bad -o is one line before the work, not after it
    if reconstruction:
        _reconstruction(model, data, limit, landmarks, out, as_json)
        return
    from designgan.eval.detectability import DetectSettings

    settings = DetectSettings() if detect else None
    if detector not in DETECTORS:
        raise DesignGANError(f"--detector must be {' or '.join(DETECTORS)}, got '{detector}'")
    fabric = load_image(texture) if texture is not None else None
    domains, records, judge, real, target, (garment, source, realism, tag_held_up) = _setup(
        data, direction, limit, judge_weights, not as_json, garment_weights, landmarks, realism_weights, settings)
    translator = load_translator(model, direction, domains, texture=fabric, landmarks=landmarks,
                                 refine_steps=refine_steps, detector=detector, source_mask=source_mask)
    # photos of several people with known boxes (designgan data composites): people found, per-person success
    people = PeopleScorer(translator.translate, garment, target, LandmarkSource(weights=landmarks), detector) \
        if any("people" in r.extra for r in records) else None
    result = evaluate(translator.translate, records, target, judge, real, fabric=fabric, progress=not as_json,
                      garment=garment, landmarks=source, people=people, realism=realism, detect=settings,
                      keep=_by_eye_keys(records), tag_held_up=tag_held_up)
    result.summary |= {"model": str(model), "data": str(data), "direction": direction, "detector": detector,
                       "source_mask": source_mask, "texture": str(texture) if texture else None,
                       "refine_steps": refine_steps,
                       "judge": judge.meta.get("heldout", {}).get("miou"),
                       "garment_judge": garment.meta.get("heldout", {}).get("accuracy"),
                       "realism_encoder": realism.meta.get("heldout_retrieval") if realism else None}
    _write_run(result, out)
    if as_json:
        typer.echo(json.dumps(result.summary, indent=2))
        return
    from designgan.eval.report import markdown_table

    typer.echo(markdown_table({Path(str(model)).name: result.summary}))
    if "people" in result.summary:
        p = result.summary["people"]
        typer.echo(f"people found {p['found']} of {p['known']} ({p['found_share']:.1%}, IoU >= {p['iou_match']}); "
                   f"per-person success {p['success']:.1%} vs {p['single_success']:.1%} for the same people alone")
    typer.echo(f"wrote {out}/metrics.json, per_image.csv, grid.png (best/median/worst), random.png (10 random), "
               "by_eye/ (their edited regions at 512 px)", err=True)


def compare_command(
    runs: Annotated[str, typer.Option("--runs", help="Comma-separated finished runs / saved models to compare.")],
    data: Data,
    direction: Direction = "a2b",
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")] = Path("outputs/compare"),
    limit: Limit = 0,
    picture_rows: Annotated[int, typer.Option("--picture-rows", help="Input photos in the picture.")] = 4,
    judge_weights: JudgeWeights = None,
    garment_weights: GarmentJudgeWeights = None,
    landmarks: Landmarks = None,
    realism_weights: RealismWeights = None,
    detect: Detect = True,
) -> None:
    """Evaluate finished runs on the same test photos (trains no translator; detectability trains its fresh
    classifiers): a Markdown table and one picture."""
    from designgan.eval.report import comparison_picture, markdown_table, save_picture
    from designgan.eval.runner import evaluate
    from designgan.eval.translators import load_translator
    from designgan.io import check_output_dir, write_text_atomic

    names = [r.strip() for r in runs.split(",") if r.strip()]
    if not names:
        raise DesignGANError("--runs needs at least one run folder or model")
    if picture_rows < 1:
        raise DesignGANError(f"--picture-rows must be >= 1, got {picture_rows}")
    check_output_dir(out, "report folder")
    from designgan.eval.detectability import DetectSettings

    settings = DetectSettings() if detect else None
    domains, records, judge, real, target, (garment, source, realism, tag_held_up) = _setup(
        data, direction, limit, judge_weights, True, garment_weights, landmarks, realism_weights, settings)
    translators = {Path(n).name or n: load_translator(n, direction, domains, landmarks=landmarks)
                   for n in names}  # fail before work
    if len(translators) != len(names):
        raise DesignGANError("two runs share a folder name; give distinct names")
    summaries, results = {}, {}
    for label, translator in translators.items():
        typer.echo(f"evaluating {label} on {len(records)} photos", err=True)
        result = evaluate(translator.translate, records, target, judge, real, garment=garment, landmarks=source,
                          realism=realism, detect=settings, keep=_by_eye_keys(records),
                          tag_held_up=tag_held_up)
        result.summary |= {"model": translator.name, "data": str(data), "direction": direction}
        _write_run(result, out / label)
        summaries[label], results[label] = result.summary, result
    table = markdown_table(summaries)
    picked = [records[round(i * (len(records) - 1) / max(1, picture_rows - 1))].key
              for i in range(min(picture_rows, len(records)))]
    first = next(iter(results.values()))
    picture = comparison_picture([first.thumbs[k][0] for k in picked],
                                 {label: [r.thumbs[k][1] for k in picked] for label, r in results.items()})
    command = f"designgan compare --runs {runs} --data {data} --direction {direction}"
    command += f" --limit {limit}" if limit else ""
    header = (f"Test split of `{data}` ({direction}, {len(records)} photos; KID against "
              f"{len(real.recognised)} real {target} photos). Command: `{command}`\n\n")
    write_text_atomic(out / "comparison.md", header + table)
    save_picture(picture, out / "comparison.png")
    typer.echo(table)
    typer.echo(f"wrote {out}/comparison.md, comparison.png and one folder per run", err=True)
