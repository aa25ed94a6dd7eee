"""Detectability: can a fresh classifier tell translated photos from real photos of the target garment?

A two-sample classifier test. Small CNNs are trained **from scratch** (no pretrained features, nothing shipped) to
separate two populations of photos, with k-fold cross-validation by photo (a photo's patches are never in training
and test at once); the figure is their held-out **balanced** accuracy (the mean of the two populations' accuracies):
0.5 = they cannot tell them apart, 1.0 = they always can. Two views of each photo, each with its own classifier:

- *patches*: ``patches`` squares of ``patch_size`` pixels of the photo's **own pixels** (no resampling, so noise,
  JPEG grain, blur and seams are seen as they are) centred in the edited region (for a real photo: its lower-body
  zone: the parser's lower garments, legwear, shoes and leg skin). A photo is decided by the mean logit of all its
  patches: patches see fabric, edges, shading, smears and tiling, not the whole person, so they mostly read *how*
  the region was made.
- *frame*: the whole 160 x 100 lower-body frame (the garment judge's view): silhouette and proportions, at low
  resolution, trained with small random shifts and colour gains so that a few dozen photos are not memorised.

Populations may differ in size: the translations (tens of photos) meet a larger pool of real target photos, and
each batch is drawn half from each side. What it can and cannot see: translated photos come from other people than
the real targets, so a difference in who is photographed (pose, background, lighting, camera) can still be read, by
the frame classifier more than by the patches. The *real vs real* control (real photos held out of the pool) shows
what chance reads; the *do-nothing* control (the untranslated sources) what an untouched garment of the wrong kind
scores; the *known-bad* control what an obvious fault scores. Classifiers trained from scratch on a few dozen photos
miss faults a person sees; a high figure is a fault found, a low one is not proof of realism.
"""

from __future__ import annotations

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
    """How the classifiers are trained and read (see docs/evaluation.md for what each lever measured on the
    controls)."""

    folds: int = 5
    patches: int = 32  # per photo
    patch_size: int = 32
    patch_source: str = "photo"  # "photo": squares of the photo's own pixels; "frame": of the resampled frame
    patch_frame: int = 480  # height of the lower-body frame the patches are cut from with patch_source="frame"
    patch_steps: int = 300  # optimiser steps of the patch classifier
    frame_steps: int = 200  # optimiser steps of the frame classifier
    frame_shift: int = 8  # frame augmentation: random shifts of up to this many pixels, and a colour gain
    batch_size: int = 64  # half from each population
    lr: float = 5e-3
    width: int = 12  # channels of the first convolution
    seed: int = 0
    max_photos: int = 0  # of the first population (the translations; 0 = all)
    max_real: int = 0  # of the second population (the real photos; 0 = all)
    views: tuple[str, ...] = ("patches", "frame")


@dataclass
class DetectSample:
    """One photo as the classifiers see it."""

    frame: np.ndarray  # (160, 100, 3) uint8: the lower-body frame
    patches: np.ndarray  # (P, S, S, 3) uint8: squares of the (edited) region
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
    ``region`` (bool (H, W): the edit region of a translation, the lower-body zone of a real photo), of the photo's
    own pixels (``patch_source="photo"``) or of the lower-body frame resampled at ``patch_frame`` rows."""
    if settings.patch_source not in ("photo", "frame"):
        raise DataError(f"detectability: patch_source must be 'photo' or 'frame', not {settings.patch_source!r}")
    if region.shape != (image.height, image.width):
        raise DataError(f"detectability: region {region.shape} does not match the photo {image.size[::-1]}")
    frame = crop_image(image, frame_matrix(points), FRAME_SIZE)
    if settings.patch_source == "photo":
        rgb = np.asarray(image.convert("RGB"))
        patches, fallback = sample_patches(rgb, region, np.ones_like(region), settings.patches, settings.patch_size,
                                           np.random.default_rng(seed))
        return DetectSample(frame=frame, patches=patches, fallback=fallback)
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


def _augment(xb: torch.Tensor, shift: int, generator: torch.Generator) -> torch.Tensor:
    """Mirror half the batch (no artefact is one-sided); with ``shift``, also move each image by up to ``shift``
    pixels (edges repeated) and scale its contrast and colour a little: the frame view reads shapes, not
    positions or colours, and these keep it from memorising a few dozen photos."""
    n = len(xb)
    flip = torch.rand(n, generator=generator) < 0.5
    xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
    if shift:
        h, w = xb.shape[-2:]
        padded = nn.functional.pad(xb, (shift,) * 4, mode="replicate")
        dy, dx = (int(v) for v in torch.randint(0, 2 * shift + 1, (2,), generator=generator))
        xb = padded[..., dy:dy + h, dx:dx + w]
        gain = 1 + 0.3 * (2 * torch.rand(n, 1, 1, 1, generator=generator) - 1)
        bias = 0.1 * (2 * torch.rand(n, 3, 1, 1, generator=generator) - 1)
        xb = (xb * gain + bias).clamp(-1, 1)
    return xb


def _fit_and_score(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_group: np.ndarray,
                   model: nn.Module, steps: int, shift: int, settings: DetectSettings,
                   generator: torch.Generator) -> np.ndarray:
    """Train ``model`` for ``steps`` on batches drawn half from each class (the populations may differ in size),
    return the mean test logit (flip-averaged) of each group (photo) 0..groups-1."""
    x = _tensor(train_x)
    members = [torch.from_numpy(np.flatnonzero(train_y == c)) for c in (0, 1)]
    target = torch.cat([torch.zeros(settings.batch_size // 2), torch.ones(settings.batch_size // 2)])
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, settings.lr, total_steps=steps)
    model.train()
    for _ in range(steps):
        idx = torch.cat([m[torch.randint(0, len(m), (settings.batch_size // 2,), generator=generator)]
                         for m in members])
        loss = nn.functional.binary_cross_entropy_with_logits(model(_augment(x[idx], shift, generator)), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
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


def _draw(pop: Sequence[DetectSample], cap: int, rng: np.random.Generator) -> list[DetectSample]:
    if not cap or cap >= len(pop):
        return list(pop)
    return [pop[i] for i in sorted(rng.choice(len(pop), size=cap, replace=False))]


def _stack(pops: list[list[DetectSample]], ids: list[np.ndarray], view: str) -> tuple[np.ndarray, ...]:
    """The images of photos ``ids[c]`` of population c, their class and their photo (group) number."""
    xs, ys, gs = [], [], []
    for c in range(2):
        for i in ids[c]:
            x = pops[c][i].patches if view == "patches" else pops[c][i].frame[None]
            xs.append(x)
            ys.append(np.full(len(x), c))
            gs.append(np.full(len(x), len(gs)))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(gs)


def two_sample_test(first: Sequence[DetectSample], second: Sequence[DetectSample],
                    settings: DetectSettings = DetectSettings(),
                    progress: Callable[[str], None] | None = None) -> dict:
    """Held-out **balanced** accuracy (the mean of the two populations' accuracies, so 0.5 is chance whatever their
    sizes) of fresh classifiers telling ``first`` from ``second``, k-fold cross-validated by photo (each population
    split into k folds), for each view of ``settings.views`` and their probabilities averaged (*both*):
    ``{"patches": {mean, std over folds, folds, n}, "frame": {...}, "both": {...}, "photos": n of first,
    "photos_second": n of second}``. Each photo is decided by the mean logit of all its patches."""
    rng = np.random.default_rng(settings.seed)
    k = settings.folds
    pops = [_draw(first, settings.max_photos, rng), _draw(second, settings.max_real, rng)]
    n = min(len(p) for p in pops)
    if k < 2 or n < k:
        raise DataError(f"detectability needs at least {max(k, 2)} photos per population and 2 folds; it has {n} "
                        f"photos and {k} folds")
    folds = [_folds(len(p), k, rng) for p in pops]
    scores: dict[str, list[float]] = {view: [] for view in (*settings.views, "both")}
    for f in range(k):
        test = [folds[c][f] for c in range(2)]
        train = [np.setdiff1d(np.arange(len(pops[c])), test[c]) for c in range(2)]
        truth = np.concatenate([np.full(len(test[c]), c) for c in range(2)])
        probability = []
        for view in settings.views:
            tx, ty, _ = _stack(pops, train, view)
            vx, _, vg = _stack(pops, test, view)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(settings.seed * 1000 + f)
                patches = view == "patches"
                model = SmallCNN(settings.width) if patches else SmallCNN(settings.width * 3 // 4, pool=2)
                generator = torch.Generator().manual_seed(settings.seed * 1000 + f)
                logits = _fit_and_score(tx, ty, vx, vg, model, settings.patch_steps if patches
                                        else settings.frame_steps, 0 if patches else settings.frame_shift,
                                        settings, generator)
            scores[view].append(_balanced_accuracy(logits > 0, truth))
            probability.append(1 / (1 + np.exp(-logits)))
        scores["both"].append(_balanced_accuracy(np.mean(probability, axis=0) > 0.5, truth))
        if progress is not None:
            progress(f"fold {f + 1}/{k}: " + ", ".join(f"{v} {a[-1]:.3f}" for v, a in scores.items()))
    return {view: _summary(values, len(pops[0])) for view, values in scores.items()} | \
        {"photos": len(pops[0]), "photos_second": len(pops[1])}


def _balanced_accuracy(said: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([(said[truth == c] == c).mean() for c in (0, 1)]))


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
    bad (the edit region blurred). Every row meets the same pool of real photos; real vs real uses as many real
    photos as there are translations (at most half of them), held out of that pool."""
    smallest = min(len(pops.outputs), len(pops.reals) // 2)
    if smallest < max(settings.folds, 2):
        return {"skipped": f"too few photos for {settings.folds}-fold detectability ({len(pops.outputs)} "
                           f"translations, {len(pops.reals)} real target photos; it needs {settings.folds} and "
                           f"{2 * settings.folds})"}
    rng = np.random.default_rng(settings.seed + 1)
    order = rng.permutation(len(pops.reals))
    # real vs real: as many real photos as there are translations (at most half), held out of the pool every row
    # meets, so the rows read alike
    held = min(len(pops.outputs), len(order) // 2)
    first = [pops.reals[i] for i in order[:held]]
    pool = [pops.reals[i] for i in order[held:]]
    result: dict = {"settings": asdict(settings), "real_photos": len(pops.reals), "real_pool": len(pool)}
    rows = {"translation": pops.outputs, "real_vs_real": first, "do_nothing": pops.sources,
            "known_bad": pops.known_bad}
    for name, population in rows.items():
        if log is not None:
            log(f"detectability: {name}")
        tell = (lambda msg, name=name: log(f"  {name} {msg}")) if log is not None else None
        result[name] = two_sample_test(population, pool, settings, tell)
    result["fallback_photos"] = sum(s.fallback for s in pops.outputs)
    return result


def trained_reference(pops: DetectPopulations, says_target: Callable[[np.ndarray], np.ndarray]) -> dict:
    """What a *trained* garment classifier reads on the same frames, beside the fresh classifiers: the balanced
    accuracy of ``says_target`` ((n, 160, 100, 3) uint8 frames -> (n,) bool: "this is the target garment", e.g. the
    garment judge's verdict) telling each row from the whole real pool. On the do-nothing row it is the ceiling a
    category difference allows with every CCP label behind it (the fresh classifiers have a few dozen photos);
    on the translations it reads the verdict ``success`` counts, against the real photos' own."""
    def frames(samples: Sequence[DetectSample]) -> np.ndarray:
        return np.stack([s.frame for s in samples]) if samples else np.zeros((0, *FRAME_SIZE, 3), np.uint8)

    real = np.asarray(says_target(frames(pops.reals)), dtype=bool)
    rows = {"translation": pops.outputs, "do_nothing": pops.sources, "known_bad": pops.known_bad}
    result: dict = {"real_photos": len(real)}
    for name, population in rows.items():
        said = np.asarray(says_target(frames(population)), dtype=bool)
        if len(said) and len(real):
            result[name] = round(0.5 * (float((~said).mean()) + float(real.mean())), 4)
    return result
