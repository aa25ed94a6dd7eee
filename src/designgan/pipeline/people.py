"""Who to edit in each photo: everyone the detector finds and the landmark network reads clearly, numbered by
prominence, then the caller's choice (everyone, the most prominent, or person K); the others recorded with why.
How people are found: :mod:`designgan.pipeline.detection`; one person: :mod:`designgan.pipeline.person`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from designgan.errors import DesignGANError
from designgan.pipeline.detection import MAX_WINDOWS, windows_cover
from designgan.pipeline.output import PhotoWork
from designgan.pipeline.person import NoPersonError, Person
from designgan.pipeline.presence import PERSON_SCORE, person_score

# Who counts as "clearly visible" when detection is evaluated (eval.people_eval; the pipeline edits everyone found
# who wears the source garment): at least this share of the tallest person's height (people further back look
# shorter). By height, not area: two people side by side at the same distance differ in box area by up to 2x with
# their arms (arms down or held out), which left people beside a wider neighbour in the "background" (5 of 130 on
# the composites with a 0.6 area share).
VISIBLE_SHARE = 0.75


def visible_people(people: Sequence[Person], photo_height: float | None = None
                   ) -> tuple[list[Person], list[Person]]:
    """The clearly visible people (:data:`VISIBLE_SHARE` of the tallest one's height, within the photo's rows when
    ``photo_height`` is given) and the others."""
    heights = [p.height(photo_height=photo_height) for p in people]
    tallest = max(heights, default=0.0)
    return ([p for p, h in zip(people, heights, strict=True) if h >= VISIBLE_SHARE * tallest],
            [p for p, h in zip(people, heights, strict=True) if h < VISIBLE_SHARE * tallest])


def find_people(work: Sequence[PhotoWork], given: Sequence[Any] | None, detect: Any, select: str | int,
                has_mask: Sequence[bool]) -> None:
    """Fill in each running photo's people to edit (most prominent first, numbered from 1), its warnings, the
    people left out (:meth:`Person.skip`: ``{"person": number, "reason": ..., "box": ...}``) and how many were found.

    ``select``: ``"visible"`` (the default) or ``"all"``: everyone found (people the landmark network reads clearly,
    :func:`person_score`), whatever their height rank; ``"prominent"`` the most prominent one, or a number (1 =
    the most prominent) for that person only. The pipeline then edits those of them who wear the source garment.

    ``given``: per photo, landmarks the caller supplies (None: ``detect(photo)`` finds them). A photo with no
    person found but a garment mask given (``has_mask``) is still edited: the whole photo is the crop and the
    landmark heatmaps are empty. A photo where nobody is found fails with a :class:`NoPersonError`.
    """
    found: list[list[Person]] = [[] for _ in work]
    if given is not None:
        if len(given) != len(work):
            raise DesignGANError(f"got landmarks for {len(given)} photos but {len(work)} photos")
        for i, g in enumerate(given):
            if g is not None:
                found[i] = [Person.from_landmarks(p) for p in (g if isinstance(g, list | tuple) else [g])]
    for photo, candidates, masked in zip(work, found, has_mask, strict=True):
        if not photo.running:
            continue
        assert photo.photo is not None
        w, h = photo.photo.size
        if not candidates:
            candidates += [p for p in detect(photo.photo) if p.found and person_score(p) >= PERSON_SCORE]
            if not windows_cover(w, h):
                photo.warnings.append(f"the photo is {w / h:.0f} times wider than tall: people were searched for "
                                      f"in {MAX_WINDOWS} windows spread across it, and one standing between two "
                                      "windows may be missed")
        seen = sorted((p for p in candidates if p.found), key=lambda p: p.size(photo_height=h), reverse=True)
        for number, person in enumerate(seen, start=1):
            person.number = number
        photo.found = len(seen)
        if not seen and masked:
            seen = [Person({}, found=False, confidence=0.0)]
            photo.warnings.append("no person found; edited the given garment mask without landmark attention")
        elif not seen:
            photo.fail(NoPersonError("no person found in the photo (no upper body or legs the landmark network "
                                     "reads clearly): nothing was edited"))
        photo.people, left = _select(seen, select)
        photo.skipped += left
        if isinstance(select, int) and not photo.people and seen:
            photo.fail(NoPersonError(f"--person {select}: only {len(seen)} people were found in the photo",
                                     len(seen), left))


def _select(people: list[Person], select: str | int) -> tuple[list[Person], list[dict[str, Any]]]:
    """The people ``select`` picks (see :func:`find_people`) and the others, each with the reason."""
    if not people:
        return [], []
    if isinstance(select, int):
        return ([p for p in people if p.number == select],
                [p.skip(f"not --person {select}") for p in people if p.number != select])
    if select == "prominent":
        return people[:1], [p.skip("not the most prominent person") for p in people[1:]]
    # "visible" and "all": everyone found, whatever their height rank (issue 27: a woman in a denim skirt was left
    # "in the background" beside a taller man); the garment classifier then decides who wears the source garment
    return people, []
