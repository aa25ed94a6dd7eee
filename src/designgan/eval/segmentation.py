"""Segmentation scores: confusion matrices and intersection-over-union, accumulated over a whole split."""

from __future__ import annotations

import numpy as np


def confusion_matrix(pred: np.ndarray, target: np.ndarray, num_classes: int, ignore: int = 255) -> np.ndarray:
    """(num_classes, num_classes) int64 counts, rows = target class, columns = predicted class.

    Pixels whose target is ``ignore`` (or outside ``[0, num_classes)``) are skipped.
    """
    if pred.shape != target.shape:
        raise ValueError(f"prediction {pred.shape} and target {target.shape} differ in shape")
    target = target.astype(np.int64).ravel()
    pred = pred.astype(np.int64).ravel()
    keep = (target != ignore) & (target >= 0) & (target < num_classes)
    index = target[keep] * num_classes + np.clip(pred[keep], 0, num_classes - 1)
    return np.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def iou_per_class(confusion: np.ndarray) -> np.ndarray:
    """IoU of every class (NaN where the class appears in neither target nor prediction)."""
    confusion = confusion.astype(np.float64)
    tp = np.diag(confusion)
    union = confusion.sum(0) + confusion.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def segmentation_scores(confusion: np.ndarray, class_names: tuple[str, ...] | list[str]) -> dict:
    """mIoU (over classes present in target or prediction), pixel accuracy and per-class IoU."""
    iou = iou_per_class(confusion)
    total = confusion.sum()
    return {
        "miou": float(np.nanmean(iou)) if np.isfinite(iou).any() else float("nan"),
        "pixel_accuracy": float(np.trace(confusion) / total) if total else float("nan"),
        "per_class_iou": {name: (None if np.isnan(v) else round(float(v), 4))
                          for name, v in zip(class_names, iou, strict=True)},
        "pixels": int(total),
    }
