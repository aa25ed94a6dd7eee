"""Training of the garment judge: AdamW + warm-up/cosine (bounded by a wall-time budget), EMA weights, atomic
checkpoints (mid-epoch too) with exact resume (the shared loop, :mod:`designgan.supervised`), class-weighted family
cross-entropy plus the auxiliary per-pixel family map, held-out accuracy every few epochs, fp16 export.

Trains on CCP's pixel-level photos outside the held-out split (ids divisible by 10) and, with ``tagged_photos``,
on the image-level photos no test split can hold (dresses, leggings: :func:`.garment_judge_data.tagged_extra`;
their ids divisible by 10 are held out too, scored apart). Image-level photos that may be translation test photos
are never read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from designgan.data import CCP
from designgan.errors import DataError
from designgan.eval.classes import heldout
from designgan.eval.garment_evidence import fit_likelihood, fuse, likelihood_table, read_evidence
from designgan.eval.garment_family import FAMILIES
from designgan.eval.garment_judge import export_weights, load_weights
from designgan.eval.garment_judge_data import GarmentSamples, make_batch, tagged_extra
from designgan.eval.judge_data import IGNORE, judge_split
from designgan.io import image_size, write_json_atomic
from designgan.landmarks.ccp_points import ccp_landmarks
from designgan.landmarks.garment_classifier import num_outputs
from designgan.landmarks.garment_model import GarmentJudgeConfig, GarmentJudgeEnsemble, GarmentJudgeNet, JudgeNetwork
from designgan.supervised import SupervisedLoop, run_record

Samples = GarmentSamples  # or any set shaped like it (garment_judge_presence.FrameSet)


@dataclass
class GarmentJudgeTrainConfig:
    widths: tuple[int, ...] = (24, 48, 96, 144, 192)
    dropout: float = 0.3
    batch_size: int = 32
    epochs: int = 80
    lr: float = 3e-3
    weight_decay: float = 0.05
    warmup_steps: int = 60
    ema_decay: float = 0.99
    pixel_weight: float = 1.0  # weight of the auxiliary per-pixel family loss
    label_smoothing: float = 0.05
    legwear: float = 0.0  # share of training photos given drawn tights over bare legs (garment_judge_data)
    cut_legs: float = 0.0  # share of training frames cut above the ankles and continued down, as the pipeline does
    cut_top: float = 0.0  # share of training frames black above the chest or waist (photos cut from there down)
    tagged_photos: bool = False  # also train on CCP's image-level dress / leggings photos (never test photos)
    eval_every: int = 10
    seed: int = 0
    threads: int = 1
    max_images: int = 0  # first N train / held-out photos only (0 = all): for smoke tests
    max_minutes: float = 0.0  # wall-time budget (0 = none): the cosine ends by then
    checkpoint_minutes: float = 10.0  # also save mid-epoch this often


def confusion(truth: np.ndarray, pred: np.ndarray, n: int = len(FAMILIES)) -> np.ndarray:
    """(n, n) counts, rows = true family, columns = predicted family."""
    return np.bincount(np.asarray(truth) * n + np.asarray(pred), minlength=n * n).reshape(n, n)


@torch.no_grad()
def predict_samples(model: JudgeNetwork, samples: Samples, batch_size: int = 64) -> np.ndarray:
    """Flip-averaged class probabilities of every sample's plain frame."""
    model.eval()
    out = []
    for start in range(0, len(samples), batch_size):
        images, _, _ = make_batch(samples, torch.arange(start, min(start + batch_size, len(samples))), augment=False)
        out.append((0.5 * (model(images).softmax(-1) + model(images.flip(-1)).softmax(-1))).numpy())
    return np.concatenate(out) if out else np.zeros((0, num_outputs(model)), np.float32)


def heldout_scores(model: JudgeNetwork, samples: Samples, labels: Sequence[str] = FAMILIES) -> dict:
    """Accuracy and confusion table (rows truth, columns prediction, classes ``labels``) on ``samples``."""
    truth = samples.families.numpy()
    pred = predict_samples(model, samples).argmax(1)
    table = confusion(truth, pred, len(labels))
    return {"accuracy": round(float((pred == truth).mean()), 4) if len(truth) else None, "n": len(truth),
            "confusion": {"rows_truth_columns_prediction": list(labels), "counts": table.tolist()},
            "wrong": [i for i, t, p in zip(samples.ids, truth, pred, strict=True) if t != p]}


def train_garment_judge(ccp_root: str | Path, out_dir: str | Path, config: GarmentJudgeTrainConfig,
                        landmarks_cache: Path | None = None, export_to: str | Path | None = None,
                        resume: bool = False, log: Callable[[str], None] = print) -> dict:
    """Train (or, with ``resume``, continue from ``out_dir/last.pt``); returns the held-out scores of the exported
    EMA weights."""
    torch.set_num_threads(config.threads)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ccp = CCP(ccp_root)
    train_ids, held_ids = judge_split(ccp)
    tagged = tagged_extra(ccp) if config.tagged_photos else {}
    tagged_train, tagged_held = split_tagged(tagged)
    if config.max_images:
        train_ids, held_ids = train_ids[:config.max_images], held_ids[:config.max_images]
        tagged_train, tagged_held = tagged_train[:config.max_images], tagged_held[:config.max_images]
    points = ccp_landmarks(ccp, train_ids + held_ids + tagged_train + tagged_held,
                           landmarks_cache or out_dir / "ccp_landmarks.jsonl", log=log)
    train_set = GarmentSamples(ccp, train_ids + tagged_train, points, tagged=tagged)
    held_set = GarmentSamples(ccp, held_ids, points)
    tagged_set = GarmentSamples(ccp, tagged_held, points, tagged=tagged) if tagged_held else None
    counts = np.bincount(train_set.families.numpy(), minlength=len(FAMILIES))
    log(f"{len(train_set)} training photos ({', '.join(f'{f} {c}' for f, c in zip(FAMILIES, counts, strict=True))}),"
        f" {len(held_set)} held out; {len(train_ids) - len(train_set)} + {len(held_ids) - len(held_set)} without"
        " a lower garment skipped")
    ema, history, trained_s = fit_judge(train_set, held_set, config, out_dir, FAMILIES, resume, log)
    scores = heldout_scores(ema, held_set) if len(held_set) else {}
    if tagged_set is not None:
        scores["tagged"] = heldout_scores(ema, tagged_set)
    meta = {**run_record(config, history, trained_s), "heldout": scores, "train_photos": len(train_set),
            "train_families": dict(zip(FAMILIES, counts.tolist(), strict=True)),
            "heldout_split": "CCP pixel-level ids divisible by 10 (0010, 0020, ..., 1000)"}
    export_weights(ema, out_dir / "garment_judge.safetensors", meta)
    if export_to is not None:
        export_weights(ema, export_to, meta)
    return scores


def fit_judge(train_set: Samples, held_set: Samples, config: GarmentJudgeTrainConfig, out_dir: Path,
              labels: Sequence[str], resume: bool, log: Callable[[str], None]) -> tuple[GarmentJudgeNet, list[dict],
                                                                                        float]:
    """Train a judge with one output per class of ``labels`` on ``train_set`` (class-weighted cross-entropy plus
    the per-pixel map, the shared loop: EMA, checkpoints in ``out_dir``, ``resume``); returns the EMA network, the
    history (also written to ``out_dir/history.json``) and the seconds trained."""
    counts = np.bincount(train_set.families.numpy(), minlength=len(labels))
    weights = torch.tensor((counts.max() / np.maximum(counts, 1)) ** 0.5, dtype=torch.float32)
    torch.manual_seed(config.seed)
    model = GarmentJudgeNet(GarmentJudgeConfig(widths=tuple(config.widths), dropout=config.dropout,
                                               num_families=len(labels)))
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loop = SupervisedLoop.for_run(model, opt, config, torch.arange(len(train_set)), out_dir, lr_floor=0.01, log=log)
    if resume:
        loop.resume()

    def batch_loss(index: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, dict[str, float]]:
        images, pixels, families = make_batch(train_set, index, gen, legwear=config.legwear, cut_legs=config.cut_legs,
                                              cut_top=config.cut_top)
        logits, pixel_logits, _ = model.forward_all(images)
        small = F.interpolate(pixels[:, None].float(), size=pixel_logits.shape[-2:], mode="nearest")[:, 0].long()
        loss = F.cross_entropy(logits, families, weight=weights, label_smoothing=config.label_smoothing)
        loss = loss + config.pixel_weight * F.cross_entropy(pixel_logits, small, ignore_index=IGNORE)
        return loss, {"train_accuracy": float((logits.argmax(1) == families).float().mean())}

    def heldout(ema: GarmentJudgeNet) -> dict:
        return {"heldout_accuracy": heldout_scores(ema, held_set, labels)["accuracy"]}

    history = loop.run(batch_loss, heldout if len(held_set) else None)
    write_json_atomic(Path(out_dir) / "history.json", history)
    return loop.ema, history, loop.trained_s


def split_tagged(tagged: dict[str, int]) -> tuple[list[str], list[str]]:
    """Tagged image-level ids into (train, held-out): held out like the pixel-level ones (ids divisible by 10)."""
    ids = sorted(tagged)
    return [i for i in ids if not heldout(i)], [i for i in ids if heldout(i)]


def ensemble_garment_judges(ccp_root: str | Path, members: list[Path], export_to: str | Path,
                            landmarks_cache: Path, log: Callable[[str], None] = print) -> dict:
    """Average trained judges (same config, different seeds) into one weights file; returns the held-out scores
    of the ensemble and of each member, on the split every member was held out from."""
    if len(members) < 2:
        raise DataError("an ensemble needs at least two garment judge weight files")
    loaded = [load_weights(path) for path in members]
    nets = [net for net, _ in loaded]
    if any(not isinstance(net, GarmentJudgeNet) for net in nets):
        raise DataError("ensemble members must be single judges, not ensembles")
    if len({net.config for net in nets}) != 1:
        raise DataError("ensemble members must share one model config (widths, dropout)")
    ccp = CCP(ccp_root)
    _, held_ids = judge_split(ccp)
    tagged = tagged_extra(ccp)
    _, tagged_held = split_tagged(tagged)
    points = ccp_landmarks(ccp, held_ids + tagged_held, landmarks_cache, log=log)
    held_set = GarmentSamples(ccp, held_ids, points)
    tagged_set = GarmentSamples(ccp, tagged_held, points, tagged=tagged)
    member_scores = [heldout_scores(net, held_set) for net in nets]
    ensemble = GarmentJudgeEnsemble(nets).eval()
    scores = heldout_scores(ensemble, held_set) | {"tagged": heldout_scores(ensemble, tagged_set)}
    for path, sc in zip(members, member_scores, strict=True):
        log(f"member {path}: held-out accuracy {sc['accuracy']}")
    log(f"ensemble of {len(nets)}: held-out accuracy {scores['accuracy']} (tagged image-level held-out "
        f"{scores['tagged']['accuracy']}, n={scores['tagged']['n']})")
    meta = {"heldout": scores,
            "members": [{"weights": str(path), "heldout_accuracy": sc["accuracy"],
                         "train_config": m.get("train_config"), "train_minutes": m.get("train_minutes")}
                        for path, sc, (_, m) in zip(members, member_scores, loaded, strict=True)],
            "heldout_split": "CCP pixel-level ids divisible by 10 (0010, 0020, ..., 1000)"}
    export_weights(ensemble, export_to, meta)
    return scores


def fit_evidence(ccp_root: str | Path, weights: Path, landmarks_cache: Path, log: Callable[[str], None] = print
                 ) -> dict:
    """Count ``P(trouser-evidence bin | family)`` on CCP's pixel-level photos outside the held-out split and store
    it in the sidecar of ``weights`` (:mod:`.garment_evidence`); returns the table with the held-out accuracy of
    the judge alone and fused with the evidence."""
    model, meta = load_weights(weights)
    ccp = CCP(ccp_root)
    train_ids, held_ids = judge_split(ccp)
    points = ccp_landmarks(ccp, train_ids + held_ids, landmarks_cache, log=log)

    def evidence(samples: GarmentSamples) -> list[float | None]:
        return [read_evidence(points[i], image_size(ccp.photo_path(i))[1]) for i in samples.ids]

    train_set, held_set = GarmentSamples(ccp, train_ids, points), GarmentSamples(ccp, held_ids, points)
    entry = fit_likelihood(train_set.families.tolist(), evidence(train_set))
    truth, probs = held_set.families.numpy(), predict_samples(model, held_set)
    fused = fuse(probs, evidence(held_set), likelihood_table(entry))
    entry |= {"fit_on": f"{len(train_set)} CCP pixel-level photos outside the held-out split",
              "heldout_accuracy_alone": round(float((probs.argmax(1) == truth).mean()), 4),
              "heldout_accuracy_fused": round(float((fused.argmax(1) == truth).mean()), 4),
              "heldout_confusion_fused": confusion(truth, fused.argmax(1)).tolist()}
    log(f"held-out accuracy: judge alone {entry['heldout_accuracy_alone']}, with the landmark evidence "
        f"{entry['heldout_accuracy_fused']} (n={len(truth)})")
    export_weights(model, weights, {k: v for k, v in meta.items() if k not in ("families", "frame", "model")}
                   | {"evidence": entry})
    return entry
