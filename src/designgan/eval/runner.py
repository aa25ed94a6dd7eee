"""Evaluate a translator on a dataset's test split: per-image measurements, summary figures, kept thumbnails.

Regions come from the judge's parse of the source photo and of the output (the test photos have no masks):

- *garment zone*: the source's and the output's lower garments, leg coverings and shoes, plus skin below the
  source garment's waist, dilated by 2% of the photo height. It does not depend on the model, so the
  preservation figures compare models fairly: everything outside it (background, face, upper body) should be kept.
- *success*: the garment judge (:mod:`designgan.eval.garment_judge`) gives the target's family (trousers, skirt,
  shorts) to the output's lower-body frame, placed by the landmark network on the *source* photo (the translator
  keeps the person where they are). A failed translation is a failure. Without a garment judge, the parser's
  vote below is the success figure (as before the garment judge existed).
- *parser success*: among the output's lower-garment pixels (jeans, pants, skirt, shorts, dress) in the zone, the
  share the parser labels as the target category is above one half. No lower garment at all counts as a failure.
  *shape success* is the same vote over garment shapes (trousers = jeans, pants; skirt-like = skirt, dress;
  shorts): did the garment take the target's shape, whatever its exact category (the judge often calls a skirt
  the lower half of a dress).
- *texture*: the source garment (judge label = source category) against the output garment (= target category).
- *skin*: output skin in the zone that was not skin in the source, against the person's other skin (face, arms).
- *realism*: KID of the outputs against real target-domain photos twice, in two feature spaces: the parser
  judge's embedding (``kid``: rewards looking like what the judge was trained to parse, so a translator can buy
  it by fooling the judge) and the self-supervised realism encoder's (``kid_realism``,
  :mod:`designgan.eval.realism`: trained without labels, it reflects whole-photo statistics).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from scipy import ndimage
from tqdm import tqdm

from designgan.data import Record, category_members
from designgan.errors import DataError, DesignGANError
from designgan.eval import metrics
from designgan.eval.classes import CCP_TO_JUDGE, JUDGE_CLASSES, class_id
from designgan.eval.detectability import (
    DetectPopulations,
    DetectSample,
    DetectSettings,
    blurred_edit,
    detectability,
    photo_sample,
    trained_reference,
)
from designgan.eval.garment_eval import LandmarkSource
from designgan.eval.garment_evidence import read_evidence
from designgan.eval.garment_family import FAMILIES, family_index
from designgan.eval.garment_judge import GarmentJudge
from designgan.eval.judge import Judge, Parse, colorize
from designgan.eval.people_eval import PeopleScorer
from designgan.eval.realism import RealismEncoder
from designgan.eval.translators import Translate
from designgan.io import load_image

GARMENT_VOTE = ("jeans", "pants", "skirt", "shorts", "dress")
SHAPES = {"jeans": "trousers", "pants": "trousers", "skirt": "skirt-like", "dress": "skirt-like", "shorts": "shorts"}
ZONE_CLASSES = (*GARMENT_VOTE, "legwear", "shoes")
ZONE_DILATE = 0.02  # of the photo height
MIN_REGION = 0.001  # of the photo area: smaller garment / skin regions are "not found"
THUMB_HEIGHT = 256

# per-image columns whose mean / median / count make the summary (name -> lower is better?)
FIGURES: dict[str, bool] = {
    "success": False, "target_probability": False, "parser_success": False, "target_share": False,
    "shape_success": False, "colour_distance": True, "texture_distance": True,
    "psnr_outside_edit": False, "ssim_outside_edit": False, "psnr_preserved": False, "ssim_preserved": False,
    "skin_delta_e": True,
}


def judge_class_for(category: str) -> int:
    """Judge class id of a dataset category name ('jeans', 'skirt', 'trousers' -> pants...)."""
    name = CCP_TO_JUDGE.get(category, {"trousers": "pants"}.get(category, category))
    try:
        return class_id(name)
    except KeyError as exc:
        raise DataError(f"category '{category}' has no judge class ({exc.args[0]})") from None


def judge_classes_for(category: str) -> list[int]:
    """Judge class ids of a category or of a group domain ('jeans+pants': either counts as the target)."""
    return sorted({judge_class_for(part) for part in category_members(category)})


def _ids(names: Sequence[str]) -> list[int]:
    return [JUDGE_CLASSES.index(n) for n in names]


def same_shape(class_index: int | Sequence[int]) -> list[int]:
    """Judge classes of the same garment shape as ``class_index`` (itself only for non-garments); a list of
    classes gives the union."""
    if not isinstance(class_index, int):
        return sorted({c for i in class_index for c in same_shape(int(i))})
    shape = SHAPES.get(JUDGE_CLASSES[class_index])
    return [JUDGE_CLASSES.index(n) for n, s in SHAPES.items() if s == shape] if shape else [class_index]


def garment_zone(source: np.ndarray, output: np.ndarray) -> np.ndarray:
    """bool (H, W): where a lower-garment translation may legitimately change pixels (see the module doc)."""
    zone_ids = _ids(ZONE_CLASSES)
    garment = np.isin(source, zone_ids) | np.isin(output, zone_ids)
    src_lower = np.isin(source, _ids(GARMENT_VOTE))
    skin = JUDGE_CLASSES.index("skin")
    if src_lower.any():
        waist = int(np.nonzero(src_lower.any(axis=1))[0][0])
        legs = np.zeros_like(garment)
        legs[waist:] = True
        garment |= legs & ((source == skin) | (output == skin))
    radius = max(1, round(ZONE_DILATE * source.shape[0]))
    return ndimage.binary_dilation(garment, structure=np.ones((3, 3), bool), iterations=radius) if garment.any() \
        else garment


def _thumb(img: Image.Image) -> Image.Image:
    w, h = img.size
    return img.resize((max(1, round(w * THUMB_HEIGHT / h)), THUMB_HEIGHT), Image.BILINEAR)


def measure_one(source_img: Image.Image, output_img: Image.Image, edit_region: np.ndarray, source_parse: Parse,
                output_parse: Parse, source_class: int | list[int], target_class: int | list[int],
                fabric: Image.Image | None = None) -> dict:
    """Every per-image figure for one translation (NaN where a region is missing).

    ``source_class`` / ``target_class``: one judge class, or several when a domain groups categories."""
    if output_img.size != source_img.size:
        raise DataError(f"the translator returned a {output_img.size} image for a {source_img.size} photo")
    if edit_region.shape != (source_img.size[1], source_img.size[0]):
        raise DataError(f"the translator's edit region is {edit_region.shape}, the photo {source_img.size[::-1]}")
    src, out = np.asarray(source_img), np.asarray(output_img)
    s_lab, o_lab = source_parse.labels, output_parse.labels
    min_px = MIN_REGION * s_lab.size
    zone = garment_zone(s_lab, o_lab)
    vote_region = zone if zone.any() else np.ones_like(zone)
    share, vote_px = metrics.label_share(o_lab, vote_region, target_class, _ids(GARMENT_VOTE))
    shape_share, _ = metrics.label_share(o_lab, vote_region, same_shape(target_class), _ids(GARMENT_VOTE))
    found = vote_px >= min_px
    row: dict = {"target_share": share, "vote_pixels": vote_px, "success": float(found and share > 0.5),
                 "shape_success": float(found and shape_share > 0.5)}

    src_garment = np.isin(s_lab, source_class)
    out_garment = np.isin(o_lab, target_class) & vote_region
    row["source_garment_pixels"], row["output_garment_pixels"] = int(src_garment.sum()), int(out_garment.sum())
    if fabric is not None:
        ref_img, ref_mask = np.asarray(fabric), np.ones(fabric.size[::-1], dtype=bool)
    else:
        ref_img, ref_mask = src, src_garment if src_garment.sum() >= min_px else np.zeros_like(src_garment)
    out_mask = out_garment if out_garment.sum() >= min_px else np.zeros_like(out_garment)
    row["colour_distance"] = metrics.colour_distance(ref_img, ref_mask, out, out_mask)
    row["texture_distance"] = metrics.texture_distance(ref_img, ref_mask, out, out_mask)

    edit = edit_region.astype(bool)
    row["edit_fraction"] = float(edit.mean())
    ssim = metrics.ssim_map(src, out) if (~edit).any() or (~zone).any() else None
    row["psnr_outside_edit"] = metrics.masked_psnr(src, out, ~edit)
    row["ssim_outside_edit"] = metrics.masked_ssim(src, out, ~edit, ssim)
    row["psnr_preserved"] = metrics.masked_psnr(src, out, ~zone)
    row["ssim_preserved"] = metrics.masked_ssim(src, out, ~zone, ssim)

    skin = JUDGE_CLASSES.index("skin")
    new_skin = (o_lab == skin) & (s_lab != skin) & zone
    reference = (s_lab == skin) & ~zone
    if reference.sum() < min_px:
        reference = s_lab == skin
    row["new_skin_pixels"] = int(new_skin.sum())
    row["skin_delta_e"] = metrics.skin_delta_e(out, new_skin, metrics.mean_lab(src, reference)) \
        if new_skin.sum() >= min_px and reference.sum() >= min_px else math.nan
    return row


@dataclass
class EvalResult:
    rows: list[dict]
    summary: dict
    thumbs: dict[str, tuple[Image.Image, Image.Image, Image.Image]] = field(repr=False)
    # full-resolution (source, output, edit region) of the records asked for with ``keep`` (the by-eye pictures)
    full: dict[str, tuple[Image.Image, Image.Image, np.ndarray]] = field(default_factory=dict, repr=False)


def lower_body_zone(labels: np.ndarray) -> np.ndarray:
    """bool (H, W): a photo's own lower-body zone (:func:`garment_zone` of its parse alone), where the detectability
    patches of an unedited photo come from."""
    return garment_zone(labels, labels)


def _round(v: float, digits: int = 4) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), digits)


@dataclass
class RealismEmbeddings:
    """The realism encoder's embeddings of the outputs, the untouched sources and the real target photos."""

    outputs: np.ndarray
    sources: np.ndarray
    real_target: np.ndarray


def _kid_entry(emb: np.ndarray, real: np.ndarray, subsets: int) -> dict:
    mean, std = metrics.kid(emb, real, subsets=subsets) if len(emb) else (math.nan,) * 2
    return {"mean": _round(mean, 6), "std": _round(std, 6), "n": len(emb), "n_real": len(real),
            "lower_is_better": True}


def summarise(rows: list[dict], output_embeddings: np.ndarray, source_embeddings: np.ndarray,
              real_target_embeddings: np.ndarray, kid_subsets: int = 100,
              realism: RealismEmbeddings | None = None) -> dict:
    """Mean, median and sample size of every figure; success rate; KID of outputs (and of the untouched
    sources, as the do-nothing reference) against real target-domain photos, in the judge's feature space
    (``kid``) and, given ``realism``, in the realism encoder's (``kid_realism``; None without it)."""
    summary: dict = {"images": len(rows)}
    for name, lower_better in FIGURES.items():
        values = np.array([r.get(name, math.nan) for r in rows], dtype=np.float64)
        finite = values[np.isfinite(values)]
        summary[name] = {"mean": _round(finite.mean()) if finite.size else None,
                         "median": _round(np.median(finite)) if finite.size else None,
                         "n": int(finite.size), "lower_is_better": lower_better}
    summary["success_rate"] = summary["success"]["mean"]
    summary["kid"] = _kid_entry(output_embeddings, real_target_embeddings, kid_subsets)
    summary["kid_source_reference"] = _kid_entry(source_embeddings, real_target_embeddings, kid_subsets)
    summary["kid_realism"] = summary["kid_realism_source_reference"] = None
    if realism is not None:
        # KID's kernel is (x.y / d + 1)^3: on unit vectors it would be almost linear (KID would compare only the
        # means), so the encoder's unit embeddings are scaled by sqrt(d) and the kernel sees cosine similarities
        scale = math.sqrt(realism.real_target.shape[1]) if realism.real_target.ndim == 2 else 1.0
        real = realism.real_target * scale
        summary["kid_realism"] = _kid_entry(realism.outputs * scale, real, kid_subsets)
        summary["kid_realism_source_reference"] = _kid_entry(realism.sources * scale, real, kid_subsets)
    return summary


def quality_score(row: dict) -> float:
    """Ranking for the best / median / worst grid: the garment judge's target probability (else the parser's
    target share), minus half the colour distance
    (so among equally convincing outputs, the one that kept the garment's colours ranks higher)."""
    share = row.get("target_probability", math.nan)
    share = share if math.isfinite(share) else row["target_share"]
    share = share if math.isfinite(share) else 0.0
    colour = row["colour_distance"] if math.isfinite(row["colour_distance"]) else 1.0
    return share - 0.5 * colour


@dataclass
class RealPhotos:
    """The judge's view of real photos of one domain: embeddings (for KID) and, per photo, whether the success
    test (and the shape-success test) passes for the photo's own category: the ceiling a translator's success
    rate can be read against."""

    embeddings: np.ndarray  # (n, D)
    recognised: np.ndarray  # (n,) float, 1.0 or 0.0: the parser's success test
    shape_recognised: np.ndarray  # (n,) float, 1.0 or 0.0
    family_recognised: np.ndarray | None = None  # (n,): the garment judge gives the domain's family
    realism: np.ndarray | None = None  # (n, D'): the realism encoder's embeddings (None without an encoder)
    detect: list[DetectSample] | None = None  # the photos cut for the detectability classifiers

    def summary(self, shape: bool = False, parser: bool = False) -> dict:
        """The ceiling of the success figure (the garment judge's when there is one), or of the parser's tests."""
        values = self.shape_recognised if shape else self.recognised if parser or self.family_recognised is None \
            else self.family_recognised
        n = len(values)
        return {"mean": _round(float(values.mean())) if n else None, "n": n, "lower_is_better": False}


def judge_real_photos(judge: Judge, records: Sequence[Record], desc: str = "judging real photos",
                      progress: bool = True, batch_size: int = 8, domain: str | None = None,
                      garment: GarmentJudge | None = None, landmarks: LandmarkSource | None = None,
                      realism: RealismEncoder | None = None, detect: DetectSettings | None = None,
                      tag_held_up: Callable[[Record], bool] | None = None) -> RealPhotos:
    """Embeddings of real target photos and whether the judge recognises each one's category (with ``domain``,
    e.g. 'jeans+pants', any category of the domain counts, as it does for translations into it); with a garment
    judge, also whether it gives each photo the domain's family (the success figure's ceiling); with a realism
    encoder, its embeddings too (the second KID's reference); with ``detect``, each photo cut for the detectability
    classifiers (patches from its lower-body zone), leaving out those ``tag_held_up`` rejects (:func:`tag_check`)."""
    embeddings, recognised, shape_recognised, family, realism_emb, samples = [], [], [], [], [], []
    landmarks = landmarks or LandmarkSource()
    vote = _ids(GARMENT_VOTE)
    for start in tqdm(range(0, len(records), batch_size), desc=desc, disable=not progress, leave=False):
        chunk = records[start:start + batch_size]
        images = [load_image(r.path("image")) for r in chunk]
        if realism is not None:
            realism_emb.append(realism.embed(images))
        points = [landmarks.points(r, img)[0] for r, img in zip(chunk, images, strict=True)] \
            if garment is not None or detect is not None else []
        if garment is not None:
            probs = garment.classify_read(images, points)
            family += [float(p.argmax() == family_index(domain or r.category)) for r, p in zip(chunk, probs,
                                                                                                strict=True)]
        for j, (record, parse) in enumerate(zip(chunk, judge.parse_many(images), strict=True)):
            embeddings.append(parse.embedding)
            if detect is not None and (tag_held_up is None or tag_held_up(record)):
                samples.append(photo_sample(images[j], points[j], lower_body_zone(parse.labels), detect,
                                            seed=detect.seed + start + j))
            everywhere = np.ones_like(parse.labels, bool)
            own = judge_classes_for(domain or record.category)
            share, n = metrics.label_share(parse.labels, everywhere, own, vote)
            shape_share, _ = metrics.label_share(parse.labels, everywhere, same_shape(own), vote)
            found = n >= MIN_REGION * parse.labels.size
            recognised.append(float(found and share > 0.5))
            shape_recognised.append(float(found and shape_share > 0.5))
    dim = judge.model.embedding_dim
    return RealPhotos(np.stack(embeddings) if embeddings else np.zeros((0, dim), np.float32),
                      np.array(recognised, dtype=np.float64), np.array(shape_recognised, dtype=np.float64),
                      np.array(family, dtype=np.float64) if garment is not None else None,
                      (np.concatenate(realism_emb) if realism_emb else np.zeros((0, realism.embedding_dim),
                                                                                 np.float32))
                      if realism is not None else None, samples if detect is not None else None)


def _translated(translate: Translate, records: Sequence[Record]
                ) -> Iterator[tuple[Record, Image.Image, tuple | DesignGANError, float]]:
    """(record, its photo, ``translate``'s (output, edit region) or its error, seconds) in the records' order, the
    next record translated on a background thread while the caller measures this one (torch releases the GIL in
    its kernels, so on two cores the two overlap; the figures are the same)."""

    def run(record: Record) -> tuple[Image.Image, tuple | DesignGANError, float]:
        image = load_image(record.path("image"))
        tic = time.perf_counter()
        try:
            outcome: tuple | DesignGANError = translate(image)
        except DesignGANError as exc:
            outcome = exc
        return image, outcome, round(time.perf_counter() - tic, 3)

    with ThreadPoolExecutor(max_workers=1) as ahead:
        upcoming = ahead.submit(run, records[0]) if records else None
        for k, record in enumerate(records):
            assert upcoming is not None
            image, outcome, seconds = upcoming.result()
            upcoming = ahead.submit(run, records[k + 1]) if k + 1 < len(records) else None
            yield record, image, outcome, seconds


def evaluate(translate: Translate, records: Sequence[Record], target_category: str, judge: Judge,
             real_target: RealPhotos, fabric: Image.Image | None = None, progress: bool = True,
             kid_subsets: int = 100, garment: GarmentJudge | None = None,
             landmarks: LandmarkSource | None = None, people: PeopleScorer | None = None,
             realism: RealismEncoder | None = None, detect: DetectSettings | None = None,
             keep: Sequence[str] = (), tag_held_up: Callable[[Record], bool] | None = None) -> EvalResult:
    """Run ``translate`` on every record's photo and measure it (see the module doc for the definitions).

    ``garment``: the garment judge deciding ``success`` (without it the parser's vote does); ``landmarks``: where
    the source photos' landmarks come from (default: predicted); ``people``: scores each person of records that
    list their people (``extra["people"]``, the composites), summed up in ``summary["people"]``; ``realism``: the
    realism encoder for ``kid_realism`` (needs ``real_target.realism``; without either the key is None);
    ``detect``: run the detectability test (:mod:`designgan.eval.detectability`; needs ``real_target.detect``) into
    ``summary["detectability"]``, its do-nothing control on the sources ``tag_held_up`` accepts
    (:func:`tag_check`); ``keep``: record keys whose full-resolution photos stay in ``result.full``."""
    if not records:
        raise DataError("no test images to evaluate")
    if realism is not None and real_target.realism is None:
        raise DataError("the realism encoder needs the real target photos' realism embeddings "
                        "(judge_real_photos(..., realism=encoder))")
    if detect is not None and real_target.detect is None:
        raise DataError("detectability needs the real target photos cut for it (judge_real_photos(..., detect=))")
    pops = DetectPopulations([], [], [], [])
    full = {}
    target_class = judge_classes_for(target_category)
    target_family = family_index(target_category) if garment is not None else -1
    landmarks = landmarks or LandmarkSource()
    rows, thumbs, out_emb, src_emb, realism_pairs = [], {}, [], [], []
    failures = 0
    for record, image, outcome, seconds in tqdm(_translated(translate, records), total=len(records),
                                                 desc="evaluating", disable=not progress):
        row = {"key": record.key, "id": record.id, "source_category": record.category,
               "target_category": target_category}
        if isinstance(outcome, DesignGANError):  # e.g. no person found: a failed translation, not a failed eval
            failures += 1
            rows.append(row | {"seconds": seconds, "error": str(outcome)}
                        | {name: math.nan for name in FIGURES}
                        | {"success": 0.0, "parser_success": 0.0, "shape_success": 0.0}
                        | (people.score(record, image, None) if people and "people" in record.extra else {}))
            blank = Image.new("RGB", _thumb(image).size, "white")
            thumbs[record.key] = (_thumb(image), blank, blank)
            continue
        output, edit_region = outcome
        row["seconds"] = seconds
        output = output.convert("RGB")
        source_parse, output_parse = judge.parse_many([image, output])
        row |= measure_one(image, output, np.asarray(edit_region, dtype=bool), source_parse, output_parse,
                           judge_classes_for(record.category), target_class, fabric)
        row["parser_success"] = row["success"]
        if garment is not None or detect is not None:
            points, _ = landmarks.points(record, image)
        if detect is not None:  # cut at the source's landmarks, as the garment judge frames translations
            edit, seed = np.asarray(edit_region, dtype=bool), detect.seed + len(rows)
            pops.outputs.append(photo_sample(output, points, edit, detect, seed))
            if tag_held_up is None or tag_held_up(record):
                pops.sources.append(photo_sample(image, points, lower_body_zone(source_parse.labels), detect, seed))
            pops.known_bad.append(photo_sample(blurred_edit(image, edit), points, edit, detect, seed))
        if record.key in keep:
            full[record.key] = (image, output, np.asarray(edit_region, dtype=bool))
        if garment is not None:
            # framed where the source person stands; the evidence is the landmark network's reading of each photo
            evidence = None
            if garment.evidence_table is not None:
                evidence = [read_evidence(points, image.height),
                            read_evidence(landmarks.predict(output)[0], output.height)]
            probs = garment.classify([image, output], [points, points], evidence)
            row |= {"source_family": FAMILIES[int(probs[0].argmax())],
                    "output_family": FAMILIES[int(probs[1].argmax())],
                    "target_probability": float(probs[1, target_family]),
                    "success": float(probs[1].argmax() == target_family)}
        if people is not None and "people" in record.extra:
            row |= people.score(record, image, output)
        rows.append(row)
        thumbs[record.key] = (_thumb(image), _thumb(output), _thumb(colorize(output_parse.labels)))
        out_emb.append(output_parse.embedding)
        src_emb.append(source_parse.embedding)
        if realism is not None:
            realism_pairs.append(realism.embed([image, output]))
    if failures == len(records):
        raise DataError(f"every translation failed; the first error: {rows[0]['error']}")
    dim = judge.model.embedding_dim
    out_arr = np.stack(out_emb) if out_emb else np.zeros((0, dim), np.float32)
    src_arr = np.stack(src_emb) if src_emb else np.zeros((0, dim), np.float32)
    realism_emb = None
    if realism is not None and real_target.realism is not None:
        pairs = np.stack(realism_pairs) if realism_pairs else np.zeros((0, 2, realism.embedding_dim), np.float32)
        realism_emb = RealismEmbeddings(outputs=pairs[:, 1], sources=pairs[:, 0], real_target=real_target.realism)
    summary = summarise(rows, out_arr, src_arr, real_target.embeddings, kid_subsets, realism=realism_emb)
    summary["success_judge"] = "garment judge" if garment is not None else "parser"
    summary["real_target_recognised"] = real_target.summary()
    summary["real_target_parser_recognised"] = real_target.summary(parser=True)
    summary["real_target_shape_recognised"] = real_target.summary(shape=True)
    summary["failed_translations"] = failures
    summary["target_category"] = target_category
    if people is not None and people.people:
        summary["people"] = people.summary()
    if detect is not None:
        pops.reals = real_target.detect or []
        log = (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else None
        summary["detectability"] = detectability(pops, detect, log)
        if garment is not None and "skipped" not in summary["detectability"]:
            summary["detectability"]["garment_judge"] = trained_reference(
                pops, lambda frames: garment.probabilities(frames).argmax(axis=1) == target_family)
    return EvalResult(rows=rows, summary=summary, thumbs=thumbs, full=full)
