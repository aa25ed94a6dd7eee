"""Training data: unpaired (domain A, domain B) samples with garment/skin masks and landmark heatmaps.

Reads a two-domain dataset folder (:mod:`designgan.data`) plus its landmark cache (``landmarks.jsonl``), applies
one joint random transform per sample (image, masks and keypoints together) and renders the landmark heatmaps
at the training resolution afterwards.

Sampling is a pure function of (seed, step): which images and which augmentation a step sees never depends on
how many steps ran before in this process, so a resumed run sees exactly what an uninterrupted run would have.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler
from torchvision.transforms import v2

from designgan.data import DomainImageDataset, Record, TwoDomainData
from designgan.data.transforms import flip_index, train_transform
from designgan.errors import ConfigError, DataError
from designgan.landmarks.heatmaps import render_gaussians
from designgan.landmarks.regions import garment_region  # the function the inference pipeline uses: train = inference
from designgan.landmarks.schema import LANDMARK_NAMES
from designgan.train.config import DataConfig

LANDMARK_CACHE = "landmarks.jsonl"


def read_landmark_file(path: Path, names: Sequence[str]) -> dict[str, np.ndarray]:
    """``{key or image path: (len(names), 3) [x, y, conf]}`` from a landmark JSON-lines file.

    Each line is ``{"key": ..., "points": {name: [x, y, conf]}}`` (the landmark cache); lines that carry an
    ``image`` path are indexed by it too, so the landmark network's label files can stand in for a cache.
    Names a line lacks get confidence 0.
    """
    if not path.is_file():
        raise DataError(f"{path}: landmark file not found (write it with 'designgan landmarks cache --data DIR', "
                        "or set data.landmarks=none)")
    table: dict[str, np.ndarray] = {}
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            points = row.get("points") or {}
            arr = np.zeros((len(names), 3), dtype=np.float32)
            for i, name in enumerate(names):
                if name in points:
                    arr[i] = np.asarray(points[name], dtype=np.float32)[:3]
            if row.get("person_found") is False:
                arr[:, 2] = 0
        except (json.JSONDecodeError, TypeError, ValueError, AttributeError) as exc:
            raise DataError(f"{path}:{lineno}: invalid landmark line ({exc})") from None
        if "key" in row:
            table[str(row["key"])] = arr
        if "image" in row:
            table[str(Path(row["image"]).resolve())] = arr
    return table


def keypoints_for(records: Sequence[Record], table: dict[str, np.ndarray], path: Path) -> dict[str, np.ndarray]:
    out = {}
    for record in records:
        arr = table.get(record.key)
        if arr is None and record.source:
            arr = table.get(str(Path(record.source).resolve()))
        if arr is None:
            raise DataError(f"{path}: no landmarks for record '{record.key}' (re-run 'designgan landmarks cache')")
        out[record.key] = arr
    return out


class DomainSamples(Dataset):
    """One domain's training samples as float tensors ready for the models (see :meth:`__getitem__`)."""

    def __init__(self, records: Sequence[Record], config: DataConfig, keypoints: dict[str, np.ndarray] | None):
        self.config = config
        self.names = point_names(config) if keypoints is not None else []
        self.heat_index = [self.names.index(n) for n in config.heatmap_names] if self.names else []
        self.categories = {r.key: r.category for r in records}
        self.transform = train_transform(tuple(config.size), flip_index(self.names) if self.names else None,
                                         scale=tuple(config.scale), flip_p=0.5 if config.flip else 0.0)
        self.base = DomainImageDataset(records, transform=None, keypoints=keypoints)
        self.cache: list[dict[str, Any]] | None = None
        if config.preload:
            # Decoding a full-size photo and its masks costs far more than a training step at small sizes:
            # decode each once, keep a copy at preload_scale x the training size (uint8), augment that.
            h, w = (round(s * config.preload_scale) for s in config.size)
            resize = v2.Resize((h, w), antialias=True)
            self.cache = [resize(self.base[i]) for i in range(len(self.base))]

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, item: tuple[int, int]) -> dict[str, Any]:
        """``item = (index, seed)`` -> image [-1, 1] (3, H, W), garment/skin masks (1, H, W), heatmaps (K, H, W)."""
        index, seed = item
        sample = self.cache[index] if self.cache is not None else self.base[index]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            sample = self.transform(sample)
        h, w = self.config.size
        image = sample["image"].as_subclass(torch.Tensor).float() * 2 - 1
        masks = sample["masks"].as_subclass(torch.Tensor).float()
        garment = masks[0:1]
        if self.names:
            xy = sample["keypoints"].as_subclass(torch.Tensor).float()
            conf = sample["visibility"].float()
            heat = render_gaussians(xy[self.heat_index], h, w, sigma=max(1.0, self.config.heatmap_sigma * h))
            heat = heat * (conf[self.heat_index] >= self.config.min_confidence).float()[:, None, None]
            if self.config.garment_attention == "landmarks":
                garment = self._landmark_garment(xy, conf, self.categories[sample["key"]], garment)
        else:
            heat = torch.zeros(0, h, w)
        return {"image": image, "garment": garment, "skin": masks[1:2], "heatmaps": heat,
                "has_masks": sample["has_masks"], "key": sample["key"]}


    def _landmark_garment(self, xy: torch.Tensor, conf: torch.Tensor, category: str,
                          fallback: torch.Tensor) -> torch.Tensor:
        """The garment region drawn from the landmarks exactly as the inference pipeline draws it."""
        points = {name: (float(x), float(y), float(c))
                  for name, (x, y), c in zip(self.names, xy.tolist(), conf.tolist(), strict=True)}
        h, w = self.config.size
        mask, _ = garment_region(points, category, (w, h))
        if mask is None or not mask.any():
            return fallback
        return torch.from_numpy(mask.astype(np.float32))[None]


def point_names(config: DataConfig) -> list[str]:
    """Landmarks read from the cache: the heatmap names, or all of them when the garment region is drawn from them."""
    return list(LANDMARK_NAMES) if config.garment_attention == "landmarks" else list(config.heatmap_names)


class UnpairedDataset(Dataset):
    """Items are ``(index_a, index_b, seed)``; returns ``{"a": sample, "b": sample}``."""

    def __init__(self, domain_a: DomainSamples, domain_b: DomainSamples):
        self.domain_a, self.domain_b = domain_a, domain_b

    def __len__(self) -> int:
        return max(len(self.domain_a), len(self.domain_b))

    def __getitem__(self, item: tuple[int, int, int]) -> dict[str, Any]:
        index_a, index_b, seed = item
        return {"a": self.domain_a[(index_a, seed)], "b": self.domain_b[(index_b, seed + 1)]}


class StepSampler(Sampler[list[tuple[int, int, int]]]):
    """Batches for steps ``start .. steps - 1`` of one rank, as a pure function of (seed, step, rank).

    Global sample ``g = (step * world + rank) * batch + j`` lies in epoch ``g // n`` (``n`` = the larger domain);
    each epoch draws a fresh permutation of each domain, like CycleGAN's unaligned loader.
    """

    def __init__(self, len_a: int, len_b: int, batch_size: int, steps: int, start: int = 0, seed: int = 0,
                 rank: int = 0, world_size: int = 1):
        self.len_a, self.len_b, self.n = len_a, len_b, max(len_a, len_b)
        if batch_size * world_size > self.n:  # one batch would repeat photos (and 10000 of them exhaust memory)
            raise ConfigError(f"config key 'train.batch_size' is {batch_size} (x {world_size} processes) but the "
                              f"dataset's larger domain holds only {self.n} photos")
        self.batch_size, self.steps, self.start, self.seed = batch_size, steps, start, seed
        self.rank, self.world_size = rank, world_size
        self._perms: dict[tuple[int, str], torch.Tensor] = {}

    def _perm(self, epoch: int, domain: str) -> torch.Tensor:
        key = (epoch, domain)
        if key not in self._perms:
            if len(self._perms) > 8:
                self._perms.clear()
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch * 2 + (domain == "b"))
            self._perms[key] = torch.randperm(self.len_a if domain == "a" else self.len_b, generator=g)
        return self._perms[key]

    def batch(self, step: int) -> list[tuple[int, int, int]]:
        out = []
        for j in range(self.batch_size):
            g = (step * self.world_size + self.rank) * self.batch_size + j
            epoch, pos = divmod(g, self.n)
            ia = int(self._perm(epoch, "a")[pos % self.len_a])
            ib = int(self._perm(epoch, "b")[pos % self.len_b])
            out.append((ia, ib, (self.seed * 1_000_003 + g) * 2 % (2**62)))
        return out

    def __iter__(self) -> Iterator[list[tuple[int, int, int]]]:
        for step in range(self.start, self.steps):
            yield self.batch(step)

    def __len__(self) -> int:
        return max(0, self.steps - self.start)


def build_dataset(config: DataConfig, split: str = "train") -> UnpairedDataset:
    """The training dataset of a two-domain folder: both domains, masks required, landmarks per config."""
    data = TwoDomainData.open(config.root)
    domains = []
    for domain in ("a", "b"):
        records = [r for r in data.records(split=split, domain=domain) if r.has_masks]
        if not records:
            raise DataError(f"{config.root}: no {split} images with masks in domain '{domain}'")
        domains.append(records)
    keypoints: list[dict[str, np.ndarray] | None] = [None, None]
    if config.landmarks == "cache":
        path = config.landmarks_file or Path(config.root) / LANDMARK_CACHE
        table = read_landmark_file(Path(path), point_names(config))
        keypoints = [keypoints_for(records, table, Path(path)) for records in domains]
    return UnpairedDataset(DomainSamples(domains[0], config, keypoints[0]),
                           DomainSamples(domains[1], config, keypoints[1]))
