"""The shipped judge: load its weights, parse photos into judge classes, score it on CCP's held-out split.

Weights live in ``designgan/weights/judge.safetensors`` (fp16) with ``judge.json`` beside them (model config,
training config, held-out scores). :meth:`Judge.load` reads them by default; nothing comes from a hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from designgan import WEIGHTS_DIR
from designgan.data import CCP
from designgan.eval.classes import JUDGE_CLASSES, NUM_CLASSES, PALETTE, ccp_lookup
from designgan.eval.judge_data import letterbox_box, letterbox_image
from designgan.eval.judge_model import JudgeNet, model_from_config
from designgan.eval.segmentation import confusion_matrix, segmentation_scores
from designgan.io import load_image
from designgan.models.weights import export_sidecar_weights, load_sidecar_weights

DEFAULT_WEIGHTS = WEIGHTS_DIR / "judge.safetensors"


@dataclass
class Parse:
    """The judge's view of one photo: class ids at the photo's size, class probabilities of chosen pixels on
    demand, and features for texture and realism statistics."""

    labels: np.ndarray  # uint8 (h, w), ids into JUDGE_CLASSES
    embedding: np.ndarray  # float32 (D,), global average of every backbone level
    features: np.ndarray  # float32 (C, h', w'), fused stride-4 head features of the letterboxed input
    box: tuple[int, int, int, int]  # where the photo sits in the letterboxed input: left, top, w, h (input px)

    def mask(self, name: str) -> np.ndarray:
        return self.labels == JUDGE_CLASSES.index(name)


class Judge:
    def __init__(self, model: JudgeNet, flip_test: bool = True, bf16: bool = True, meta: dict | None = None):
        self.model = model.eval().to(memory_format=torch.channels_last)
        self.flip_test = flip_test
        self.bf16 = bf16
        self.meta = meta or {}

    @classmethod
    def load(cls, weights: str | Path | None = None, **kwargs: bool) -> Judge:
        model, meta = load_weights(weights)
        return cls(model, meta=meta, **kwargs)

    @property
    def input_size(self) -> tuple[int, int]:
        return self.model.config.input_height, self.model.config.input_width

    @torch.no_grad()
    def parse_many(self, images: list[Image.Image]) -> list[Parse]:
        h, w = self.input_size
        batch = torch.stack([torch.from_numpy(letterbox_image(img, h, w)).permute(2, 0, 1) for img in images])
        x = (batch.float() / 255.0).contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            logits, fused, embedding = self.model.forward_with_features(x)
            if self.flip_test:
                logits_f, fused_f, embedding_f = self.model.forward_with_features(x.flip(-1))
                logits = 0.5 * (logits.float() + logits_f.float().flip(-1))
                fused = 0.5 * (fused.float() + fused_f.float().flip(-1))
                embedding = 0.5 * (embedding + embedding_f)
        logits = F.interpolate(logits.float(), size=(h, w), mode="bilinear", align_corners=False)
        out = []
        for i, img in enumerate(images):
            left, top, new_w, new_h = letterbox_box(*img.size, h, w)
            crop = logits[i:i + 1, :, top:top + new_h, left:left + new_w]
            full = F.interpolate(crop, size=(img.size[1], img.size[0]), mode="bilinear", align_corners=False)
            out.append(Parse(labels=full[0].argmax(0).to(torch.uint8).numpy(),
                             embedding=embedding[i].float().numpy(), features=fused[i].float().numpy(),
                             box=(left, top, new_w, new_h)))
        return out

    def parse(self, image: Image.Image) -> Parse:
        return self.parse_many([image])[0]


def colorize(labels: np.ndarray) -> Image.Image:
    """A judge label map as an RGB picture (see :data:`designgan.eval.classes.PALETTE`)."""
    return Image.fromarray(PALETTE[np.clip(labels, 0, NUM_CLASSES - 1)])


def evaluate_on_ccp(judge: Judge, ccp: CCP, ids: list[str], batch_size: int = 8, progress: bool = True) -> dict:
    """mIoU, pixel accuracy and per-class IoU at the photos' full resolution, accumulated over ``ids``."""
    table = ccp_lookup(ccp.label_names)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    for start in tqdm(range(0, len(ids), batch_size), desc="judging held-out photos", disable=not progress):
        chunk = ids[start:start + batch_size]
        images = [load_image(ccp.photo_path(i)) for i in chunk]
        for image_id, img, parse in zip(chunk, images, judge.parse_many(images), strict=True):
            target = table[ccp.load_label_map(image_id, size=img.size)]
            confusion += confusion_matrix(parse.labels, target, NUM_CLASSES)
    scores = segmentation_scores(confusion, JUDGE_CLASSES)
    scores["images"] = len(ids)
    return scores


def export_weights(model: JudgeNet, path: str | Path, meta: dict) -> None:
    """fp16 safetensors + a JSON sidecar (same stem) with the model config and ``meta``."""
    export_sidecar_weights(model, path, "designgan-judge", {"classes": list(JUDGE_CLASSES), **meta})


def load_weights(path: str | Path | None = None) -> tuple[JudgeNet, dict]:
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    return load_sidecar_weights(path, "judge", "judge weights config", model_from_config,  # type: ignore[return-value]
                                "classes", JUDGE_CLASSES)
