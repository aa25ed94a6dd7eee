"""Training of the presence judge: does the garment classifier's frame show a person's lower body at all?

The landmark network regresses one person per input whatever is there, so the pipeline frames "people" in a lion's
fur or a drawn landscape (issue 27). The presence judge is the garment judge's network with two outputs (person,
none), trained on the same frames: positives are the garment judge's training frames (CCP photos, knee and calf
crops continued down as the pipeline frames them), negatives are frames of things that are not people:

- CCP backgrounds: boxes of the frame's shape in the training photos whose label map is almost all background
  (street, walls, cars, shop windows: real photographs, never a person's garment);
- pictures without people (``pictures``: drawn in code, objects shipped in installed wheels; the caller chooses
  them, never the done-when photos), boxes of random size and place.

Negative frames' per-pixel maps are all background (the auxiliary target). Held out: CCP's held-out ids (ids
divisible by 10), their backgrounds, and the pictures the caller holds out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from designgan.data import CCP
from designgan.eval.garment_judge import crop_image
from designgan.eval.garment_judge_data import CONTEXT, GarmentSamples, tagged_extra
from designgan.eval.garment_judge_train import GarmentJudgeTrainConfig, fit_judge, heldout_scores, split_tagged
from designgan.eval.judge_data import judge_split
from designgan.io import load_image
from designgan.landmarks.ccp_points import ccp_landmarks
from designgan.landmarks.garment_classifier import GARMENT_FRAME, PRESENCE_CLASSES, export_presence
from designgan.landmarks.garment_family import PIXEL_CLASSES
from designgan.supervised import run_record

BACKGROUND = PIXEL_CLASSES.index("background")
MIN_BACKGROUND = 0.95  # share of a CCP box that must be labelled background to count as "no person"


def box_matrix(x0: float, y0: float, box_h: float, size: tuple[int, int]) -> np.ndarray:
    """Photo -> crop matrix (2x3) of a box ``box_h`` pixels tall from (x0, y0), of the crop's aspect."""
    s = size[0] / box_h
    return np.array([[s, 0.0, -s * x0], [0.0, s, -s * y0]])


def random_boxes(width: int, height: int, n: int, rng: np.random.Generator, size: tuple[int, int],
                 scale: tuple[float, float]) -> list[tuple[float, float, float]]:
    """``n`` boxes (x0, y0, box height) of the crop's aspect, ``scale`` times the picture's height (at most its
    width's worth), inside the picture."""
    aspect = size[1] / size[0]
    out = []
    for _ in range(n):  # a pixel's margin: the crop's edge pixels sample half a pixel beyond the box
        box_h = min(rng.uniform(*scale) * height, (width - 2) / aspect, height - 2)
        box_w = box_h * aspect
        out.append((rng.uniform(1, width - 1 - box_w), rng.uniform(1, height - 1 - box_h), box_h))
    return out


class FrameSet:
    """Context crops (uint8, N x 3 x H x W), per-pixel maps (N x H x W) and class ids, shaped like
    :class:`GarmentSamples` so :func:`designgan.eval.garment_judge_data.make_batch` draws batches from it."""

    def __init__(self, images: list[torch.Tensor], labels: list[torch.Tensor], classes: list[int], ids: list[str]):
        self.size = GARMENT_FRAME.widened(CONTEXT).size
        self.images = torch.stack(images) if images else torch.zeros((0, 3, *self.size), dtype=torch.uint8)
        self.labels = torch.stack(labels) if labels else torch.zeros((0, *self.size), dtype=torch.uint8)
        self.families = torch.tensor(classes, dtype=torch.long)
        self.ids = ids
        self.hip_row = round(GARMENT_FRAME.widened(CONTEXT).hip_y * self.size[0])

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def join(cls, *parts: FrameSet | GarmentSamples, classes: Sequence[int]) -> FrameSet:
        """One set of ``parts``, every frame of part k given class ``classes[k]``."""
        out = cls([], [], [], [])
        out.images = torch.cat([p.images for p in parts])
        out.labels = torch.cat([p.labels for p in parts])
        out.families = torch.cat([torch.full((len(p),), c, dtype=torch.long) for p, c in zip(parts, classes,
                                                                                             strict=True)])
        out.ids = [i for p in parts for i in p.ids]
        return out


def negative_frames(crops: list[tuple[str, Image.Image, np.ndarray]]) -> FrameSet:
    """Frames of things that are not people: (id, picture, photo -> crop matrix) each; all background."""
    size = GARMENT_FRAME.widened(CONTEXT).size
    images = [torch.from_numpy(crop_image(img, m, size)).permute(2, 0, 1) for _, img, m in crops]
    labels = [torch.full(size, BACKGROUND, dtype=torch.uint8) for _ in crops]
    return FrameSet(images, labels, [0] * len(crops), [name for name, _, _ in crops])


def ccp_backgrounds(ccp: CCP, ids: list[str], per_photo: int, seed: int, progress: bool = True) -> FrameSet:
    """Boxes of CCP photos labelled almost all background (:data:`MIN_BACKGROUND`), up to ``per_photo`` a photo
    (of 8 tries each), a fifth to two thirds of the photo's height."""
    size = GARMENT_FRAME.widened(CONTEXT).size
    rng = np.random.default_rng(seed)
    crops = []
    for image_id in tqdm(ids, desc="CCP backgrounds", disable=not progress, leave=False):
        img = load_image(ccp.photo_path(image_id))
        labels = ccp.load_label_map(image_id, size=img.size)
        kept = 0
        for x0, y0, box_h in random_boxes(img.width, img.height, 8 * per_photo, rng, size, (0.2, 0.67)):
            box_w = box_h * size[1] / size[0]
            window = labels[int(y0):int(y0 + box_h), int(x0):int(x0 + box_w)]
            if window.size and (window == 0).mean() >= MIN_BACKGROUND:
                crops.append((f"{image_id}@{int(x0)},{int(y0)}", img, box_matrix(x0, y0, box_h, size)))
                kept += 1
                if kept == per_photo:
                    break
    return negative_frames(crops)


def picture_frames(pictures: Sequence[tuple[str, Image.Image]], per_picture: int, seed: int) -> FrameSet:
    """``per_picture`` random boxes (a third to all of the height) of each picture without people."""
    size = GARMENT_FRAME.widened(CONTEXT).size
    rng = np.random.default_rng(seed)
    crops = [(f"{name}@{int(x0)},{int(y0)}", img, box_matrix(x0, y0, box_h, size))
             for name, img in pictures
             for x0, y0, box_h in random_boxes(img.width, img.height, per_picture, rng, size, (0.33, 1.0))]
    return negative_frames(crops)


def presence_sets(ccp_root: str | Path, pictures: Sequence[tuple[str, Image.Image]],
                  held_pictures: Sequence[tuple[str, Image.Image]], landmarks_cache: Path, per_photo: int = 2,
                  per_picture: int = 12, seed: int = 0, max_images: int = 0,
                  log: Callable[[str], None] = print) -> tuple[FrameSet, FrameSet]:
    """(training set, held-out set): people (class 0, "person") and frames without one (class 1, "none")."""
    ccp = CCP(ccp_root)
    train_ids, held_ids = judge_split(ccp)
    tagged = tagged_extra(ccp)
    tagged_train, _ = split_tagged(tagged)
    if max_images:
        train_ids, held_ids, tagged_train = train_ids[:max_images], held_ids[:max_images], tagged_train[:max_images]
    points = ccp_landmarks(ccp, train_ids + held_ids + tagged_train, landmarks_cache, log=log)
    people = GarmentSamples(ccp, train_ids + tagged_train, points, tagged=tagged)
    held_people = GarmentSamples(ccp, held_ids, points)
    none = FrameSet.join(ccp_backgrounds(ccp, train_ids, per_photo, seed),
                         picture_frames(pictures, per_picture, seed), classes=(1, 1))
    held_none = FrameSet.join(ccp_backgrounds(ccp, held_ids, per_photo, seed + 1),
                              picture_frames(held_pictures, per_picture, seed + 1), classes=(1, 1))
    log(f"presence judge: {len(people)} people and {len(none)} frames without one to train on; "
        f"{len(held_people)} and {len(held_none)} held out")
    return (FrameSet.join(people, none, classes=(0, 1)), FrameSet.join(held_people, held_none, classes=(0, 1)))


def train_presence(ccp_root: str | Path, out_dir: str | Path, config: GarmentJudgeTrainConfig,
                   pictures: Sequence[tuple[str, Image.Image]], held_pictures: Sequence[tuple[str, Image.Image]],
                   landmarks_cache: Path, export_to: str | Path | None = None, resume: bool = False,
                   log: Callable[[str], None] = print) -> dict:
    """Train the presence judge (or continue from ``out_dir/last.pt``); returns its held-out scores. ``config``:
    the garment judge's training settings (``cut_legs``: knee crops stay people)."""
    torch.set_num_threads(config.threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_set, held_set = presence_sets(ccp_root, pictures, held_pictures, landmarks_cache, seed=config.seed,
                                        max_images=config.max_images, log=log)
    ema, history, trained_s = fit_judge(train_set, held_set, config, out_dir, PRESENCE_CLASSES, resume, log)
    scores = heldout_scores(ema, held_set, PRESENCE_CLASSES)
    meta = {**run_record(config, history, trained_s), "heldout": scores, "train_frames": len(train_set),
            "train_classes": dict(zip(PRESENCE_CLASSES, np.bincount(train_set.families.numpy(), minlength=2).tolist(),
                                      strict=True)),
            "pictures": [name for name, _ in pictures], "held_pictures": [name for name, _ in held_pictures],
            "heldout_split": "CCP pixel-level ids divisible by 10 and their backgrounds; held_pictures"}
    for path in [out_dir / "garment_presence.safetensors", *([export_to] if export_to is not None else [])]:
        export_presence(ema, path, meta)
    return scores
