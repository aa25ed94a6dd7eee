"""Finding the people to edit: landmarks per person, photos read in person-wide windows, chimeras and duplicates
dropped.

The landmark network regresses ONE person per input; read whole, a photo of two or three people standing side by
side gives a chimera (the shoulders of one, the legs of another). Detectors (``detect_people(detector=...)``):

* ``"windows"`` (the default, issue 17): the whole photo and full-height windows 0.45 as wide, a third of their
  width apart, over any photo wider than one window (a CCP portrait photo too: it may hold two people); readings
  whose bodies do not hang together (:func:`chimera`) or that span two people are dropped, one reading is kept per
  person, and where two or more are found each is read again in a window centred on them. 129 of 130 people found
  on the composites of docs/evaluation.md, 0.3 s per photo on one CPU core (0.15-0.2 s on a single-person photo:
  4 passes instead of 1); no extra person on 40 single-person CCP photos.
* ``"landmarks"`` (before issue 17): the whole photo, and a wide one (:data:`WIDE_PHOTO`) also in half-overlapping
  0.7-wide strips, merged by torso centre (60 of 130).
* ``"hog"``: ``"landmarks"`` plus a crop around each person OpenCV's HOG detector proposes (105 of 130).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from designgan.errors import DesignGANError
from designgan.landmarks.regions import LANDMARK_CONFIDENCE, ankles_in_view, person_box
from designgan.pipeline.person import Person

STRIP_ASPECT = 0.7  # width / height of the strips a wide photo is searched in for more people
WIDE_PHOTO = 0.9  # photos wider than this share of their height are searched in strips
# At most this many strips per photo (about 0.1 s each on one CPU core): half-overlapping strips cover photos up to
# ~11x wider than tall, touching ones ~22x; a wider photo is read in this many evenly spread strips, with a warning.
MAX_STRIPS = 32
STRIP_BATCH = 8  # strips per landmark-network call


def strip_offsets(width: int, height: int, max_strips: int = MAX_STRIPS) -> list[int]:
    """Left edges of the person-shaped strips a wide photo is also read in (none for a portrait photo).

    Half-overlapping strips; a photo too wide for ``max_strips`` of those gets ``max_strips`` evenly spread ones
    (overlapping less, or with gaps between them on a panorama: see :func:`strips_cover`).
    """
    strip = round(STRIP_ASPECT * height)
    if width <= WIDE_PHOTO * height or strip >= width:
        return []
    stride = max(1, strip // 2)
    offsets = list(range(0, width - strip + 1, stride))
    if offsets[-1] != width - strip:
        offsets.append(width - strip)
    if len(offsets) > max_strips:
        span = width - strip
        offsets = [round(i * span / (max_strips - 1)) for i in range(max_strips)]
    return offsets


def strips_cover(width: int, height: int, max_strips: int = MAX_STRIPS) -> bool:
    """Whether the strips of :func:`strip_offsets` leave no column of the photo unread."""
    offsets = strip_offsets(width, height, max_strips)
    strip = round(STRIP_ASPECT * height)
    return all(b - a <= strip for a, b in itertools.pairwise(offsets))


def _same_person(a: Person, b: Person) -> bool:
    ta, tb = a.torso(), b.torso()
    return ta is not None and tb is not None and \
        float(np.linalg.norm(ta[0] - tb[0])) <= 0.5 * max(ta[1], tb[1], 1.0)


def merge_people(people: list[Person], only_near: list[Person] | None = None) -> list[Person]:
    """Found people, one per torso: of detections whose torso centres lie within half a torso of each other,
    the most confident is kept (most confident first). With ``only_near``, a detection is kept only if it is the
    same person as one of those. A photo where nobody is found keeps its first entry (with ``found=False``)."""
    found = sorted((p for p in people if p.found and p.torso() is not None), key=lambda p: p.confidence,
                   reverse=True)
    kept: list[Person] = []
    for person in found:
        if only_near is not None and not any(_same_person(person, q) for q in only_near):
            continue
        if not any(_same_person(person, k) for k in kept):
            kept.append(person)
    return kept or people[:1]



DETECTORS = ("windows", "landmarks", "hog")
DEFAULT_DETECTOR = "windows"
SAME_BOX = 0.5  # two people whose boxes share this much of the smaller one are one person


def merge_by_box(people: list[Person]) -> list[Person]:
    """Found people, most confident first, without those whose landmark box lies mostly (:data:`SAME_BOX` of
    the smaller box) inside a more confident one's: readings of one person from differently placed crops."""
    kept: list[tuple[Person, tuple[float, float, float, float]]] = []
    for person in sorted((p for p in people if p.found), key=lambda p: p.confidence, reverse=True):
        box = person_box(person.points)
        if box is None:
            continue
        if not any(_shared(box, other) > SAME_BOX for _, other in kept):
            kept.append((person, box))
    return [p for p, _ in kept]


def _shared(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection of two boxes over the smaller one's area."""
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return inter / smaller if smaller > 0 else 0.0


# --- Person-shaped windows, chimeras rejected: the default detector (issue 17) ------------------------------------
# The landmark network reads ONE person per input: a photo of two or three people read whole gives a chimera (the
# shoulders of one, the legs of another), and so do the 0.7-wide strips above, which hold about two people each.
# Full-height windows about one standing person wide (WINDOW_ASPECT of the height), a third of their width apart,
# give each person a window of their own; readings whose bodies do not hang together are dropped (:func:`chimera`)
# and readings of one person from several windows merged (:func:`merge_windows`). Measured on the 50 composites of
# docs/evaluation.md ("Several people"): windows 0.45 wide found 127 of 130 people; a second, 0.7-high row of
# windows (people further away) read upper bodies and legs as people of their own (13 false people on 40
# single-person CCP photos) and was dropped; a stride of a quarter window found no one more.
WINDOW_ASPECT = 0.45  # window width / height: one standing person (landmark box ~0.25-0.4 of their height) and margin
WINDOW_STRIDE = 1 / 3  # of the window's width between neighbouring windows
MIN_WINDOW = 8  # px: narrower windows (a photo a few pixels high) are not read
MAX_WINDOWS = 32  # about 0.05-0.1 s each on one CPU core; a wider photo gets this many evenly spread windows
# Each person found is read again in a window this wide centred on them, narrower than the regular ones (less of
# the neighbours): on the composites +1 person found and one legs-only reading made whole; a gap window between
# two people found, +1 more.
CENTRED_ASPECT = 0.35
GAP = 0.2  # of the height: a stretch this wide between two people found is read in a window of its own
# Where neither the whole photo nor the full-height windows find anyone, the person may be small in the frame (a
# studio shot with room around them, someone further away): windows this high (share of the photo's height), the
# largest first. Only then: on single-person CCP photos such rows of smaller windows read upper bodies and legs as
# people of their own (the 0.7-high row above). The landmark network finds a person filling 0.65-1.0 of a
# window's height (at 0.57 it finds no one), about centred across (within 0.2 of the height) and cut little at
# the head (the window up to 0.3 of its height above the person, 0.1 below): heights ~1.35x apart, windows half a
# window apart across and a third down (at 24 per height, half a window down, the 0.4 row had gaps wider than a
# window between its columns: a person at 30% of a photo's height stood in one and was not found), so a person
# ~0.2-0.75 of the photo's height has a window (scripts/robust_crops.py --sweep). The 0.3 row: a CCP photo pasted
# at 30% of the height (the person ~24%) on a plain backdrop is found by the 0.4 row, on a busy one 3 of 6 times
# (6 of 6 with it); it costs up to ~200 more windows (~8 s on one core) on a busy 16:9 photo where nobody is found.
SMALL_WINDOW_HEIGHTS = (0.75, 0.55, 0.4, 0.3)
SMALL_STRIDE_ACROSS = 0.5  # of a small window's width
SMALL_STRIDE_DOWN = 1 / 3  # of its height
MAX_SMALL_WINDOWS = 256  # per height (~0.04 s each; a 16:9 photo needs 208 at 0.3): a panorama's get gaps
# A photo of the legs without the head (an e-commerce shot from the chest or the waist down) is unlike anything the
# landmark network was trained on: read whole, it squeezes a whole body into the photo, hips near the knees, and the
# skirt lands on the shins. Stood under a blank canvas (the photo's top row repeated) the legs sit where a
# full-length photo has them: a canvas 0.35 of the photo's height suits a photo from the chest down, 0.8 one from
# the waist down; both are read and the one whose legs read more confidently is taken. Tried only where the head is
# not in the photo, and kept only where its legs read clearly more confidently than the plain reading's and its
# hips land near the photo's top edge (without that margin chest-down photos lost). CCP's 87 jeans test photos
# with the top 30% / 42% cut off (scripts/robust_crops.py --cuts, docs/pipeline.md): skirts starting where the
# uncut photo's edit starts them 19 / 4 of 86 before, 48 / 52 now (19 / 47 with the 0.8 canvas alone); never
# kept on a whole photo or on a person small in the frame (their canvas readings' legs read 0.1-0.34).
LEGS_ONLY_PADS = (0.35, 0.8)
HEAD_SEEN = 0.3  # nose confidence: below it the head is out of the photo (whole CCP photos: >= 0.76 for 95%)
LEGS_SEEN = 0.35  # the canvas reading's mean hip, knee and ankle confidence must reach this, beat the plain
LEGS_MARGIN = 0.15  # reading's by this much ...
LEGS_ONLY_HIPS = (-0.15, 0.3)  # ... and its hip centre lie this high in the photo (shares of its height)
LEG_NAMES = ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
# The same squeeze, upwards, in a photo cut above the ankles (an e-commerce crop at the knee or the calf): the hips
# and the skirt's top come out too high. One person whose head is in the photo and whose ankles are not is read
# again standing on a blank canvas (the photo's bottom row repeated) 0.25, 0.5 and 0.8 of its height deep, the
# reading with the more confident torso taken where it is at least as confident as the plain one and the same
# person. On CCP's 87 jeans test photos cut at 68% / 80% of the height (scripts/robust_crops.py --cuts), skirts
# starting where the uncut photo's edit starts them: 29 / 69 of 86 -> 71 / 79, translated 74 / 83 -> 82 / 84 (cut
# at 55%: 16 -> 55 translated) with the first two canvases; the 0.8 one, for mid-thigh cuts: there 58 -> 61
# translated, 31 -> 42 placed. On a photo of several people, each is read so in a window of their own
# (:data:`CUT_LEGS_ASPECT` as wide as high, centred on them): a canvas under a group would be read as one person.
CUT_LEGS_PADS = (0.25, 0.5, 0.8)
CUT_LEGS_ASPECT = 0.5  # wider than CENTRED_ASPECT: cut at the knee, a person is wider for the photo's height
# A window whose grey levels vary less than this (0-255) holds no one: a plain studio backdrop is not read
PLAIN = 2.0
LEAN = 0.5  # shoulder centre beside the hip centre by more than this share of the torso length: a chimera
STANCE = 0.5  # hip centre beside the ankle centre by more than this share of the leg length: a chimera
SHOULDER_WIDTH = 1.4  # shoulders further apart than this many torso lengths: two people's shoulders
HIP_WIDTH = 1.0  # hips further apart than this many torso lengths
BOX_ASPECT = 0.8  # a landmark box wider than this share of its height: more than one standing person


def window_boxes(width: int, height: int, max_windows: int = MAX_WINDOWS) -> list[tuple[int, int, int, int]]:
    """The person-shaped windows (x0, y0, x1, y1) a photo is read in besides whole: full height,
    :data:`WINDOW_ASPECT` as wide, at most :data:`WINDOW_STRIDE` of their width apart, spread evenly from edge to
    edge; none for a photo no wider than one window or too low for windows of :data:`MIN_WINDOW` px, at most
    ``max_windows`` (further apart on a panorama)."""
    ww = round(WINDOW_ASPECT * height)
    if ww >= width or ww < MIN_WINDOW:
        return []
    count = min(max_windows, 1 + int(np.ceil((width - ww) / max(1.0, WINDOW_STRIDE * ww))))
    return [(x, 0, x + ww, height) for x in (round(i * (width - ww) / max(1, count - 1)) for i in range(count))]


def small_window_boxes(width: int, height: int, share: float, max_windows: int = MAX_SMALL_WINDOWS
                       ) -> list[tuple[int, int, int, int]]:
    """Windows ``share`` of the photo's height high, :data:`WINDOW_ASPECT` as wide, at most
    :data:`SMALL_STRIDE_ACROSS` of a window apart across and :data:`SMALL_STRIDE_DOWN` down, spread evenly from
    edge to edge; beyond ``max_windows`` (a panorama), fewer columns, with gaps between them."""
    wh = round(share * height)
    ww = min(width, round(WINDOW_ASPECT * wh))
    if wh < MIN_WINDOW or ww < MIN_WINDOW:
        return []
    cols = 1 + int(np.ceil((width - ww) / max(1.0, SMALL_STRIDE_ACROSS * ww)))
    rows = 1 + int(np.ceil((height - wh) / max(1.0, SMALL_STRIDE_DOWN * wh)))
    while cols * rows > max_windows and cols > 1:
        cols -= 1
    xs = [round(i * (width - ww) / max(1, cols - 1)) for i in range(cols)]
    ys = [round(j * (height - wh) / max(1, rows - 1)) for j in range(rows)]
    return [(x, y, x + ww, y + wh) for y in ys for x in xs]


def plain(grey: np.ndarray, box: tuple[int, int, int, int], scale: int) -> bool:
    """Whether a window of the photo (``grey``: its grey levels, ``scale`` times smaller) is one flat colour
    (:data:`PLAIN`): the landmark network finds no one there, and reading it costs as much as any window."""
    x0, y0, x1, y1 = (v // scale for v in box)
    patch = grey[y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)]
    return patch.size == 0 or float(patch.std()) < PLAIN


def grey_levels(photo: Image.Image) -> tuple[np.ndarray, int]:
    """The grey levels of a copy of ``photo`` ``scale`` times smaller, and ``scale``: cheap to test windows on,
    and a backdrop stays flat."""
    scale = max(1, min(photo.size) // 256)
    return np.asarray(photo.convert("L").reduce(scale), dtype=np.float32), scale


def small_windows(photo: Image.Image, share: float, grey: tuple[np.ndarray, int] | None = None
                  ) -> list[tuple[int, int, int, int]]:
    """:func:`small_window_boxes` of ``photo`` but those on a plain backdrop (:func:`plain`); ``grey``: the
    photo's :func:`grey_levels` when the caller has them."""
    levels, scale = grey if grey is not None else grey_levels(photo)
    return [b for b in small_window_boxes(*photo.size, share) if not plain(levels, b, scale)]


def windows_cover(width: int, height: int, max_windows: int = MAX_WINDOWS) -> bool:
    """Whether the full-height windows of :func:`window_boxes` leave no column of the photo unread (on a photo too
    wide for ``max_windows`` of them, they are spread with gaps between them)."""
    xs = [b[0] for b in window_boxes(width, height, max_windows)]
    return all(b - a <= round(WINDOW_ASPECT * height) for a, b in itertools.pairwise(xs))


def _centre(person: Person, names: tuple[str, str]) -> np.ndarray | None:
    pts = [person.points[n][:2] for n in names if n in person.points and person.points[n][2] >= LANDMARK_CONFIDENCE]
    return np.mean(np.array(pts, dtype=np.float64), axis=0) if len(pts) == 2 else None


def chimera(person: Person) -> str | None:
    """Why a reading's body does not hang together (the landmarks of two people read as one), or None.

    Tested where the landmarks are seen: the shoulder centre far beside the hip centre (:data:`LEAN` of the torso
    length), the hip centre far beside the ankles (:data:`STANCE` of the leg length), shoulders or hips implausibly
    far apart for the torso (:data:`SHOULDER_WIDTH`, :data:`HIP_WIDTH`), hips above the shoulders, a landmark
    box wider than one standing person (:data:`BOX_ASPECT`)."""
    shoulders = _centre(person, ("left_shoulder", "right_shoulder"))
    hips = _centre(person, ("left_hip", "right_hip"))
    ankles = _centre(person, ("left_ankle", "right_ankle"))
    if shoulders is not None and hips is not None:
        torso = hips[1] - shoulders[1]
        if torso <= 0:
            return "hips above the shoulders"
        if abs(shoulders[0] - hips[0]) > LEAN * torso:
            return "shoulders beside the hips"
        width = lambda a, b: abs(person.points[a][0] - person.points[b][0])  # noqa: E731
        if width("left_shoulder", "right_shoulder") > SHOULDER_WIDTH * torso:
            return "shoulders too far apart"
        if width("left_hip", "right_hip") > HIP_WIDTH * torso:
            return "hips too far apart"
    if hips is not None and ankles is not None:
        leg = ankles[1] - hips[1]
        if leg <= 0 or abs(ankles[0] - hips[0]) > STANCE * leg:
            return "feet beside the hips"
    box = person_box(person.points)
    if box is not None and box[2] - box[0] > BOX_ASPECT * (box[3] - box[1]):
        return "wider than one standing person"
    return None


def read_windows(predictor: Any, photo: Image.Image, boxes: Sequence[tuple[int, int, int, int]]) -> list[Person]:
    """The landmark network's reading of each window (photo pixels), :data:`STRIP_BATCH` windows per call."""
    out: list[Person] = []
    for start in range(0, len(boxes), STRIP_BATCH):  # a few windows at a time: memory stays bounded
        chunk = boxes[start:start + STRIP_BATCH]
        predictions = predictor.predict_many([photo.crop(b) for b in chunk])
        out += [Person.from_landmarks(p).shifted(b[0], b[1]) for b, p in zip(chunk, predictions, strict=True)]
    return out


def _side_by_side(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two boxes stand beside each other: their columns share under :data:`SAME_BOX` of the narrower one
    (an upper body and the legs of one person, read in different windows, are above each other instead)."""
    shared = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    return shared <= SAME_BOX * min(a[2] - a[0], b[2] - b[0])


def merge_windows(people: list[Person]) -> list[Person]:
    """One reading per person from readings of the whole photo and of windows: chimeras (:func:`chimera`) dropped,
    then readings whose box holds two others standing side by side (two people read as one) dropped, then one
    reading per torso (:func:`_same_person`) and per box (:data:`SAME_BOX`), preferring confident and tall
    readings (confidence times landmark-box height: a window that cuts a person reads only their upper body or
    legs, often confidently), in that order."""
    found = [(p, box) for p in people if p.found and p.torso() is not None and chimera(p) is None
             and (box := person_box(p.points)) is not None]
    whole = []
    for person, box in found:
        inside = [other for q, other in found if q is not person and _shared(box, other) > SAME_BOX
                  and not _same_person(person, q)]
        if not any(_side_by_side(a, b) for a, b in itertools.combinations(inside, 2)):
            whole.append((person, box))
    kept: list[tuple[Person, tuple[float, float, float, float]]] = []
    for person, box in sorted(whole, key=lambda pb: pb[0].confidence * pb[0].height(), reverse=True):
        if not any(_same_person(person, k) or _shared(box, other) > SAME_BOX for k, other in kept):
            kept.append((person, box))
    return [p for p, _ in kept]


def centred_window(person: Person, width: int, height: int, aspect: float = CENTRED_ASPECT
                   ) -> tuple[int, int, int, int]:
    """A full-height window ``aspect`` as wide as high, centred on a reading's body (within the photo): on their
    torso where it is seen, else on their landmark box. A wrist held out (a bag on one side, a hand on a
    neighbour's arm) moves the box's centre off the body, and a window that narrow then cuts the person's far
    side and holds more of the neighbour."""
    torso = person.torso()
    box = person_box(person.points)
    cx = float(torso[0][0]) if torso is not None else width / 2 if box is None else (box[0] + box[2]) / 2
    ww = max(1, min(width, round(aspect * height)))
    x0 = int(min(max(0, round(cx - ww / 2)), width - ww))
    return x0, 0, x0 + ww, height


def gap_windows(people: Sequence[Person], width: int, height: int, aspect: float = CENTRED_ASPECT
                ) -> list[tuple[int, int, int, int]]:
    """Full-height windows ``aspect`` as wide as high centred on each stretch of columns between two found people
    that neither's landmark box covers and that is at least :data:`GAP` of the height wide: a person squeezed
    between two others may be read only as parts of chimeras by the regular windows, and alone in a window of
    their own. (Not between a person and the photo's edge: on single-person photos those windows read parts of
    the person as more people.)"""
    spans = sorted((b[0], b[2]) for b in (person_box(p.points) for p in people) if b is not None)
    edges, reach = [], None
    for x0, x1 in spans:
        if reach is not None and x0 - reach >= GAP * height:
            edges.append((reach + x0) / 2)
        reach = x1 if reach is None else max(reach, x1)
    ww = max(1, min(width, round(aspect * height)))
    return [(x0 := int(min(max(0, round(c - ww / 2)), width - ww)), 0, x0 + ww, height) for c in edges]


def small_people(predictor: Any, photo: Image.Image) -> list[Person]:
    """People smaller in the frame: :func:`small_windows` of each of :data:`SMALL_WINDOW_HEIGHTS` read, the
    largest first, up to the first height where someone is found (merged by :func:`merge_windows`)."""
    grey = grey_levels(photo)  # once for every height
    for share in SMALL_WINDOW_HEIGHTS:
        people = merge_windows(read_windows(predictor, photo, small_windows(photo, share, grey)))
        if people:
            return people
    return []


def legs_confidence(person: Person) -> float:
    return float(np.mean([person.points[n][2] if n in person.points else 0.0 for n in LEG_NAMES]))


def head_seen(person: Person) -> bool:
    return person.points.get("nose", (0.0, 0.0, 0.0))[2] >= HEAD_SEEN


def canvas_readings(predictor: Any, photo: Image.Image, shares: Sequence[float], above: bool) -> list[Person]:
    """``photo`` read standing on (``above=False``) or under (``above=True``) a blank canvas, once per share of its
    height in ``shares`` (its edge row repeated), in one network call; points in the photo's own pixels."""
    rgb = np.asarray(photo.convert("RGB"))
    pads = [round(share * rgb.shape[0]) for share in shares]
    canvases = [Image.fromarray(np.concatenate([np.repeat(rgb[:1], pad, axis=0), rgb] if above
                                               else [rgb, np.repeat(rgb[-1:], pad, axis=0)])) for pad in pads]
    readings = [Person.from_landmarks(r) for r in predictor.predict_many(canvases)]
    return [r.shifted(0, -pad) for r, pad in zip(readings, pads, strict=True)] if above else readings


def legs_only(predictor: Any, photo: Image.Image, whole: Person) -> Person | None:
    """The person of a photo that shows the legs without the head, read under a blank canvas (see
    :data:`LEGS_ONLY_PADS`), or None where the head is in the photo or that reading is not the better one."""
    if head_seen(whole):
        return None
    padded = max(canvas_readings(predictor, photo, LEGS_ONLY_PADS, above=True), key=legs_confidence)
    confidence = legs_confidence(padded)
    hip_row = np.mean([padded.points[n][1] for n in LEG_NAMES[:2]]) / photo.height
    low, high = LEGS_ONLY_HIPS
    if confidence < max(LEGS_SEEN, legs_confidence(whole) + LEGS_MARGIN) or not low <= hip_row <= high:
        return None
    return Person(padded.points, True, confidence)


def legs_cut_off(predictor: Any, photo: Image.Image, person: Person) -> Person | None:
    """The one person of a photo cut above their ankles (head in the photo), read again standing on a blank canvas
    (see :data:`CUT_LEGS_PADS`), or None where their ankles are in the photo, or that reading is not the same
    person or not read more confidently."""
    if not person.found or not head_seen(person) or ankles_in_view(person.points, photo.height):
        return None
    standing = max(canvas_readings(predictor, photo, CUT_LEGS_PADS, above=False), key=lambda p: p.confidence)
    if not standing.found or standing.confidence < person.confidence or not _same_person(standing, person):
        return None
    return standing


def legs_cut_off_in_group(predictor: Any, photo: Image.Image, person: Person) -> Person | None:
    """:func:`legs_cut_off` for one of several people: read in a window centred on them."""
    x0, y0, x1, y1 = centred_window(person, *photo.size, aspect=CUT_LEGS_ASPECT)
    standing = legs_cut_off(predictor, photo.crop((x0, y0, x1, y1)), person.shifted(-x0, -y0))
    return None if standing is None else standing.shifted(x0, y0)


def detect_windows(predictor: Any, photo: Image.Image) -> list[Person]:
    """The whole photo and :func:`window_boxes` read by the landmark network, merged by :func:`merge_windows`;
    then, where two or more people are found, each read once more in a window centred on them (a person cut by
    the windows' edges is read whole there) and every wide gap between them read (:func:`gap_windows`), and
    everything merged again. Where nobody is found at full height, :func:`small_people`. Where nothing hangs
    together, the whole-photo reading is returned as it is (found or not). A photo of the legs without the head
    is read as such (:func:`legs_only`), as one person; a person whose ankles are cut off is read again
    standing on a canvas (:func:`legs_cut_off`; one of several in a window of their own)."""
    whole = Person.from_landmarks(predictor.predict_many([photo])[0])
    legs = legs_only(predictor, photo, whole)
    if legs is not None:
        return [legs]
    readings = [whole, *read_windows(predictor, photo, window_boxes(*photo.size))]
    people = merge_windows(readings)
    if not people and not whole.found:
        # Nobody at full height: someone smaller in the frame. Returned as found: the second pass below reads
        # full-height windows, too tall for them, and merges with the full-height readings only.
        return small_people(predictor, photo) or [whole]
    # a single-person photo is not read again: 4 network passes instead of 5 there (single-photo latency 0.39 ->
    # 0.32 s), and the same people found on the composites
    if len(people) < 2:
        person = (people or [whole])[0]
        return [legs_cut_off(predictor, photo, person) or person]
    again = [centred_window(p, *photo.size) for p in people] + gap_windows(people, *photo.size)
    # bounded as the first pass: the most confident people first (a panorama can hold more than MAX_WINDOWS)
    centred = read_windows(predictor, photo, again[:MAX_WINDOWS])
    people = merge_windows([*readings, *centred])
    return [legs_cut_off_in_group(predictor, photo, p) or p for p in people] if len(people) > 1 else people


def detect_people(predictor: Any, photo: Image.Image, detector: str = DEFAULT_DETECTOR) -> list[Person]:
    """Every person the landmark network (``predictor.predict_many``) can find in ``photo``, most confident first.

    ``detector="windows"`` (the default): :func:`detect_windows` (person-wide windows, chimeras dropped; most
    confident and tallest first). ``"landmarks"``: the whole photo and, on a wide photo, 0.7-wide strips merged by
    torso (the detection before issue 17; two people close together are read as one chimera). ``"hog"``:
    ``"landmarks"`` plus a crop around each person OpenCV's HOG detector proposes
    (:mod:`designgan.pipeline.detector`), merged by box. People overlapping in depth are not separated.
    """
    if detector not in DETECTORS:
        raise DesignGANError(f"unknown person detector '{detector}' (choose {' or '.join(DETECTORS)})")
    if detector == "windows":
        return detect_windows(predictor, photo)
    if detector == "hog":
        from designgan.pipeline.detector import hog_boxes, person_crops

        own = detect_people(predictor, photo, "landmarks")
        crops = person_crops(photo, hog_boxes(photo))
        proposed = []
        for start in range(0, len(crops), STRIP_BATCH):  # bounded batches, as the strips
            chunk = crops[start:start + STRIP_BATCH]
            predictions = predictor.predict_many([crop for crop, _ in chunk])
            proposed += [Person.from_landmarks(p).shifted(*corner) for p, (_, corner) in zip(predictions, chunk,
                                                                                             strict=True)]
        return merge_by_box([*proposed, *own]) or own
    w, h = photo.size
    offsets = strip_offsets(w, h)
    whole = Person.from_landmarks(predictor.predict_many([photo])[0])
    strips = []
    for start in range(0, len(offsets), STRIP_BATCH):  # a few strips at a time: memory stays bounded
        chunk = offsets[start:start + STRIP_BATCH]
        crops = [photo.crop((x, 0, x + min(w, round(STRIP_ASPECT * h)), h)) for x in chunk]
        predictions = predictor.predict_many(crops)
        strips += [Person.from_landmarks(p).shifted(x, 0) for x, p in zip(chunk, predictions, strict=True)]
    strips = merge_people(strips)
    if not any(p.found for p in strips):
        return [whole]
    # Read whole, a wide photo of two people can give one chimera between them: trust the strips, and the
    # whole-photo reading only where it agrees with one of them.
    return merge_people([*strips, whole], only_near=strips)
