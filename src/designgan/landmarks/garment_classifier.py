"""The garment classifier: which lower-garment family (trousers, skirt, shorts) a person wears.

One component with two users: the pipeline asks it, for every person found, before anything is painted (a person
is edited only when they wear the model's source family: :func:`garment_verdict`), and the evaluation
(:mod:`designgan.eval`) judges translations with it (the "garment judge"; its training stays in ``eval``).

It looks at the lower-body frame (:data:`GARMENT_FRAME`, a :class:`designgan.landmarks.frame.FrameSpec`) placed by
the landmark network's hips, knees and ankles, so pose, scale and position in the photo do not matter, and fuses
in the landmark network's trouser evidence (:func:`read_evidence`, :func:`fuse`). Weights:
``designgan/weights/garment_judge.safetensors`` (fp16, an ensemble of six CNNs) with ``garment_judge.json``
beside them (model config, training settings, held-out scores, the evidence table).

Trouser evidence: trousers and shorts have inner hems and a crotch; skirts have neither. The mean confidence the
landmark network gives those three landmarks (:func:`designgan.landmarks.regions.trouser_evidence`) is an opinion
formed by a network trained differently from the CNN, and it is right where the CNN is weakest (a long skirt over
black tights, a short flared skirt the CNN calls shorts). The two are combined by Bayes' rule, the evidence cut
into three bins (:data:`BINS`): ``p(family | photo) ∝ p_cnn(family | photo) · P(bin | family)``, with
``P(bin | family)`` counted on CCP photos outside the held-out split and stored in the sidecar (``evidence``).
Only the two decisive bins speak; the middle one (0.1-0.5) is neutral. Evidence is read only where an ankle is
seen (:func:`designgan.landmarks.regions.ankles_in_view`): a photo cut above the hems has none to give.

People, not shapes: the landmark network reads a "person" in a lion's fur or a drawn landscape (it regresses one
person per input). The presence judge (``garment_presence.safetensors`` beside the classifier's weights, the same
network with two outputs, person and none, trained on CCP people and frames without one:
:mod:`designgan.eval.garment_judge_presence`) looks at the same frame; the pipeline takes a person it gives
"none" at least :data:`NO_PERSON` for no person (:meth:`GarmentJudge.read_people`, :func:`garment_verdict`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from designgan import WEIGHTS_DIR
from designgan.errors import DataError
from designgan.landmarks.frame import FrameSpec, lower_body_frame, warp
from designgan.landmarks.garment_family import FAMILIES
from designgan.landmarks.garment_model import JudgeNetwork, model_from_config
from designgan.landmarks.regions import SKIRT_BELOW, TROUSER_EVIDENCE, TROUSERS_ABOVE, ankles_in_view, trouser_evidence
from designgan.models.weights import export_sidecar_weights, load_sidecar_weights

DEFAULT_WEIGHTS = WEIGHTS_DIR / "garment_judge.safetensors"
PRESENCE_WEIGHTS = "garment_presence.safetensors"  # the presence judge, beside the classifier's weights
PRESENCE_CLASSES = ("person", "none")
PRESENCE_FORMAT = "designgan-presence-judge"
Points = Mapping[str, Sequence[float]]

# The frame the shipped weights were trained on: 1.55 leg lengths (hip centre to ankle centre) tall, from 0.40 above
# the hips to 0.15 below the ankles, 160 x 100 pixels (0.97 leg lengths wide). Every photo gets one: unseen legs are
# extrapolated from the torso, the tilt is clamped to 25 degrees and the leg length bounded to 1.1-2.4 torso lengths.
# Those rows were measured from the frame's top edge; FrameSpec's rows are pixel centres, half a pixel higher.
_HEIGHT = 160
GARMENT_FRAME = FrameSpec(size=(_HEIGHT, 100), hip_y=0.40 / 1.55 - 0.5 / _HEIGHT, ankle_y=1.40 / 1.55 - 0.5 / _HEIGHT,
                          max_tilt_deg=25.0, always=True, leg_per_torso=(1.1, 2.4))
FRAME_SIZE = GARMENT_FRAME.size

BINS = (SKIRT_BELOW, TROUSERS_ABOVE)  # trouser evidence < 0.1 | 0.1-0.5 | > 0.5

# -- the pipeline's decision --------------------------------------------------------------------------------------
# A person is edited when the classifier gives the model's source family at least this probability. Chosen on the
# classifier's held-out photos (CCP pixel-level ids divisible by 10 and the held-out image-level dress / leggings
# photos, never trained on; 47 trousers, 60 skirts, 6 shorts), each photo read as the pipeline reads it
# (scripts/garment_gate.py --tagged): the threshold (0.05 steps) with the fewest source photos left alone plus
# other photos edited, ties to the lower one. Trousers 0.35: 45/47 edited, 7/60 skirts and 1/6 shorts by mistake;
# skirt 0.40: 55/60, 5/47 trousers; shorts 0.45: 5/6, none (docs/reliability.md).
SOURCE_CONFIDENCE = {"trousers": 0.35, "skirt": 0.40, "shorts": 0.45}
# Not the source: the person is said to wear the most likely other family when it has at least this probability,
# else their garment is "unclear".
OTHER_CONFIDENCE = 0.5
WEARS = {"trousers": "wears trousers", "skirt": "wears a skirt", "shorts": "wears shorts"}
UNCLEAR = "garment unclear"
NOT_A_PERSON = "not a person"
# The presence judge's "none" probability from which a person found is no person. Chosen on a validation set
# (scripts/person_score.py): the best person of CCP held-out photos (ids divisible by 20) whole, cut waist-down,
# chest-down and at the knee, and of composites of several people, gets at most 0.03 / 0.09 / 0.43 / 0.34 / 0.01;
# the judge's held-out frames without a person (CCP backgrounds, drawn pictures and animals, textures) get at least
# 0.68 (553 frames). NO_PERSON is the middle of that gap, in 0.05 steps: 0.12 from either side (the first judge
# left 0.015 between its validation people, up to 0.535, and 0.55).
NO_PERSON = 0.55


def garment_verdict(probabilities: Sequence[float], source_family: str) -> str | None:
    """None when a person whose family probabilities (in :data:`FAMILIES` order; a reading of
    :meth:`GarmentJudge.read_people` also has the presence judge's "none" last) are ``probabilities`` is to be
    edited from ``source_family``; otherwise why not: "not a person", "wears a skirt", "wears shorts", "wears
    trousers" or "garment unclear"."""
    if len(probabilities) == len(FAMILIES) + 1 and float(probabilities[-1]) >= NO_PERSON:
        return NOT_A_PERSON
    probs = dict(zip(FAMILIES, (float(p) for p in probabilities[:len(FAMILIES)]), strict=True))
    if probs[source_family] >= SOURCE_CONFIDENCE[source_family]:
        return None
    other = max((f for f in FAMILIES if f != source_family), key=probs.__getitem__)
    return WEARS[other] if probs[other] >= OTHER_CONFIDENCE else UNCLEAR


# A photo cut above the ankles (knee or calf crop) leaves the frame's lower part outside the photo. Black there, the
# classifier took trousers for skirts. CCP held-out photos cut at 68% of their height, read as the pipeline reads
# them (scripts/garment_gate.py --cut 0.68 [--black]), at the shipped thresholds: black, 19 of 46 trousers edited
# from trousers and 3 of 40 skirts, 35 of 40 skirts edited from skirt and 20 of 46 trousers (accuracy 0.59); the
# photo's edge pixels repeated (the legs continued down), 42 of 46 and 15 of 40, 26 of 40 and 4 of 46 (accuracy
# 0.79): fewer errors both ways, so the pipeline continues cut legs (the evaluation frames as trained, black).
CUT_LEGS_PADDING = "border"


# -- evidence -----------------------------------------------------------------------------------------------------
def _typed(points: Points) -> dict[str, tuple[float, float, float]]:
    return {n: (float(p[0]), float(p[1]), float(p[2])) for n, p in points.items()}


def read_evidence(points: Points, photo_height: int) -> float | None:
    """The trouser evidence of landmarks read on a photo ``photo_height`` pixels tall; None where it says nothing
    (no garment landmarks, or no ankle in the photo)."""
    typed = _typed(points)
    if not all(n in typed for n in TROUSER_EVIDENCE) or not ankles_in_view(typed, photo_height):
        return None
    return trouser_evidence(typed)


def evidence_bin(evidence: float) -> int:
    return int(np.digitize(evidence, BINS))  # < 0.1 -> 0, 0.1 to < 0.5 -> 1, >= 0.5 -> 2


def likelihood_table(entry: dict) -> np.ndarray:
    """(families, bins) array of a sidecar ``evidence`` entry; a one-line DataError when it is malformed."""
    try:
        if tuple(entry["bins"]) != BINS:
            raise ValueError(f"bins {entry['bins']} are not {list(BINS)}")
        table = np.array([entry["likelihood"][f] for f in FAMILIES], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"garment judge sidecar: bad 'evidence' entry ({type(exc).__name__}: {exc})") from None
    if table.shape != (len(FAMILIES), len(BINS) + 1) or (table <= 0).any():
        raise DataError(f"garment judge sidecar: 'evidence' likelihoods must be positive, {len(BINS) + 1} per family")
    return table


def fuse(probs: np.ndarray, evidence: Sequence[float | None], table: np.ndarray) -> np.ndarray:
    """``probs`` (B, families) times each photo's ``P(bin | family)``, renormalised; rows without evidence
    unchanged."""
    out = np.array(probs, dtype=np.float64, copy=True)
    for i, value in enumerate(evidence):
        if value is not None:
            row = out[i] * table[:, evidence_bin(value)]
            out[i] = row / row.sum()
    return out.astype(np.float32)


# -- the frame ----------------------------------------------------------------------------------------------------
def frame_matrix(points: Points, spec: FrameSpec = GARMENT_FRAME) -> np.ndarray:
    """The photo -> frame matrix (pixel centres) of ``spec`` placed by ``points``."""
    matrix, reason = lower_body_frame(points, spec)
    if matrix is None:  # only when the points lack the hips or every leg and torso point
        raise DataError(f"no garment frame for these landmarks: {reason}")
    return matrix


def crop_image(image: Image.Image | np.ndarray, matrix: np.ndarray, size: tuple[int, int],
               padding: str = "zeros") -> np.ndarray:
    """uint8 (h, w, 3): ``image`` (PIL or uint8 RGB array) resampled in the frame ``matrix`` (outside the photo
    black, or with ``padding="border"`` its edge pixels repeated; prefiltered when the frame shrinks the photo, so
    fine texture does not alias)."""
    array = np.asarray(image.convert("RGB")) if isinstance(image, Image.Image) else np.asarray(image)
    rgb = torch.from_numpy(array.copy()).permute(2, 0, 1)[None]
    out = warp(rgb, matrix, size, padding_mode=padding)[0]
    return out.round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()


def frame_crop(image: Image.Image | np.ndarray, points: Points, padding: str = "zeros") -> np.ndarray:
    """uint8 (160, 100, 3): the photo's lower-body frame (``padding``: see :func:`crop_image`)."""
    return crop_image(image, frame_matrix(points), FRAME_SIZE, padding)


# -- the classifier -----------------------------------------------------------------------------------------------
class GarmentJudge:
    def __init__(self, model: JudgeNetwork, flip_test: bool = True, meta: dict | None = None,
                 presence: JudgeNetwork | None = None):
        self.model = model.eval()
        self.flip_test = flip_test
        self.meta = meta or {}
        # P(trouser-evidence bin | family) when the sidecar has it: the landmark network's opinion
        self.evidence_table = likelihood_table(self.meta["evidence"]) if "evidence" in self.meta else None
        self.presence = presence.eval() if presence is not None else None

    @classmethod
    def load(cls, weights: str | Path | None = None, flip_test: bool = True) -> GarmentJudge:
        """The classifier of ``weights`` (default: the shipped one) with the presence judge beside it
        (:data:`PRESENCE_WEIGHTS`), when there is one."""
        path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        model, meta = load_weights(path)
        beside = path.with_name(PRESENCE_WEIGHTS)
        return cls(model, flip_test=flip_test, meta=meta, presence=load_presence(beside) if beside.is_file() else None)

    def save_presence_beside(self, weights: str | Path) -> None:
        """Write the presence judge (when there is one) beside classifier weights being saved to ``weights``, where
        :meth:`load` finds it (a saved pipeline keeps it)."""
        if self.presence is not None:
            export_presence(self.presence, Path(weights).with_name(PRESENCE_WEIGHTS), {})

    @torch.no_grad()
    def probabilities(self, crops: np.ndarray | torch.Tensor, model: JudgeNetwork | None = None) -> np.ndarray:
        """(B, 160, 100, 3) uint8 frame crops -> (B, families) probabilities (flip-averaged); ``model``: another
        network on the same frames (the presence judge: (B, presence classes))."""
        model = model if model is not None else self.model
        x = torch.as_tensor(np.array(crops, dtype=np.uint8)).permute(0, 3, 1, 2).float() / 255.0
        if len(x) == 0:
            return np.zeros((0, num_outputs(model)), dtype=np.float32)
        if self.flip_test:  # one batch for both views
            probs = model(torch.cat([x, x.flip(-1)])).softmax(-1)
            probs = 0.5 * (probs[:len(x)] + probs[len(x):])
        else:
            probs = model(x).softmax(-1)
        return probs.numpy()

    def classify(self, images: Sequence[Image.Image | np.ndarray], points: Sequence[Points],
                 evidence: Sequence[float | None] | None = None, padding: Sequence[str] | None = None
                 ) -> np.ndarray:
        """Family probabilities (B, families) of each photo, framed by its landmark points. ``evidence``: per photo,
        the landmark network's trouser evidence read on that photo (:func:`read_evidence`; None where it has
        none), fused in when the judge has an evidence table. ``padding``: per photo, how the frame is filled
        outside the photo (:func:`crop_image`; default black)."""
        pads = padding if padding is not None else ["zeros"] * len(images)
        return self._fused(_crops(images, points, pads), evidence)

    def _fused(self, crops: np.ndarray, evidence: Sequence[float | None] | None) -> np.ndarray:
        probs = self.probabilities(crops)
        if evidence is None or self.evidence_table is None:
            return probs
        if len(evidence) != len(probs):
            raise ValueError(f"{len(evidence)} evidence values for {len(probs)} photos")
        return fuse(probs, evidence, self.evidence_table)

    def classify_read(self, images: Sequence[Image.Image | np.ndarray], points: Sequence[Points],
                      extend_cut_legs: bool = False) -> np.ndarray:
        """:meth:`classify` of photos whose landmark points were read on those photos (real photos; a translation
        is framed by its source's points instead): the evidence comes from the same points. ``extend_cut_legs``
        (the pipeline's choice, :data:`CUT_LEGS_PADDING`): a photo with no ankle in view is framed with its edge
        rows repeated past its bottom instead of black."""
        return self._fused(*self._read(images, points, extend_cut_legs))

    def read_people(self, images: Sequence[Image.Image | np.ndarray], points: Sequence[Points]) -> np.ndarray:
        """The pipeline's reading of people found in photos: (B, families + 1), :meth:`classify_read` of each
        (cut legs continued) and, last, the presence judge's probability that the frame shows no person (0
        without a presence judge)."""
        crops, evidence = self._read(images, points, True)
        probs = self._fused(crops, evidence)
        none = (self.probabilities(crops, self.presence)[:, PRESENCE_CLASSES.index("none")]
                if self.presence is not None else np.zeros(len(probs), np.float32))
        return np.concatenate([probs, none[:, None].astype(np.float32)], axis=1)

    def _read(self, images: Sequence[Image.Image | np.ndarray], points: Sequence[Points], extend_cut_legs: bool
              ) -> tuple[np.ndarray, list[float | None]]:
        heights = [img.height if isinstance(img, Image.Image) else np.asarray(img).shape[0] for img in images]
        evidence = [read_evidence(p, h) for p, h in zip(points, heights, strict=True)]
        padding = [CUT_LEGS_PADDING if extend_cut_legs and not ankles_in_view(_typed(p), h) else "zeros"
                   for p, h in zip(points, heights, strict=True)]
        return _crops(images, points, padding), evidence


def _crops(images: Sequence[Image.Image | np.ndarray], points: Sequence[Points], padding: Sequence[str]
           ) -> np.ndarray:
    crops = [frame_crop(img, p, pad) for img, p, pad in zip(images, points, padding, strict=True)]
    return np.stack(crops) if crops else np.zeros((0, *FRAME_SIZE, 3), np.uint8)


def num_outputs(model: JudgeNetwork) -> int:
    """How many classes ``model`` (a judge network or an ensemble of them) scores."""
    return getattr(model.config, "member", model.config).num_families


def load_weights(path: str | Path | None = None) -> tuple[JudgeNetwork, dict]:
    path = Path(path) if path is not None else DEFAULT_WEIGHTS
    return load_sidecar_weights(path, "garment judge", "garment judge config", model_from_config,  # type: ignore[return-value]
                                "families", FAMILIES)


def export_presence(model: JudgeNetwork, path: str | Path, meta: dict) -> None:
    """fp16 presence judge weights + JSON sidecar (its classes, frame and ``meta``)."""
    export_sidecar_weights(model, path, PRESENCE_FORMAT,
                           {"classes": list(PRESENCE_CLASSES), "frame": list(FRAME_SIZE), **meta})


def load_presence(path: str | Path) -> JudgeNetwork:
    """The presence judge of ``path`` (a one-line DataError naming the file when it is not one)."""
    model, _ = load_sidecar_weights(Path(path), "presence judge", "presence judge config", model_from_config,
                                    "classes", PRESENCE_CLASSES)
    return model  # type: ignore[return-value]
