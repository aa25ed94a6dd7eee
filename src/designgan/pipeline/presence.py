"""Whether a person found is a person: the landmark network's reading must show a clearly read upper body or
clearly read legs (issue 27)."""

from __future__ import annotations

from typing import Any

import numpy as np

# People, not shapes (issue 27): the landmark network finds a "person" with torso confidence >= 0.2 in windows of a
# cheetah or a gift box (it regresses one person per input, whatever is there). A person found must also show a
# clearly read upper body (nose, shoulders, collar) or clearly read legs (knees, ankles, heels, toes): the mean
# confidence of the better of the two at least PERSON_SCORE. Chosen on a validation set (scripts/person_score.py):
# the best person of CCP held-out photos (ids divisible by 20) scores from 0.62 whole, from 0.57 on composites, and
# from 0.31 cut waist-down, chest-down or at the knee (5th percentiles 0.42, 0.41, 0.63); the best "person" of 11
# validation images without people (drawn in code, objects shipped in installed wheels) at most 0.34. No threshold
# separates all of them: PERSON_SCORE is the lowest framing's 5th percentile (chest-down, 0.41), which keeps 95% of
# every framing's people and refuses every validation image. The done-when photos are not among them.
UPPER_BODY = ("nose", "left_shoulder", "right_shoulder", "left_collar", "right_collar")
LEGS_BODY = ("left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel", "left_foot_index",
             "right_foot_index")
PERSON_SCORE = 0.41


def person_score(person: Any) -> float:
    """The mean landmark confidence of ``person``'s (a :class:`~designgan.pipeline.person.Person`) better-read half:
    upper body or legs (0 without landmarks)."""
    def mean(names: tuple[str, ...]) -> float:
        return float(np.mean([person.points[n][2] if n in person.points else 0.0 for n in names]))

    return max(mean(UPPER_BODY), mean(LEGS_BODY))
