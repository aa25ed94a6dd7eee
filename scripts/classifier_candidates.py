"""Second opinions for the garment classifier, measured on its held-out photos (issue 27; none beat the shipped one).

The shipped classifier fuses the six CNNs with the landmark network's trouser evidence cut into three bins
(:mod:`designgan.landmarks.garment_classifier`). Candidates, each fitted on CCP training photos only and scored on
the held-out ones (pixel-level ids divisible by 10, and the held-out image-level dress / leggings photos), landmarks
from the judge's cache:

- a logistic regression on landmark features (confidences of the garment, knee and ankle landmarks; hem height,
  hem / knee / ankle spread per hip width, crotch height), multiplied in as a likelihood (``q(family | x) / prior``)
  in place of the bins, for several L2 weights, fitted on the pixel-level training photos (``--with-tagged``: also
  the tagged image-level ones);
- test-time views: the CNNs averaged over frames scaled 0.9-1.1 (and shifted by 4%), then the bins.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/classifier_candidates.py [--ccp ../shared/datasets/ccp]
        [--landmarks-cache runs/garment_judge2/ccp_landmarks.jsonl] [--with-tagged]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from designgan.data import CCP
from designgan.eval.garment_judge_data import GarmentSamples, tagged_extra
from designgan.eval.garment_judge_train import split_tagged
from designgan.eval.judge_data import judge_split
from designgan.io import image_size, load_image
from designgan.landmarks.ccp_points import ccp_landmarks
from designgan.landmarks.garment_classifier import (
    FRAME_SIZE,
    GarmentJudge,
    crop_image,
    frame_matrix,
    fuse,
    read_evidence,
)

CONFIDENCES = ("left_hem", "right_hem", "left_inner_hem", "right_inner_hem", "crotch", "left_upper_hem",
               "right_upper_hem", "left_waistline", "right_waistline", "left_knee", "right_knee", "left_ankle",
               "right_ankle")
VIEWS = {"3 scales": [(1.0, 0, 0), (0.9, 0, 0), (1.1, 0, 0)],
         "7 views": [(1.0, 0, 0), (0.9, 0, 0), (1.1, 0, 0), (1.0, 0, 0.04), (1.0, 0, -0.04), (1.0, 0.04, 0),
                     (1.0, -0.04, 0)]}


def features(points: dict, photo_height: int) -> np.ndarray | None:
    """Landmark features of a photo with an ankle in view (else None, as the evidence)."""
    if read_evidence(points, photo_height) is None:
        return None
    xy = {n: np.array(p[:2], dtype=np.float64) for n, p in points.items()}
    hip = (xy["left_hip"] + xy["right_hip"]) / 2
    leg = max(float(np.linalg.norm((xy["left_ankle"] + xy["right_ankle"]) / 2 - hip)), 1.0)
    hips = max(abs(xy["left_hip"][0] - xy["right_hip"][0]), 0.1 * leg)

    def height(a: str, b: str) -> float:
        return float(np.clip(((xy[a][1] + xy[b][1]) / 2 - hip[1]) / leg, -3, 3))

    def spread(a: str, b: str) -> float:
        return float(np.clip(abs(xy[a][0] - xy[b][0]) / hips, -3, 3))

    geometry = [height("left_hem", "right_hem"), spread("left_hem", "right_hem"),
                height("left_upper_hem", "right_upper_hem"), spread("left_upper_hem", "right_upper_hem"),
                height("left_inner_hem", "right_inner_hem"), spread("left_inner_hem", "right_inner_hem"),
                spread("left_knee", "right_knee"), spread("left_ankle", "right_ankle"),
                float(np.clip((xy["crotch"][1] - hip[1]) / leg, -3, 3))]
    return np.array([float(points[n][2]) if n in points else 0.0 for n in CONFIDENCES] + geometry)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, classes: int = 3):
    """Multinomial logistic regression on standardised features (L-BFGS); returns the predict function."""
    mu, sd = x.mean(0), x.std(0) + 1e-6
    xs, target = torch.tensor((x - mu) / sd), torch.tensor(y)
    w = torch.zeros(x.shape[1], classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=500)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(xs @ w + b, target) + l2 * (w ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return lambda z: torch.softmax(torch.tensor((z - mu) / sd) @ w + b, -1).detach().numpy()


def jittered(matrix: np.ndarray, scale: float, dx: float, dy: float) -> np.ndarray:
    """The frame matrix scaled about the frame's centre and shifted by a share of its size."""
    h, w = FRAME_SIZE
    cx, cy = (w - 1) / 2, (h - 1) / 2
    view = np.array([[scale, 0, cx * (1 - scale) + dx * w], [0, scale, cy * (1 - scale) + dy * h], [0, 0, 1]])
    return (view @ np.vstack([matrix, [0, 0, 1]]))[:2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccp", type=Path, default=Path("../shared/datasets/ccp"))
    parser.add_argument("--landmarks-cache", type=Path, default=Path("runs/garment_judge2/ccp_landmarks.jsonl"))
    parser.add_argument("--with-tagged", action="store_true", help="fit also on the tagged training photos")
    args = parser.parse_args()
    torch.set_num_threads(1)
    ccp = CCP(args.ccp)
    train_ids, held_ids = judge_split(ccp)
    tagged = tagged_extra(ccp)
    tagged_train, tagged_held = split_tagged(tagged)
    points = ccp_landmarks(ccp, train_ids + held_ids + tagged_train + tagged_held, args.landmarks_cache)
    sets = {name: GarmentSamples(ccp, ids, points, tagged=tagged) for name, ids in
            [("train", train_ids + (tagged_train if args.with_tagged else [])), ("pixel-level", held_ids),
             ("image-level", tagged_held)]}
    rows = [(features(points[i], image_size(ccp.photo_path(i))[1]), int(f))
            for i, f in zip(sets["train"].ids, sets["train"].families.tolist(), strict=True)]
    x = np.array([r for r, _ in rows if r is not None])
    y = np.array([f for r, f in rows if r is not None])
    prior = np.bincount(y, minlength=3) / len(y)
    stackers = {l2: fit_logistic(x, y, l2) for l2 in (0.01, 0.03, 0.1)}
    judge = GarmentJudge.load()
    for name in ("pixel-level", "image-level"):
        ids, truth = sets[name].ids, sets[name].families.numpy()
        photos = [load_image(ccp.photo_path(i)) for i in tqdm(ids, desc=name)]
        evidence = [read_evidence(points[i], p.height) for i, p in zip(ids, photos, strict=True)]
        cnn = judge.classify(photos, [points[i] for i in ids])

        def accuracy(probs: np.ndarray, truth: np.ndarray = truth) -> str:
            return f"{(probs.argmax(1) == truth).mean():.3f}"

        print(f"{name} held-out photos (n={len(ids)}): CNNs alone {accuracy(cnn)}, with the evidence bins (shipped) "
              f"{accuracy(fuse(cnn, evidence, judge.evidence_table))}")
        for l2, stacker in stackers.items():
            fused = cnn.copy()
            for k, (i, photo) in enumerate(zip(ids, photos, strict=True)):
                f = features(points[i], photo.height)
                if f is not None:
                    row = cnn[k] * stacker(f[None])[0] / prior
                    fused[k] = row / row.sum()
            print(f"  landmark-feature regression (L2 {l2}) instead of the bins: {accuracy(fused)}")
        for view_name, views in VIEWS.items():
            probs = np.mean([judge.probabilities(np.stack([crop_image(p, jittered(frame_matrix(points[i]), *v),
                                                                      FRAME_SIZE)
                                                           for i, p in zip(ids, photos, strict=True)]))
                             for v in views], axis=0)
            print(f"  test-time views ({view_name}), then the bins: "
                  f"{accuracy(fuse(probs, evidence, judge.evidence_table))}")


if __name__ == "__main__":
    main()
