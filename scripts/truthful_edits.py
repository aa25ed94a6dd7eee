"""Issue 27's done-when table: does the pipeline edit only what is there, and say only what it did?

    OMP_NUM_THREADS=1 .venv/bin/python scripts/truthful_edits.py [--json out.json] \\
        [--eval a2b=outputs/eval/jeans2skirt_a2b b2a=outputs/eval/jeans2skirt_b2a ...]

Rows (the bundled ``jeans2skirt`` model, photos drawn with seed 0 from the CCP test splits of the built datasets,
never used for choosing a threshold):

- 40 random skirt photos (data/jeans_skirt testB) ``--to skirt``: how many were edited (goal: at most 1);
- 40 random jeans photos (data/jeans_skirt testA) ``--to jeans``: how many were edited (goal: at most 1);
- 20 random shorts photos (data/pants_shorts testB) ``--to skirt``: how many were tagged with a garment they do not
  wear (an edit claiming anything but "shorts -> ...") (goal: 0);
- 12 photos without people (scripts/no_person_photos.py: 7 drawn, 5 from Gradio's wheel): how many were edited
  (goal: 0) and how many refused as "no person found" (goal: 12);
- with ``--eval``: the whole test split's translations from ``designgan eval`` report folders (translated of all,
  success rate), e.g. before and after.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter
from pathlib import Path

import torch
from tqdm import tqdm

from designgan.errors import DesignGANError
from designgan.io import load_image
from designgan.pipeline import DesignGANPipeline, PipelineOutput

sys.path.insert(0, str(Path(__file__).resolve().parent))
from no_person_photos import done_when_photos


def test_photos(dataset: Path, domain: str, n: int, seed: int = 0) -> list[Path]:
    rows = [json.loads(line) for line in (dataset / "manifest.jsonl").read_text().splitlines() if line.strip()]
    paths = sorted(dataset / r["image"] for r in rows if r["split"] == "test" and r["domain"] == domain)
    return random.Random(seed).sample(paths, min(n, len(paths)))


def translate(pipe: DesignGANPipeline, photos: list, to: str, desc: str) -> list[dict]:
    """One row per photo: edited or not, the claim written, or the reason it was refused."""
    rows = []
    for name, photo in tqdm(photos, desc=desc):
        try:
            out = pipe.translate_batch([photo], to, return_errors=True)[0]
        except DesignGANError as exc:
            out = exc
        if isinstance(out, PipelineOutput):
            rows.append({"photo": name, "edited": True, "claim": out.claim,
                         "skipped": [s["reason"] for s in out.skipped]})
        else:
            rows.append({"photo": name, "edited": False, "error": str(out),
                         "skipped": [s["reason"] for s in getattr(out, "skipped", [])]})
    return rows


def eval_row(folder: Path) -> dict:
    metrics = json.loads((folder / "metrics.json").read_text())
    with open(folder / "per_image.csv", newline="") as fh:
        errors = sum(1 for r in csv.DictReader(fh) if r.get("error"))
    images = int(metrics["images"])
    return {"translated": images - errors, "images": images, "success": metrics["success_rate"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--json", type=Path, default=None, help="also write every row here")
    parser.add_argument("--eval", nargs="*", default=[], metavar="LABEL=FOLDER",
                        help="designgan eval report folders to summarise (e.g. a2b_after=outputs/eval/x)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    pipe = DesignGANPipeline.from_pretrained("jeans2skirt")
    js, ps = args.data / "jeans_skirt", args.data / "pants_shorts"

    def named(paths: list[Path]) -> list[tuple[str, object]]:
        return [(p.name, load_image(p)) for p in paths]

    results = {
        "skirt photos --to skirt": translate(pipe, named(test_photos(js, "b", 40)), "skirt", "skirts --to skirt"),
        "jeans photos --to jeans": translate(pipe, named(test_photos(js, "a", 40)), "jeans", "jeans --to jeans"),
        "shorts photos --to skirt": translate(pipe, named(test_photos(ps, "b", 20)), "skirt", "shorts --to skirt"),
        "photos without people --to skirt": translate(pipe, done_when_photos(), "skirt", "no people"),
    }
    print("\n| case | photos | edited | goal | refusals |")
    print("|---|---|---|---|---|")
    for case, rows in results.items():
        edited = [r for r in rows if r["edited"]]
        reasons = Counter(reason for r in rows for reason in r["skipped"])
        if case.startswith("photos without"):
            refused = sum("no person found" in r.get("error", "") for r in rows)
            goal, extra = "0 edited, all refused 'no person'", f"{refused} refused 'no person found'"
        elif case.startswith("shorts"):
            wrong = [r for r in edited if not r["claim"].startswith("shorts ->")]
            goal = "none tagged with a garment it is not"
            extra = f"{len(wrong)} tagged wrongly ({', '.join(sorted({r['claim'] for r in wrong})) or '-'}); " + \
                ", ".join(f"{k} {v}" for k, v in reasons.most_common())
        else:
            goal, extra = "at most 1 edited", ", ".join(f"{k} {v}" for k, v in reasons.most_common())
        print(f"| {case} | {len(rows)} | {len(edited)} | {goal} | {extra} |")
    for item in args.eval:
        label, _, folder = item.partition("=")
        row = eval_row(Path(folder))
        print(f"| whole test split, {label} | {row['images']} | {row['translated']} translated | "
              f"success {row['success']:.4f} | {folder} |")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
