"""What each person wears, asked before anything is painted (issue 27): the garment classifier's family
probabilities per person (:mod:`designgan.landmarks.garment_classifier`), the record of a person left alone for
their garment, and the error of a photo where nobody wears the model's source garment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from designgan.landmarks.frame import lower_body_frame
from designgan.landmarks.garment_classifier import GARMENT_FRAME, NOT_A_PERSON, WEARS
from designgan.landmarks.garment_family import FAMILIES
from designgan.landmarks.regions import garment_family
from designgan.pipeline.person import AlreadyTargetError, NoPersonError, NotSourceError, Person


def classify_people(classifier: Any, photo: Image.Image | np.ndarray, people: Sequence[Person]
                    ) -> list[np.ndarray | None]:
    """Per person, the family probabilities (in :data:`FAMILIES` order) of what they wear below the waist and,
    last, the probability that their frame shows no person at all (the presence judge), read in one classifier
    batch (:meth:`GarmentJudge.read_people`); None for a person without landmarks or without a lower-body frame (no
    hips, legs or torso seen). Legs cut off by the photo's bottom edge are continued down (:data:`CUT_LEGS_PADDING`)."""
    framed = [p.found and lower_body_frame(p.points, GARMENT_FRAME)[0] is not None for p in people]
    chosen = [p for p, ok in zip(people, framed, strict=True) if ok]
    probs = iter(classifier.read_people([photo] * len(chosen), [p.points for p in chosen]) if chosen else [])
    return [next(probs) if ok else None for ok in framed]


def family_probabilities(probs: Sequence[float]) -> dict[str, float]:
    """``{family: probability}``, rounded for reports (a reading's presence column left out)."""
    return {f: round(float(p), 3) for f, p in zip(FAMILIES, probs[:len(FAMILIES)], strict=True)}


def garment_skip(person: Person, reason: str, probs: Sequence[float] | None) -> dict[str, Any]:
    """:meth:`Person.skip` plus what the classifier saw (``garment``: family probabilities, when it could look)."""
    record = person.skip(reason)
    if probs is not None:
        record["garment"] = family_probabilities(probs)
    return record


def not_edited(refused: Sequence[tuple[str, Sequence[float] | None]], source: str, target: str) -> NoPersonError:
    """The error of a photo where nobody was edited: :class:`AlreadyTargetError` when everyone considered wears
    the target family, :class:`NotSourceError` when the classifier saw other garments (or could not tell), a
    plain :class:`NoPersonError` when the garment region could not be drawn."""
    if not refused:
        return NoPersonError(f"no {source} region found on the person (the garment and leg landmarks are not "
                             "confident enough): nothing was edited")
    reasons = [reason for reason, _ in refused]
    if all(reason == NOT_A_PERSON for reason in reasons):
        return NoPersonError("no person found in the photo (the garment classifier sees no person's legs where the "
                             "landmark network read one): nothing was edited")
    seen = "; ".join(f"{reason}" + (f" ({_top(probs)})" if probs is not None else "") for reason, probs in refused)
    who = "the person" if len(refused) == 1 else f"each of the {len(refused)} people considered"
    if all(reason == WEARS[garment_family(target)] for reason in reasons):
        probs = "; ".join(_top(p) for _, p in refused if p is not None)
        return AlreadyTargetError(f"{who} already {reasons[0]} (garment classifier: {probs}), not {source}: "
                                  "nothing was edited")
    family = garment_family(source)
    return NotSourceError(f"nobody wears {family} ({source} -> {target} edits only {family}; {who}: {seen}): "
                          "nothing was edited")


def _top(probs: Sequence[float]) -> str:
    order = np.argsort(np.asarray(probs)[:len(FAMILIES)])[::-1][:2]
    return ", ".join(f"{FAMILIES[i]} {float(probs[i]):.2f}" for i in order)
