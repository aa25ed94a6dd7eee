"""Real photos from outside CCP (eval_sets/outside_ccp): translate each with the bundled models in both directions,
check refusals and edits against the by-eye labels, print the counts and write a full-size contact sheet.

    PYTHONPATH=src python scripts/outside_ccp.py --out outputs/outside_ccp [--models jeans2skirt,pants2skirt]

What SHOULD happen, from ``labels.json`` (one entry per photo, its people left to right): a person whose lower
garment is of the model's source family (jeans / trousers -> the trousers family; skirt) should be edited; anyone
else must be left alone (already in the target family, shorts, "other", not visible); a dress is left alone when
translating to a skirt and is counted apart ("either") when translating from one. A photo without people must be
refused with "no person". The pipeline's answer is read from its output (``people`` edited, ``skipped``) or its
error; each person it edited or skipped is matched to the labelled person whose labelled hip point lies inside
their landmark box (or below it, for a person the frame cuts at the hips; the nearest box centre wins); edits
matching nobody are counted as "unlabelled edits".

Counts, per model and direction: photos with a result, refusals (correct, for the wrong reason, or missing an
edit), photos with a wrong edit, photos missing an edit, photos where only a dress ("either") or only people
nobody labelled were edited; per labelled person: edited as they should be, missed,
wrongly edited, correctly left. OUT gets one PNG per photo (the input with the labelled people numbered, then
each model and direction's result at the photo's own size, or a grey panel with the refusal), index.html,
summary.json and summary.md. No constant here is tuned on these photos (the matching margin is fixed below).

The label and source files are read (and checked) by :func:`read_set`, which ``tests/test_outside_ccp.py`` runs.
"""

from __future__ import annotations

import argparse
import html
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

SET_DIR = Path(__file__).resolve().parents[1] / "eval_sets" / "outside_ccp"
# where the photos may be: the set's own folder, or a copy beside the checkout (as the CCP dataset is)
PHOTO_DIRS = (SET_DIR / "photos", SET_DIR.parents[2] / "shared" / "outside_ccp" / "photos")
LOWER = ("jeans", "trousers", "skirt", "dress", "shorts", "other", "not visible")
FAMILY = {"jeans": "trousers", "trousers": "trousers", "skirt": "skirt", "shorts": "shorts", "dress": "dress"}
FRAMINGS = ("full", "cropped")
SOURCE_FIELDS = {"repository": ("repository", "path", "commit"), "package": ("package", "path")}
MARGIN = 0.04  # a labelled point this far outside a person's box (share of the photo's long side) still matches
CUT_BELOW = 0.95  # a labelled hip point this low (share of the height) means "cut off at the hips or above"
DEFAULT_MODELS = ("jeans2skirt", "pants2skirt")
PANEL_GREY = (200, 200, 200)


class SetError(ValueError):
    """The label or source file is malformed (the message names the file and the entry)."""


def read_set(set_dir: Path = SET_DIR) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(labels, sources by photo name) of the set, checked: every field known and typed, every photo labelled
    and sourced exactly once, every source with its licence and attribution."""
    labels_path, sources_path = set_dir / "labels.json", set_dir / "sources.json"
    labels = json.loads(labels_path.read_text())["photos"]
    sources = json.loads(sources_path.read_text())["photos"]
    seen: set[str] = set()
    for entry in labels:
        name = entry.get("photo")
        where = f"{labels_path}: {name}"
        if not isinstance(name, str) or name in seen:
            raise SetError(f"{where}: missing or repeated photo name")
        seen.add(name)
        if set(entry) != {"photo", "scene", "people", "notes"}:
            raise SetError(f"{where}: keys must be photo, scene, people, notes (got {sorted(entry)})")
        for i, person in enumerate(entry["people"], 1):
            if set(person) != {"x", "y", "lower", "framing", "notes"}:
                raise SetError(f"{where}: person {i}: keys must be x, y, lower, framing, notes")
            if person["lower"] not in LOWER or person["framing"] not in FRAMINGS:
                raise SetError(f"{where}: person {i}: lower must be one of {LOWER}, framing one of {FRAMINGS}")
            if not all(isinstance(person[k], int | float) and 0 <= person[k] <= 1 for k in ("x", "y")):
                raise SetError(f"{where}: person {i}: x and y must be shares of the photo (0..1)")
        xs = [p["x"] for p in entry["people"]]
        if xs != sorted(xs):
            raise SetError(f"{where}: people must be listed left to right")
    by_name: dict[str, dict[str, Any]] = {}
    for src in sources:
        name = src.get("photo")
        origin = src.get("origin")
        if name in by_name or origin not in SOURCE_FIELDS:
            raise SetError(f"{sources_path}: {name}: repeated photo, or origin not one of {tuple(SOURCE_FIELDS)}")
        for key in (*SOURCE_FIELDS[origin], "licence", "attribution"):
            if not isinstance(src.get(key), str) or not src[key].strip():
                raise SetError(f"{sources_path}: {name}: '{key}' is missing")
        by_name[name] = src
    if set(by_name) != seen:
        raise SetError(f"{set_dir}: labelled but not sourced: {sorted(seen - set(by_name))}; "
                       f"sourced but not labelled: {sorted(set(by_name) - seen)}")
    return labels, by_name


def find_photo(name: str, dirs: tuple[Path, ...] = PHOTO_DIRS) -> Path | None:
    return next((d / name for d in dirs if (d / name).is_file()), None)


def expected(person: dict[str, Any], source_family: str) -> str:
    """'edit', 'keep' or 'either' (a dress, translating from a skirt) for one labelled person."""
    family = FAMILY.get(person["lower"])
    if family == source_family:
        return "edit"
    return "either" if family == "dress" and source_family == "skirt" else "keep"


def match(boxes: list[tuple[float, float, float, float] | None], people: list[dict[str, Any]],
          size: tuple[int, int]) -> list[int | None]:
    """Per box, the index of the labelled person whose point lies inside it (nearest box centre first), or None."""
    w, h = size
    pad = MARGIN * max(w, h)
    pairs = []
    for b, box in enumerate(boxes):
        if box is None:
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        for p, person in enumerate(people):
            x, y = person["x"] * w, person["y"] * h
            # hips at (or below) the bottom edge: the seen landmarks' box ends above them
            bottom = box[3] + pad if person["y"] < CUT_BELOW else h
            if box[0] - pad <= x <= box[2] + pad and box[1] - pad <= y <= bottom:
                pairs.append(((x - cx) ** 2 + (y - cy) ** 2, b, p))
    out: list[int | None] = [None] * len(boxes)
    taken: set[int] = set()
    for _, b, p in sorted(pairs):
        if out[b] is None and p not in taken:
            out[b], taken = p, taken | {p}
    return out


def number(index: int | None) -> int | None:
    return None if index is None else index + 1


def judge(entry: dict[str, Any], result: Any, source_family: str, size: tuple[int, int]) -> dict[str, Any]:
    """What happened to one photo in one direction, against its labels."""
    from designgan.landmarks.regions import person_box

    people = entry["people"]
    want = [expected(p, source_family) for p in people]
    record: dict[str, Any] = {"expected": want}
    if isinstance(result, Exception):
        record["error"] = f"{type(result).__name__}: {result}"
        record["people_found"] = int(getattr(result, "people_found", 0))
        edited_boxes: list[Any] = []
        skipped = list(getattr(result, "skipped", []))
    else:
        record["people_found"] = result.people_found
        edited_boxes = [person_box(e.person.points) for e in result.people]
        skipped = result.skipped
    record["boxes"] = {"edited": [None if b is None else [round(v) for v in b] for b in edited_boxes],
                       "skipped": [s.get("box") for s in skipped]}
    edited = match(edited_boxes, people, size)
    record["edited"] = [number(i) for i in edited]  # labelled person numbers (1 = the leftmost)
    record["skipped"] = [{"reason": s.get("reason", ""), "person": number(match([s.get("box")], people, size)[0])}
                         for s in skipped]
    done = {i for i in edited if i is not None}
    tally = Counter()
    for i, w in enumerate(want):
        tally[{("edit", True): "edited_ok", ("edit", False): "missed", ("keep", True): "wrong_edit",
               ("keep", False): "left_ok", ("either", True): "dress_edited",
               ("either", False): "dress_left"}[(w, i in done)]] += 1
    tally["unlabelled_edits"] = sum(i is None for i in edited)
    if not people and edited:
        tally["wrong_edit"] += len(edited)  # anything edited on a photo without people is wrong
    record["people"] = dict(tally)
    should_edit = "edit" in want
    if "error" in record:
        if should_edit:
            outcome = "missed_edit"
        elif not people and (record["people_found"] > 0 or "NoPersonError" not in record["error"]):
            outcome = "refused_wrong_reason"
        else:
            outcome = "correct_refusal"
    elif tally["wrong_edit"]:
        outcome = "wrong_edit"
    elif not edited:  # an output that changed nobody
        outcome = "missed_edit" if should_edit else "correct_refusal"
    elif should_edit:
        outcome = "result_ok" if done & {i for i, w in enumerate(want) if w == "edit"} else "missed_edit"
    else:  # nobody should be edited, and only dresses or people nobody labelled were
        outcome = "either_edit" if tally["dress_edited"] else "unlabelled_edit"
    record["outcome"] = outcome
    return record


PHOTO_OUTCOMES = ("result_ok", "wrong_edit", "missed_edit", "either_edit", "unlabelled_edit", "correct_refusal",
                  "refused_wrong_reason")
PERSON_OUTCOMES = ("edited_ok", "missed", "wrong_edit", "left_ok", "dress_edited", "dress_left", "unlabelled_edits")


def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one fixed size
        return ImageFont.load_default()


def captioned(image: Image.Image, lines: list[str], colour: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """``image`` under a black band holding ``lines`` (wrapped to the image's width)."""
    f = font(18)
    wrapped: list[str] = []
    chars = max(20, image.width // 10)
    for line in lines:
        while len(line) > chars:
            cut = line.rfind(" ", 0, chars)
            cut = cut if cut > 0 else chars
            wrapped.append(line[:cut])
            line = "  " + line[cut:].lstrip()
        wrapped.append(line)
    band = 8 + 22 * len(wrapped)
    canvas = Image.new("RGB", (image.width, image.height + band), (0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    for i, line in enumerate(wrapped):
        draw.text((6, 4 + 22 * i), line, fill=colour, font=f)
    canvas.paste(image, (0, band))
    return canvas


def labelled_input(photo: Image.Image, entry: dict[str, Any]) -> Image.Image:
    """The input with each labelled person's number at their labelled point, captioned with the labels."""
    img = photo.copy()
    draw = ImageDraw.Draw(img)
    f = font(max(16, img.height // 30))
    r = max(10, img.height // 60)
    for i, p in enumerate(entry["people"], 1):
        x, y = p["x"] * img.width, min(p["y"] * img.height, img.height - r)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 210, 0), outline=(0, 0, 0))
        draw.text((x - r / 2, y - r), str(i), fill=(0, 0, 0), font=f)
    lines = [f"{entry['photo']} ({entry['scene']})"]
    lines += [f"#{i} {p['lower']} ({p['framing']}): {p['notes']}" for i, p in enumerate(entry["people"], 1)]
    return captioned(img, lines or ["no person"])


def result_panel(photo: Image.Image, result: Any, record: dict[str, Any], title: str) -> Image.Image:
    panel = Image.new("RGB", photo.size, PANEL_GREY) if isinstance(result, Exception) else result.image
    edited = ", ".join(f"#{n}" if n else "unlabelled" for n in record["edited"]) or "nobody"
    lines = [f"{title}: {record['outcome'].replace('_', ' ').upper()}",
             record.get("error", f"edited {edited}; people found {record['people_found']}")]
    lines += [f"left #{s['person'] or '?'}: {s['reason']}" for s in record["skipped"]]
    colour = (120, 255, 120) if record["outcome"] in ("result_ok", "correct_refusal") else (255, 120, 120)
    return captioned(panel, lines, colour)


def side_by_side(panels: list[Image.Image]) -> Image.Image:
    """Panels left to right, tops aligned (each at its own full size)."""
    sheet = Image.new("RGB", (sum(p.width for p in panels) + 8 * (len(panels) - 1), max(p.height for p in panels)),
                      (40, 40, 40))
    x = 0
    for p in panels:
        sheet.paste(p, (x, 0))
        x += p.width + 8
    return sheet


def summarise(records: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """Per 'model -> target': photo outcome counts, person outcome counts, photos run."""
    out: dict[str, dict[str, int]] = {}
    for run, by_photo in records.items():
        counts = Counter(r["outcome"] for r in by_photo.values())
        people = Counter()
        for r in by_photo.values():
            people.update(r["people"])
        out[run] = {"photos": len(by_photo), "results": sum("error" not in r for r in by_photo.values()),
                    "refusals": sum("error" in r for r in by_photo.values()),
                    **{k: counts[k] for k in PHOTO_OUTCOMES},
                    **{f"people_{k}": people[k] for k in PERSON_OUTCOMES}}
    return out


def table(summary: dict[str, dict[str, int]]) -> str:
    cols = ["photos", "results", "refusals", *PHOTO_OUTCOMES, *(f"people_{k}" for k in PERSON_OUTCOMES)]
    lines = ["| run | " + " | ".join(c.replace("_", " ") for c in cols) + " |",
             "|---|" + "---:|" * len(cols)]
    lines += [f"| {run} | " + " | ".join(str(row[c]) for c in cols) + " |" for run, row in summary.items()]
    return "\n".join(lines)


def by_garment(labels: list[dict[str, Any]], records: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Per labelled lower garment and framing: how many of those people each run edited ("edited / people";
    a person is edited when an edit matched them)."""
    rows: dict[tuple[str, str], list[int]] = {}
    runs = list(records)
    for entry in labels:
        for i, person in enumerate(entry["people"], 1):
            row = rows.setdefault((person["lower"], person["framing"]), [0] * (len(runs) + 1))
            row[0] += 1
            for r, run in enumerate(runs, 1):
                row[r] += i in (records[run].get(entry["photo"], {}).get("edited") or [])
    lines = ["| lower garment | framing | people | " + " | ".join(runs) + " |", "|---|---|---:|" + "---:|" * len(runs)]
    lines += [f"| {lower} | {framing} | {row[0]} | " + " | ".join(str(v) for v in row[1:]) + " |"
              for (lower, framing), row in sorted(rows.items(), key=lambda kv: (LOWER.index(kv[0][0]), kv[0][1]))]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="output folder (contact sheet, summary)")
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS), help="bundled models, comma-separated")
    ap.add_argument("--photos", type=Path, action="append", help="folder(s) holding the photos (default: "
                    + ", ".join(str(d) for d in PHOTO_DIRS) + ")")
    ap.add_argument("--limit", type=int, default=0, help="only the first N photos (0: all)")
    args = ap.parse_args()

    import torch

    from designgan.io import load_image, save_image, write_json_atomic, write_text_atomic
    from designgan.landmarks.regions import garment_family
    from designgan.pipeline import DesignGANPipeline

    torch.set_num_threads(1)
    labels, sources = read_set()
    dirs = tuple(args.photos) if args.photos else PHOTO_DIRS
    present = [(e, find_photo(e["photo"], dirs)) for e in labels]
    missing = [e["photo"] for e, p in present if p is None]
    if missing:
        print(f"{len(missing)} of {len(labels)} photos not found in {', '.join(map(str, dirs))}: skipped")
    present = [(e, p) for e, p in present if p is not None][: args.limit or None]
    runs: list[tuple[str, Any, str, str]] = []  # (run name, pipeline, target, source family)
    for name in args.models.split(","):
        pipe = DesignGANPipeline.from_pretrained(name)
        for target in pipe.categories[::-1]:  # to the skirt first, then back
            source = pipe.direction(target)[1]
            runs.append((f"{name} -> {target}", pipe, target, garment_family(source)))
    args.out.mkdir(parents=True, exist_ok=True)
    records: dict[str, dict[str, dict[str, Any]]] = {run: {} for run, *_ in runs}
    rows = []
    for k, (entry, path) in enumerate(present, 1):
        tic = time.perf_counter()
        photo = load_image(path)
        panels = [labelled_input(photo, entry)]
        line = []
        for run, pipe, target, source_family in runs:
            result = pipe.translate_batch([photo], target, return_errors=True)[0]
            record = judge(entry, result, source_family, photo.size)
            records[run][entry["photo"]] = record
            panels.append(result_panel(photo, result, record, run))
            line.append(f"{run}: {record['outcome']}")
        sheet_name = Path(entry["photo"]).stem + ".png"
        save_image(side_by_side(panels), args.out / sheet_name)
        rows.append((entry["photo"], sheet_name, [records[r][entry["photo"]]["outcome"] for r, *_ in runs]))
        print(f"[{k}/{len(present)}] {entry['photo']} ({time.perf_counter() - tic:.1f}s): " + "; ".join(line),
              flush=True)
    summary = summarise(records)
    garments = by_garment([e for e, _ in present], records)
    print(table(summary))
    print(garments)
    write_json_atomic(args.out / "summary.json", {"summary": summary, "missing_photos": missing,
                                                  "records": records})
    write_text_atomic(args.out / "summary.md", table(summary) + "\n\nPeople edited, by labelled garment:\n\n"
                      + garments + "\n")
    head = "".join(f"<th>{html.escape(r)}</th>" for r, *_ in runs)
    body = "".join(f"<tr><td><a href='{html.escape(s)}'>{html.escape(p)}</a></td>"
                   + "".join(f"<td>{o.replace('_', ' ')}</td>" for o in outs) + "</tr>" for p, s, outs in rows)
    licences = Counter(sources[p]["licence"] for p, _, _ in rows)
    write_text_atomic(args.out / "index.html",
                      "<html><body><h1>Outside-CCP photos</h1><p>" + html.escape(str(dict(licences)))
                      + f"</p><pre>{html.escape(table(summary))}</pre><table border=1><tr><th>photo</th>{head}</tr>"
                      + body + "</table></body></html>\n")
    print(f"contact sheet: {args.out}/index.html ({len(rows)} photos)")


if __name__ == "__main__":
    main()
