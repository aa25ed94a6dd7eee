"""Detectability: can a fresh classifier tell translated photos from real photos of the target garment?

A two-sample classifier test. A small CNN is trained **from scratch** (no pretrained features, nothing shipped) to
separate two populations of photos, with k-fold cross-validation grouped by photo (a photo's patches are never in
training and test at once); its held-out accuracy is the figure: 0.5 = it cannot tell them apart, 1.0 = it always
can. Two views of each photo, each with its own classifier:

- *patches*: ``patches`` squares of ``patch_size`` pixels drawn from the edited region (for a real photo: its
  lower-body zone, the parser's lower garments, legwear, shoes and leg skin), read from the landmark-aligned
  lower-body frame resampled at 480 x 300 (close to the photos' own resolution: the leg is ~310 pixels long). The
  per-patch scores of a photo are averaged into one verdict. Patches see fabric, edges, shading, smears and tiling,
  not the whole person, so they mostly read *how* the region was made.
- *frame*: the whole 160 x 100 lower-body frame (the garment judge's view): silhouette and proportions, at low
  resolution.

What it can and cannot see: the populations are balanced (the same number of photos each, drawn with a seed), but
translated photos come from other people than the real targets, so a difference in who is photographed (pose,
background, lighting, camera) can still be read, by the frame classifier more than by the patches. The *real vs
real* control (two disjoint halves of the real photos) shows what chance reads; the *do-nothing* control (the
untranslated sources against the same real photos) what an untouched garment scores; the *known-bad* control what an
obvious fault scores. Resampling into the frame blurs the JPEG block grid of real photos, so its absence in the
repainted region is a weak cue, not removed entirely. A small CNN trained on a few hundred photos misses subtle
faults a person sees; a high figure is a fault found, a low one is not proof of realism.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import torch
from PIL import Image
from torch import nn

from designgan.errors import DataError
from designgan.landmarks.frame import FrameSpec
from designgan.landmarks.garment_classifier import FRAME_SIZE, GARMENT_FRAME, crop_image, frame_matrix

Points = Mapping[str, Sequence[float]]


@dataclass(frozen=True)
class DetectSettings:
    """How the classifiers are trained and read. Chosen on the *training* split's do-nothing control (60 jeans vs 60
    skirt photos of data/jeans_skirt): patch sizes 32-48, widths 8-16, 24-96 patches a photo, 60-400 steps and
    frames of 240-480 rows all read 0.67-0.73 there (fold std 0.05-0.08), so the cheapest is kept."""

    folds: int = 5
    patches: int = 32  # per photo
    patch_size: int = 32
    patch_frame: int = 480  # height of the lower-body frame the patches are cut from (480: ~ the photos' scale)
    patch_epochs: int = 2
    frame_epochs: int = 40
    min_steps: int = 150  # optimiser steps at least, however few the photos
    batch_size: int = 64
    lr: float = 5e-3
    width: int = 12  # channels of the first convolution
    seed: int = 0
    max_photos: int = 0  # per population (0 = all); populations are balanced to the smaller one anyway


@dataclass
class DetectSample:
    """One photo as the classifiers see it."""

    frame: np.ndarray  # (160, 100, 3) uint8: the lower-body frame
    patches: np.ndarray  # (P, S, S, 3) uint8: squares of the (edited) region, from the 480 x 300 frame
    fallback: bool = False  # the region held no patch inside the frame: patches drawn from the whole frame


def patch_frame(height: int) -> FrameSpec:
    """The garment judge's lower-body frame at ``height`` pixels (the leg, hip to ankle, is 0.65 of it)."""
    h, w = FRAME_SIZE
    return replace(GARMENT_FRAME, size=(height, round(height * w / h)))


def _mask_in_frame(mask: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    return crop_image(np.repeat(mask[..., None].astype(np.uint8) * 255, 3, axis=2), matrix, size)[..., 0] > 127


def photo_sample(image: Image.Image, points: Points, region: np.ndarray, settings: DetectSettings = DetectSettings(),
                 seed: int = 0) -> DetectSample:
    """Cut one photo into the classifiers' views: its lower-body frame (placed by ``points``) and patches centred in
    ``region`` (bool (H, W): the edit region of a translation, the lower-body zone of a real photo)."""
    if region.shape != (image.height, image.width):
        raise DataError(f"detectability: region {region.shape} does not match the photo {image.size[::-1]}")
    frame = crop_image(image, frame_matrix(points), FRAME_SIZE)
    spec = patch_frame(settings.patch_frame)
    matrix = frame_matrix(points, spec)
    big = crop_image(image, matrix, spec.size)
    inside = _mask_in_frame(np.ones(region.shape, bool), matrix, spec.size)
    wanted = _mask_in_frame(region, matrix, spec.size)
    patches, fallback = sample_patches(big, wanted & inside, inside, settings.patches, settings.patch_size,
                                       np.random.default_rng(seed))
    return DetectSample(frame=frame, patches=patches, fallback=fallback)


def sample_patches(image: np.ndarray, region: np.ndarray, fallback: np.ndarray, count: int, size: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """``count`` squares of ``size`` pixels centred at random pixels of ``region`` (of ``fallback`` when no square
    fits in ``region``; of the whole image when none fits there either). Returns (patches, used the fallback)."""
    h, w = region.shape
    half = size // 2
    if h < size or w < size:
        raise DataError(f"detectability: a {h}x{w} image cannot hold {size}-pixel patches")
    fits = np.zeros_like(region)
    fits[half:h - (size - half) + 1, half:w - (size - half) + 1] = True
    used_fallback = False
    ys, xs = np.nonzero(region & fits)
    if not len(ys):
        used_fallback = True
        ys, xs = np.nonzero((fallback & fits) if (fallback & fits).any() else fits)
    pick = rng.integers(0, len(ys), size=count)
    out = np.stack([image[y - half:y - half + size, x - half:x - half + size] for y, x in zip(ys[pick], xs[pick],
                                                                                              strict=True)])
    return out, used_fallback


class SmallCNN(nn.Module):
    """A plain convolutional classifier (one logit), trained from scratch for each fold. The first convolution
    reads every pixel at full resolution (stride 2, 3 x 3), so pixel-level artefacts stay visible; ``pool``
    first averages ``pool`` x ``pool`` blocks (the frame view: shapes, not pixels)."""

    def __init__(self, width: int = 16, downs: int = 3, pool: int = 1):
        super().__init__()
        layers: list[nn.Module] = [nn.AvgPool2d(pool)] if pool > 1 else []
        layers += [nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU()]
        channels = width
        for i in range(downs):
            out = width * min(2 ** (i + 1), 4)
            layers += [nn.Conv2d(channels, out, 3, 2, 1), nn.BatchNorm2d(out), nn.ReLU()]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(2 * channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)
        return self.head(torch.cat([f.mean((2, 3)), f.amax((2, 3))], 1))[:, 0]


def _tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 127.5 - 1


def _fit_and_score(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_group: np.ndarray,
                   model: nn.Module, epochs: int, settings: DetectSettings, generator: torch.Generator) -> np.ndarray:
    """Train ``model`` on the images, return the mean test logit of each group (photo) 0..groups-1."""
    x, y = _tensor(train_x), torch.from_numpy(train_y.astype(np.float32))
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=1e-4)
    steps = max(settings.min_steps, epochs * math.ceil(len(x) / settings.batch_size))
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, settings.lr, total_steps=steps)
    model.train()
    step = 0
    while step < steps:
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), settings.batch_size):
            if step >= steps:
                break
            idx = order[start:start + settings.batch_size]
            if len(idx) < 2:
                continue  # batch norm needs two samples
            xb = x[idx]
            flip = torch.rand(len(idx), generator=generator) < 0.5  # mirror images: no artefact is one-sided
            xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
            loss = nn.functional.binary_cross_entropy_with_logits(model(xb), y[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
    model.eval()
    with torch.no_grad():
        tx = _tensor(test_x)
        logits = torch.cat([0.5 * (model(tx[i:i + 256]) + model(tx[i:i + 256].flip(-1)))
                            for i in range(0, len(tx), 256)]).numpy()
    groups = int(test_group.max()) + 1 if len(test_group) else 0
    return np.array([logits[test_group == g].mean() for g in range(groups)])


def _folds(n: int, k: int, rng: np.random.Generator) -> list[np.ndarray]:
    order = rng.permutation(n)
    return [order[f::k] for f in range(k)]


def _summary(accuracies: list[float], n: int) -> dict:
    acc = np.array(accuracies, dtype=np.float64)
    return {"mean": round(float(acc.mean()), 4), "std": round(float(acc.std()), 4),
            "folds": [round(float(a), 4) for a in acc], "n": n, "lower_is_better": True}


def two_sample_test(first: Sequence[DetectSample], second: Sequence[DetectSample],
                    settings: DetectSettings = DetectSettings(),
                    progress: Callable[[str], None] | None = None) -> dict:
    """Held-out accuracy of fresh classifiers telling ``first`` from ``second`` (balanced to the smaller population
    with a seeded draw), k-fold cross-validated by photo, for the patch and the frame view: ``{"patches": {mean,
    std over folds, folds, n}, "frame": {...}, "both": {...}, "photos": n per population}`` (*both*: the mean of
    the two views' probabilities)."""
    rng = np.random.default_rng(settings.seed)
    n = min(len(first), len(second))
    if settings.max_photos:
        n = min(n, settings.max_photos)
    k = settings.folds
    if k < 2 or n < k:
        raise DataError(f"detectability needs at least {max(k, 2)} photos per population and 2 folds; it has {n} "
                        f"photos and {k} folds")
    pops = [[pop[i] for i in sorted(rng.choice(len(pop), size=n, replace=False))] for pop in (first, second)]
    folds = [_folds(n, k, rng) for _ in pops]
    scores: dict[str, list[float]] = {"patches": [], "frame": [], "both": []}
    for f in range(k):
        test = [folds[c][f] for c in range(2)]
        train = [np.setdiff1d(np.arange(n), t) for t in test]
        probability = {}
        for view in ("patches", "frame"):
            def stack(ids: list[np.ndarray], view: str = view) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
                xs, ys, gs = [], [], []
                group = 0
                for c in range(2):
                    for i in ids[c]:
                        x = pops[c][i].patches if view == "patches" else pops[c][i].frame[None]
                        xs.append(x)
                        ys.append(np.full(len(x), c))
                        gs.append(np.full(len(x), group))
                        group += 1
                return np.concatenate(xs), np.concatenate(ys), np.concatenate(gs)

            tx, ty, _ = stack(train)
            vx, _, vg = stack(test)
            truth = np.concatenate([np.full(len(test[c]), c) for c in range(2)])
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(settings.seed * 1000 + f)
                model = SmallCNN(settings.width) if view == "patches" else SmallCNN(settings.width * 3 // 4, pool=2)
                generator = torch.Generator().manual_seed(settings.seed * 1000 + f)
                logits = _fit_and_score(tx, ty, vx, vg, model,
                                        settings.patch_epochs if view == "patches" else settings.frame_epochs,
                                        settings, generator)
            scores[view].append(float(((logits > 0).astype(int) == truth).mean()))
            probability[view] = 1 / (1 + np.exp(-logits))
        both = (probability["patches"] + probability["frame"]) / 2  # the two views' verdicts averaged
        scores["both"].append(float(((both > 0.5).astype(int) == truth).mean()))
        if progress is not None:
            progress(f"fold {f + 1}/{k}: patches {scores['patches'][-1]:.3f}, frame {scores['frame'][-1]:.3f}, "
                     f"both {scores['both'][-1]:.3f}")
    return {view: _summary(values, n) for view, values in scores.items()} | {"photos": n}


@dataclass
class DetectPopulations:
    """The photos of one evaluation, cut for the classifiers."""

    outputs: list[DetectSample]  # the translations
    sources: list[DetectSample]  # the untranslated source photos (do nothing)
    known_bad: list[DetectSample]  # the sources with the edit region blurred (an obvious fault)
    reals: list[DetectSample]  # real photos of the target garment


def blurred_edit(image: Image.Image, region: np.ndarray) -> Image.Image:
    """The known-bad translation: ``image`` with ``region`` replaced by a strong blur of itself (a smear where the
    garment was, as a crude inpainting leaves)."""
    from PIL import ImageFilter

    blur = image.filter(ImageFilter.GaussianBlur(radius=max(2.0, 0.02 * image.height)))
    return Image.fromarray(np.where(region[..., None], np.asarray(blur), np.asarray(image)))


def detectability(pops: DetectPopulations, settings: DetectSettings = DetectSettings(),
                  log: Callable[[str], None] | None = None) -> dict:
    """The translations' detectability against real target photos, with its three controls in the same run: real vs
    real (two disjoint halves of the real photos: what chance reads), do nothing (untranslated sources) and known
    bad (the edit region blurred). The translations and the controls meet the same real photos."""
    smallest = min(len(pops.outputs), len(pops.reals) // 2)
    if smallest < max(settings.folds, 2):
        return {"skipped": f"too few photos for {settings.folds}-fold detectability ({len(pops.outputs)} "
                           f"translations, {len(pops.reals)} real target photos; it needs {settings.folds} and "
                           f"{2 * settings.folds})"}
    rng = np.random.default_rng(settings.seed + 1)
    order = rng.permutation(len(pops.reals))
    half = len(order) // 2
    # the translations meet as many real photos as possible, but never those of the other half of real vs real
    n_fake = len(pops.outputs)
    first = [pops.reals[i] for i in order[:max(half, min(n_fake, len(order) - half))]]
    rest = [pops.reals[i] for i in order[len(first):]]
    result: dict = {"settings": asdict(settings), "real_photos": len(pops.reals)}
    rows = {"translation": pops.outputs, "real_vs_real": None, "do_nothing": pops.sources,
            "known_bad": pops.known_bad}
    for name, population in rows.items():
        if log is not None:
            log(f"detectability: {name}")
        tell = (lambda msg, name=name: log(f"  {name} {msg}")) if log is not None else None
        if name == "real_vs_real":  # as many photos as the translations have, so the rows read alike
            cap = min(settings.max_photos or n_fake, n_fake)
            result[name] = two_sample_test(rest, first, replace(settings, max_photos=max(cap, settings.folds)),
                                           tell)
        else:
            result[name] = two_sample_test(population, first, settings, tell)
    result["fallback_photos"] = sum(s.fallback for s in pops.outputs)
    return result
