"""The landmark set: named body keypoints and garment landmarks, their groups and the left/right flip index.

Names follow the person's own left and right (as MediaPipe and DeepFashion do): in a frontal photo the person's
``left_*`` points lie on the image's right side. A landmark that does not exist or cannot be seen has
visibility (confidence) 0; its coordinates are then meaningless.

Garment landmarks by garment family (see :mod:`designgan.landmarks.garment` for how they are derived):

=================  ==========================================================================================
family             landmarks that exist
=================  ==========================================================================================
skirt              waistline L/R, hem L/R (the hem's outer corners)
trousers / shorts  waistline L/R, hem L/R (outer corner of each leg's hem), inner_hem L/R, crotch
upper garment      collar L/R (neckline corners), sleeve_end L/R (absent when sleeveless), upper_hem L/R
=================  ==========================================================================================

Trousers are jeans, pants, leggings and tights (when worn without a skirt or shorts); upper garments are
blouses, shirts, t-shirts, tops, sweaters, jackets, coats, cardigans, and the like.
"""

from __future__ import annotations

BODY_NAMES: tuple[str, ...] = (
    "nose",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)

LOWER_GARMENT_NAMES: tuple[str, ...] = (
    "left_waistline", "right_waistline",
    "left_hem", "right_hem",
    "left_inner_hem", "right_inner_hem",
    "crotch",
)

UPPER_GARMENT_NAMES: tuple[str, ...] = (
    "left_collar", "right_collar",
    "left_sleeve_end", "right_sleeve_end",
    "left_upper_hem", "right_upper_hem",
)

GARMENT_NAMES: tuple[str, ...] = LOWER_GARMENT_NAMES + UPPER_GARMENT_NAMES
LANDMARK_NAMES: tuple[str, ...] = BODY_NAMES + GARMENT_NAMES
NUM_LANDMARKS = len(LANDMARK_NAMES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

# Groups used for metrics (PCK per group) and for loss weighting.
GROUPS: dict[str, tuple[str, ...]] = {
    "body": BODY_NAMES,
    "lower_garment": LOWER_GARMENT_NAMES,
    "upper_garment": UPPER_GARMENT_NAMES,
}

# MediaPipe Pose landmark index of each body keypoint (the 33-point BlazePose topology).
MEDIAPIPE_INDEX: dict[str, int] = {
    "nose": 0,
    "left_shoulder": 11, "right_shoulder": 12,
    "left_elbow": 13, "right_elbow": 14,
    "left_wrist": 15, "right_wrist": 16,
    "left_hip": 23, "right_hip": 24,
    "left_knee": 25, "right_knee": 26,
    "left_ankle": 27, "right_ankle": 28,
    "left_heel": 29, "right_heel": 30,
    "left_foot_index": 31, "right_foot_index": 32,
}

# Drawing: pairs of names joined by a line in overlays.
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"), ("left_ankle", "left_heel"),
    ("left_heel", "left_foot_index"), ("left_ankle", "left_foot_index"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"), ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"), ("right_ankle", "right_foot_index"),
)


def mirror_name(name: str) -> str:
    """``left_x`` <-> ``right_x``; names without a side map to themselves."""
    if name.startswith("left_"):
        return "right_" + name[len("left_"):]
    if name.startswith("right_"):
        return "left_" + name[len("right_"):]
    return name


def flip_index(names: tuple[str, ...] = LANDMARK_NAMES) -> list[int]:
    """``flip_index()[i]`` is the index of the landmark that ``names[i]`` becomes after a horizontal flip."""
    position = {name: i for i, name in enumerate(names)}
    return [position[mirror_name(name)] for name in names]


FLIP_INDEX: list[int] = flip_index()
