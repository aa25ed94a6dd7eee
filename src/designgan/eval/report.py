"""Evaluation outputs: per-image CSV, best / median / worst grid, comparison table and picture (all atomic)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from designgan.eval.judge import colorize
from designgan.io import ai_edit_metadata, save_png, write_text_atomic

LABEL_HEIGHT = 18


def write_csv(rows: list[dict], path: str | Path) -> None:
    """All rows (union of their keys, first-seen order) to CSV; NaN written as an empty cell."""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if isinstance(v, float) and not math.isfinite(v) else
                         (round(v, 5) if isinstance(v, float) else v) for k, v in row.items()})
    write_text_atomic(path, buffer.getvalue())


def _labelled(img: Image.Image, text: str) -> Image.Image:
    canvas = Image.new("RGB", (img.width, img.height + LABEL_HEIGHT), "white")
    canvas.paste(img, (0, LABEL_HEIGHT))
    ImageDraw.Draw(canvas).text((3, 3), text, fill="black")
    return canvas


def _row(cells: Sequence[Image.Image], gap: int = 4) -> Image.Image:
    height = max(c.height for c in cells)
    canvas = Image.new("RGB", (sum(c.width for c in cells) + gap * (len(cells) - 1), height), "white")
    x = 0
    for c in cells:
        canvas.paste(c, (x, 0))
        x += c.width + gap
    return canvas


def _stack(rows: Sequence[Image.Image], gap: int = 6) -> Image.Image:
    width = max(r.width for r in rows)
    canvas = Image.new("RGB", (width, sum(r.height for r in rows) + gap * (len(rows) - 1)), "white")
    y = 0
    for r in rows:
        canvas.paste(r, (0, y))
        y += r.height + gap
    return canvas


def pick_cases(scores: Sequence[float], per_group: int = 2) -> dict[str, list[int]]:
    """Indices of the best, median and worst ``per_group`` items by score (groups overlap only when few items)."""
    order = list(np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable"))
    n = len(order)
    k = min(per_group, n)
    mid = max(0, min(n - k, n // 2 - k // 2))
    return {"best": order[:k], "median": order[mid:mid + k], "worst": order[n - k:][::-1]}


def case_grid(keys: Sequence[str], scores: Sequence[float], thumbs: dict[str, tuple[Image.Image, ...]],
              per_group: int = 2) -> Image.Image:
    """Rows best / median / worst; each case shows source, output and the judge's parse of the output."""
    rows = []
    for group, index in pick_cases(scores, per_group).items():
        cells = []
        for i in index:
            src, out, parse = thumbs[keys[i]]
            cells += [_labelled(src, f"{group}: {keys[i]}"), _labelled(out, f"score {scores[i]:.2f}"),
                      _labelled(parse, "judge parse")]
        rows.append(_row(cells))
    return _stack(rows)


RANDOM_COUNT, RANDOM_SEED = 10, 0  # the photos of random.png and of the by-eye pictures


def random_picks(n: int, count: int = RANDOM_COUNT, seed: int = RANDOM_SEED) -> list[int]:
    """Indices (sorted) of ``count`` of ``n`` evaluated photos drawn at random with ``seed``."""
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(n, size=min(count, n), replace=False).tolist())


def random_grid(keys: Sequence[str], thumbs: dict[str, tuple[Image.Image, ...]], count: int = RANDOM_COUNT,
                seed: int = RANDOM_SEED, per_row: int = 5) -> Image.Image:
    """``count`` test photos drawn at random (seeded), each as source above output: the unpicked view of quality."""
    chosen = random_picks(len(keys), count, seed)
    cells = [_stack([_labelled(thumbs[keys[i]][0], keys[i]), thumbs[keys[i]][1]], gap=2) for i in chosen]
    return _stack([_row(cells[i:i + per_row]) for i in range(0, len(cells), per_row)])


def by_eye_picture(source: Image.Image, output: Image.Image, region: np.ndarray, height: int = 512,
                   margin: float = 0.1) -> Image.Image:
    """The edited region (its bounding box, ``margin`` of its size added on each side) of the source and of the
    output side by side, scaled to ``height`` pixels: faults judged at the size they are seen at."""
    ys, xs = np.nonzero(region)
    if len(ys):
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        pad = round(margin * max(y1 - y0, x1 - x0))
        box = (max(0, x0 - pad), max(0, y0 - pad), min(source.width, x1 + pad), min(source.height, y1 + pad))
    else:
        box = (0, 0, source.width, source.height)
    scale = height / (box[3] - box[1])
    size = (max(1, round((box[2] - box[0]) * scale)), height)
    resample = Image.LANCZOS if scale > 1 else Image.BOX

    def cut(img: Image.Image) -> Image.Image:
        return img.crop(box).resize(size, resample)

    return _row([_labelled(cut(source), "source"), _labelled(cut(output), f"output (edited region, x{scale:.2f})")])


def parse_picture(image: Image.Image, labels: np.ndarray) -> Image.Image:
    """Photo, coloured parse and their blend side by side."""
    parse = colorize(labels)
    blend = Image.blend(image, parse, 0.5)
    return _row([image, parse, blend])


def judge_examples_picture(photos: Sequence[Image.Image], truths: Sequence[np.ndarray],
                           predictions: Sequence[np.ndarray], height: int = 256) -> Image.Image:
    """One column triple per photo: photo, ground-truth parse, the judge's parse (all ``height`` px high)."""
    cells = []
    for photo, truth, pred in zip(photos, truths, predictions, strict=True):
        size = (max(1, round(photo.width * height / photo.height)), height)
        cells += [_labelled(photo.resize(size, Image.BILINEAR), "photo"),
                  _labelled(colorize(truth).resize(size, Image.NEAREST), "CCP labels"),
                  _labelled(colorize(pred).resize(size, Image.NEAREST), "judge")]
    return _row(cells)


def comparison_picture(source_thumbs: Sequence[Image.Image], columns: dict[str, Sequence[Image.Image]]) -> Image.Image:
    """One row per input photo: the input, then one column per model."""
    header = ["input", *columns]
    rows = []
    for r, src in enumerate(source_thumbs):
        cells = [src, *(col[r] for col in columns.values())]
        if r == 0:
            cells = [_labelled(c, name[-28:]) for c, name in zip(cells, header, strict=True)]
        rows.append(_row(cells))
    return _stack(rows)


def _fmt(entry: dict | None, digits: int = 3, scale: float = 1.0) -> str:
    if not entry or entry.get("mean") is None:
        return "n/a"
    text = f"{entry['mean'] * scale:.{digits}f}"
    if entry.get("std") is not None:
        text += f" ± {entry['std'] * scale:.{digits}f}"
    return f"{text} (n={entry['n']})"


TABLE_COLUMNS: list[tuple[str, str, int, float]] = [
    # (summary key, or "/"-separated path into it, column title, digits, scale)
    ("success", "success rate ↑", 3, 1.0),
    ("parser_success", "parser success ↑", 3, 1.0),
    ("shape_success", "parser shape success ↑", 3, 1.0),
    ("colour_distance", "colour dist. ↓", 3, 1.0),
    ("texture_distance", "texture dist. ↓", 3, 1.0),
    ("psnr_preserved", "PSNR outside garment zone ↑", 1, 1.0),
    ("ssim_preserved", "SSIM outside garment zone ↑", 3, 1.0),
    ("skin_delta_e", "skin ΔE00 ↓", 2, 1.0),
    ("kid", "KID×10³ (judge features) ↓", 2, 1000.0),
    ("kid_realism", "KID×10³ (self-supervised features) ↓", 2, 1000.0),
    ("detectability/translation/patches", "detectability, patches (0.5 = unseen) ↓", 3, 1.0),
    ("detectability/translation/frame", "detectability, frame ↓", 3, 1.0),
    ("detectability/translation/both", "detectability, both views ↓", 3, 1.0),
]
DETECT_CONTROLS = {"real_vs_real": "real vs real (chance)", "do_nothing": "untranslated sources (do nothing)",
                   "known_bad": "edit region blurred (known bad)"}


def _lookup(summary: dict, path: str) -> dict | None:
    entry: object = summary
    for part in path.split("/"):
        entry = entry.get(part) if isinstance(entry, dict) else None
    return entry if isinstance(entry, dict) else None


def detectability_note(detect: dict) -> str:
    """One line: the detectability controls of a run (patches / frame accuracy, mean ± std over folds)."""
    if "skipped" in detect:
        return f"Detectability skipped: {detect['skipped']}."
    parts = [f"{title}: " + " / ".join(_fmt(_lookup(detect, f"{name}/{view}")) for view in ("patches", "frame", "both"))
             for name, title in DETECT_CONTROLS.items() if detect.get(name)]
    pool = f" ({detect['real_pool']} photos)" if "real_pool" in detect else ""
    trained = detect.get("garment_judge") or {}
    judged = [f"{title} {trained[name]:.3f}" for name, title in (("do_nothing", "do nothing"),
                                                                 ("translation", "translation"),
                                                                 ("known_bad", "blurred edit")) if name in trained]
    reference = (" The garment judge (trained on CCP's labels, not fresh) on the same frames against the whole "
                 "real pool: " + ", ".join(judged) + ".") if judged else ""
    return (f"Detectability controls against the same real target photos{pool} (patches / frame / both; held-out "
            "balanced accuracy of a fresh classifier, mean ± std over folds, n photos on the tested side): "
            + "; ".join(parts) + "." + reference)


def markdown_table(summaries: dict[str, dict]) -> str:
    """One row per model: every figure as mean (n=sample size); KID as mean ± std over subsets."""
    titles = ["model", *(c[1] for c in TABLE_COLUMNS)]
    lines = ["| " + " | ".join(titles) + " |", "|" + "---|" * len(titles)]
    for name, summary in summaries.items():
        cells = [name] + [_fmt(_lookup(summary, key), digits, scale) for key, _, digits, scale in TABLE_COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    first = next(iter(summaries.values()), {})
    notes = []
    if first.get("kid_source_reference"):
        notes.append("KID×10³ of the untranslated source photos against the same real target photos (the do-nothing "
                     f"reference): {_fmt(first['kid_source_reference'], 2, 1000.0)} (judge features)"
                     + (f", {_fmt(first['kid_realism_source_reference'], 2, 1000.0)} (self-supervised features)"
                        if first.get("kid_realism_source_reference") else "") + ".")
    if first.get("real_target_recognised", {}).get("mean") is not None:
        judge = "garment judge" if first.get("success_judge") == "garment judge" else "parser"
        notes.append(f"Success ({judge}) / parser success / parser shape-success tests applied to real "
                     f"target-domain photos (the ceilings): {_fmt(first['real_target_recognised'], 3)} / "
                     f"{_fmt(first.get('real_target_parser_recognised'), 3)} / "
                     f"{_fmt(first.get('real_target_shape_recognised'), 3)}.")
    if first.get("detectability"):
        notes.append(detectability_note(first["detectability"]))
    if notes:
        lines += ["", *(f"Reference: {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def save_picture(img: Image.Image, path: str | Path) -> None:
    """Evaluation pictures show translations, so they carry the AI-edit marking like every edited image."""
    save_png(img, path, ai_edit_metadata("evaluation report", "test photos", "translations",
                                         {"Description": "Evaluation picture made by DesignGAN: contains "
                                                         "AI-edited images (garment category changed)"}))
