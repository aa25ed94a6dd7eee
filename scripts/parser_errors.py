"""Where the parser's held-out mIoU goes: how much of the gap to the goal (0.55) is the *class* of whole lower
garments (jeans or pants, skirt or dress) rather than their outline.

    PYTHONPATH=src python scripts/parser_errors.py [--ccp-root ../shared/datasets/ccp]
        [--landmarks-cache data/ccp_pixel_landmarks.jsonl]

Parses the judge's 100 held-out CCP photos once, then prints the mIoU (and the lower-garment IoUs) of the parse
as it is and with every lower-garment pixel (jeans, pants, skirt, shorts, dress) relabelled to one class per
photo, chosen by:

- ``oracle class``: CCP's own majority lower-garment class of the photo (an upper bound: the outline kept, the
  class right);
- ``oracle family``: CCP's family (trousers / skirt / shorts), the class within it by the parser's pixel vote
  (the family's most frequent class where the parser has none of its pixels);
- ``garment judge``: the garment judge's family (with its evidence), the class within it by the parser's vote;
- ``parser vote``: the parser's own majority class.

The last two are things the toolkit could do without labels; the first two say what they could at best reach.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from designgan.data import CCP
from designgan.eval.classes import JUDGE_CLASSES, NUM_CLASSES, ccp_lookup
from designgan.eval.garment_eval import read_landmark_cache
from designgan.eval.garment_judge import GarmentJudge
from designgan.eval.judge import Judge
from designgan.eval.judge_data import judge_split
from designgan.eval.segmentation import confusion_matrix, segmentation_scores
from designgan.io import load_image

# each family's classes, the most frequent in CCP's training photos first (the class of a family the parser has no
# pixels of)
FAMILY_CLASSES = [[JUDGE_CLASSES.index(c) for c in family] for family in (("pants", "jeans"), ("dress", "skirt"),
                                                                           ("shorts",))]
LOWER = [c for family in FAMILY_CLASSES for c in family]
Relabel = Callable[[int, np.ndarray, np.ndarray], np.ndarray]


def majority(labels: np.ndarray, classes: list[int]) -> int | None:
    counts = [int((labels == c).sum()) for c in classes]
    return classes[int(np.argmax(counts))] if max(counts) else None


def relabelled(pred: np.ndarray, cls: int | None) -> np.ndarray:
    """``pred`` with every lower-garment pixel set to ``cls`` (unchanged where ``cls`` is None)."""
    out = pred.copy()
    if cls is not None:
        out[np.isin(pred, LOWER)] = cls
    return out


def family_of_labels(labels: np.ndarray) -> int | None:
    counts = [int(np.isin(labels, family).sum()) for family in FAMILY_CLASSES]
    return int(np.argmax(counts)) if max(counts) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccp-root", type=Path, default=Path("../shared/datasets/ccp"))
    parser.add_argument("--landmarks-cache", type=Path, default=Path("data/ccp_pixel_landmarks.jsonl"))
    args = parser.parse_args()
    ccp = CCP(args.ccp_root)
    _, held = judge_split(ccp)
    table, judge = ccp_lookup(ccp.label_names), Judge.load()
    points = read_landmark_cache(args.landmarks_cache)
    missing = [i for i in held if i not in points]
    if missing:
        raise SystemExit(f"{args.landmarks_cache}: no landmarks for {len(missing)} held-out photos (e.g. "
                         f"{missing[0]}); make it with `designgan judge train-garment` or `ccp_landmarks`")
    images = [load_image(ccp.photo_path(i)) for i in held]
    parses = [judge.parse(img).labels for img in tqdm(images, desc="parsing held-out photos")]
    truths = [table[ccp.load_label_map(i, size=img.size)] for i, img in zip(held, images, strict=True)]
    families = GarmentJudge.load().classify_read(images, [points[i]["points"] for i in held]).argmax(1)

    def within(family: int | None, pred: np.ndarray) -> int | None:
        if family is None:
            return None
        return majority(pred, FAMILY_CLASSES[family]) or FAMILY_CLASSES[family][0]

    rules: dict[str, Relabel] = {
        "as parsed": lambda k, pred, truth: pred,
        "oracle class": lambda k, pred, truth: relabelled(pred, majority(truth, LOWER)),
        "oracle family": lambda k, pred, truth: relabelled(pred, within(family_of_labels(truth), pred)),
        "garment judge": lambda k, pred, truth: relabelled(pred, within(int(families[k]), pred)),
        "parser vote": lambda k, pred, truth: relabelled(pred, majority(pred, LOWER)),
    }
    names = ("jeans", "pants", "skirt", "shorts", "dress")
    print(f"{'relabelled by':<14} mIoU   " + " ".join(f"{n:>6}" for n in names))
    for name, rule in rules.items():
        confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
        for k, (pred, truth) in enumerate(zip(parses, truths, strict=True)):
            confusion += confusion_matrix(rule(k, pred, truth), truth, NUM_CLASSES)
        scores = segmentation_scores(confusion, JUDGE_CLASSES)
        print(f"{name:<14} {scores['miou']:.3f}  " + " ".join(f"{scores['per_class_iou'][n]:6.3f}" for n in names))


if __name__ == "__main__":
    main()
