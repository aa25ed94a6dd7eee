import numpy as np

from designgan.landmarks.attention import (
    body_part_regions,
    garment_attention,
    joint_boxes,
    landmark_heatmaps,
    skin_candidates,
)
from designgan.landmarks.schema import INDEX, NUM_LANDMARKS

SIZE = (200, 120)  # height, width


def standing_person():
    """A frontal person 200 px tall: the person's left on the image's right."""
    pts = np.zeros((NUM_LANDMARKS, 3), np.float32)
    coords = {
        "nose": (60, 20), "left_shoulder": (75, 45), "right_shoulder": (45, 45),
        "left_elbow": (80, 75), "right_elbow": (40, 75), "left_wrist": (82, 100), "right_wrist": (38, 100),
        "left_hip": (70, 105), "right_hip": (50, 105), "left_knee": (71, 145), "right_knee": (49, 145),
        "left_ankle": (72, 185), "right_ankle": (48, 185),
        "left_waistline": (72, 100), "right_waistline": (48, 100), "left_hem": (80, 140), "right_hem": (40, 140),
    }
    for name, (x, y) in coords.items():
        pts[INDEX[name]] = (x, y, 0.9)
    return pts


def test_heatmaps_peak_at_landmarks_and_vanish_when_unseen():
    pts = standing_person()
    maps = landmark_heatmaps(pts, SIZE, sigma=3.0)
    assert maps.shape == (NUM_LANDMARKS, *SIZE) and maps.dtype == np.float32
    k = INDEX["left_knee"]
    y, x = np.unravel_index(maps[k].argmax(), SIZE)
    assert (x, y) == (71, 145) and np.isclose(maps[k].max(), 0.9)
    assert maps[INDEX["crotch"]].max() == 0  # confidence 0: not seen


def test_body_parts_cover_limbs_not_head():
    regions = body_part_regions(standing_person(), SIZE)
    legs, arms = regions["legs"], regions["arms"]
    assert legs[145, 71] == 1 and legs[165, 49] == 1  # on the knee, on the shin
    assert legs[20, 60] == 0 and arms[20, 60] == 0  # not the head
    assert arms[88, 81] == 1 and legs[88, 81] == 0
    assert np.array_equal(legs, np.maximum(regions["left_leg"], regions["right_leg"]))


def test_garment_attention_lower_spans_waist_to_ankles():
    att = garment_attention(standing_person(), SIZE, part="lower")
    assert att.shape == SIZE and att.min() >= 0 and att.max() <= 1
    assert att[120, 60] > 0.9  # between the hips and the knees
    assert att[180, 72] > 0.5  # at the ankle: a skirt -> trousers change needs the whole legs
    assert att[20, 60] == 0 and att[50, 60] < 0.1  # not the head or the chest
    upper = garment_attention(standing_person(), SIZE, part="upper")
    assert upper[70, 60] > 0.9 and upper[185, 60] == 0


def test_no_landmarks_gives_empty_regions():
    empty = np.zeros((NUM_LANDMARKS, 3), np.float32)
    assert garment_attention(empty, SIZE).max() == 0
    assert body_part_regions(empty, SIZE)["legs"].max() == 0
    assert joint_boxes(empty) == {}


def test_skin_candidates_exclude_the_garment():
    pts = standing_person()
    garment = np.zeros(SIZE, np.float32)
    garment[100:150] = 1.0  # a skirt down to the knees
    skin = skin_candidates(pts, SIZE, garment)
    assert skin[120, 71] == 0 and skin[170, 72] == 1 and skin[90, 81] == 1


def test_joint_boxes_are_inside_the_image():
    boxes = joint_boxes(standing_person(), image_size=SIZE)
    assert set(boxes) == {"left_knee", "right_knee", "left_elbow", "right_elbow"}
    for x0, y0, x1, y1 in boxes.values():
        assert 0 <= x0 < x1 <= SIZE[1] and 0 <= y0 < y1 <= SIZE[0] and x1 - x0 == y1 - y0
    x0, y0, x1, y1 = boxes["left_knee"]
    assert x0 < 71 < x1 and y0 < 145 < y1
