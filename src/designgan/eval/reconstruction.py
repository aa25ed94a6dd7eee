"""Self-reconstruction: erase a photo's own garment, have a model repaint the same kind of garment, compare.

A model that can repaint the garment a person already wears (the rendered prior asked for the photo's own family;
a learnt painter) is given held-out photos; inside the region it erased, its repaint is compared with the photo:
L1 (mean absolute difference, 0-1 scale), PSNR (dB) and SSIM. A perfect painter of the photo's own garment scores
L1 0, SSIM 1; a painter that draws a different fabric or shape scores low however real its output looks.

The interface a painter implements is :data:`Repaint`: ``(photo, the person's landmark points, the category of the
garment they wear) -> (repainted photo, erased mask)``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from tqdm import tqdm

from designgan.data import Record
from designgan.errors import DataError, DesignGANError
from designgan.eval import metrics
from designgan.eval.garment_eval import LandmarkSource
from designgan.io import load_image

Points = Mapping[str, Sequence[float]]
# (photo, the person's landmark points, the category of the garment they wear, e.g. 'jeans' or 'skirt')
#   -> (the photo with that garment erased and repainted, bool (H, W) mask of the erased region)
Repaint = Callable[[Image.Image, Points, str], tuple[Image.Image, np.ndarray]]
FIGURES = ("l1", "psnr", "ssim")


def pipeline_repainter(pipe: Any) -> Repaint:
    """The :data:`Repaint` of an inference pipeline whose model paints garments the prior's way (the rendered prior,
    the learnt painter): the pipeline's own garment mask (landmark region refined by the segmenter) for the worn
    category is erased and the model for that category paints into it (with the garment's own fabric, as in a
    translation)."""
    from designgan.landmarks.regions import garment_region

    def repaint(photo: Image.Image, points: Points, category: str) -> tuple[Image.Image, np.ndarray]:
        region, _ = garment_region(dict(points), category, photo.size)  # type: ignore[arg-type]
        mask = pipe.masker.photo_mask(np.asarray(photo), points, category, region) \
            if region is not None and region.any() else None
        if mask is None or not mask.any():
            raise DataError(f"no {category} region found on the person")
        out = pipe.translate_batch([photo], to=category, landmarks=[dict(points)], garment_masks=[mask])[0]
        assert not isinstance(out, DesignGANError)
        return out.image, out.edit_region

    return repaint


def repainter_for(model: str, domains: tuple[str, str], landmarks: str | Path | None = None) -> Repaint:
    """The :data:`Repaint` of a model: ``prior`` (the rendered prior for ``domains``), or a saved model, bundled
    name or run whose generator paints the prior's way (the learnt painter, ``designgan export-painter``)."""
    from designgan.eval.translators import PRIOR, prior_pipeline
    from designgan.pipeline import DesignGANPipeline

    if model == PRIOR:
        return pipeline_repainter(prior_pipeline(domains, landmarks))
    pipe = DesignGANPipeline.from_pretrained(model, landmarks=landmarks, domains=domains, precision="fp32")
    if not pipe.paints_prior:
        raise DataError(f"model '{model}' cannot repaint a photo's own garment (self-reconstruction needs the "
                        f"rendered prior, '{PRIOR}', or a painter)")
    return pipeline_repainter(pipe)


def measure_repaint(photo: Image.Image, repainted: Image.Image, erased: np.ndarray) -> dict:
    """L1 (0-1), PSNR and SSIM of ``repainted`` against ``photo`` inside ``erased``, and the erased share."""
    if repainted.size != photo.size or erased.shape != (photo.height, photo.width):
        raise DataError(f"the repainter returned a {repainted.size} photo / {erased.shape[::-1]} mask for a "
                        f"{photo.size} photo")
    a, b = np.asarray(photo.convert("RGB")), np.asarray(repainted.convert("RGB"))
    mask = erased.astype(bool)
    if not mask.any():
        return {"erased_fraction": 0.0} | {name: math.nan for name in FIGURES}
    l1 = float(np.abs(a[mask].astype(np.float64) - b[mask].astype(np.float64)).mean() / 255.0)
    return {"erased_fraction": float(mask.mean()), "l1": l1, "psnr": metrics.masked_psnr(a, b, mask),
            "ssim": metrics.masked_ssim(a, b, mask)}


def summarise(rows: list[dict]) -> dict:
    """Mean, median and n of each figure over the photos repainted; how many could not be."""
    out: dict = {"photos": len(rows), "failed": sum("error" in r for r in rows)}
    for name in FIGURES:
        values = np.array([r.get(name, math.nan) for r in rows], dtype=np.float64)
        finite = values[np.isfinite(values)]
        out[name] = {"mean": round(float(finite.mean()), 4) if finite.size else None,
                     "median": round(float(np.median(finite)), 4) if finite.size else None,
                     "n": int(finite.size), "lower_is_better": name == "l1"}
    return out


def reconstruct(repaint: Repaint, records: Sequence[Record], category: str, landmarks: LandmarkSource,
                progress: bool = True) -> tuple[list[dict], dict]:
    """Erase and repaint every record's garment (``category``: the garment they wear); per-photo rows and their
    summary. A photo the repainter refuses (no garment found) counts under ``failed``, not in the figures."""
    if not records:
        raise DataError("no photos to reconstruct")
    rows = []
    for record in tqdm(records, desc=f"repainting {category}", disable=not progress):
        photo = load_image(record.path("image"))
        points, _ = landmarks.points(record, photo)
        tic = time.perf_counter()
        row: dict = {"key": record.key, "category": category}
        try:
            repainted, erased = repaint(photo, points, category)
        except DesignGANError as exc:
            rows.append(row | {"error": str(exc)})
            continue
        rows.append(row | measure_repaint(photo, repainted, np.asarray(erased, dtype=bool))
                    | {"seconds": round(time.perf_counter() - tic, 3)})
    return rows, summarise(rows)
