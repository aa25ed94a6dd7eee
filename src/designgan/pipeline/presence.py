"""Whether a person found is a person: the landmark network's reading must show a clearly read upper body or
clearly read legs (issue 27)."""

from __future__ import annotations

from typing import Any

import numpy as np

# People, not shapes (issue 27): the landmark network finds a "person" with torso confidence >= 0.2 in windows of a
# cheetah or a gift box (it regresses one person per input, whatever is there). A person found must also show a
# clearly read upper body (nose, shoulders, collar) or clearly read legs (knees, ankles, heels, toes): the mean
# confidence of the better of the two at least PERSON_SCORE. Chosen on a validation set (scripts/person_score.py):
# CCP held-out photos whole and cut (waist-down, chest-down, at the knee) and composites of several people against
# images without people drawn in code and shipped in installed packages (the done-when photos are not among them).
UPPER_BODY = ("nose", "left_shoulder", "right_shoulder", "left_collar", "right_collar")
LEGS_BODY = ("left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel", "left_foot_index",
             "right_foot_index")
PERSON_SCORE = 0.45


def person_score(person: Any) -> float:
    """The mean landmark confidence of ``person``'s (a :class:`~designgan.pipeline.people.Person`) better-read half:
    upper body or legs (0 without landmarks)."""
    def mean(names: tuple[str, ...]) -> float:
        return float(np.mean([person.points[n][2] if n in person.points else 0.0 for n in names]))

    return max(mean(UPPER_BODY), mean(LEGS_BODY))
