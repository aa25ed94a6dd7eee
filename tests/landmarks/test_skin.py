"""The person's skin colour read off the whole photo (face first, then hands)."""

from __future__ import annotations

import numpy as np

from designgan.landmarks.skin import photo_skin_colour

FACE = (224, 172, 150)
HANDS = (150, 100, 80)


def photo(face: tuple[int, int, int] = FACE, hands: tuple[int, int, int] = HANDS) -> np.ndarray:
    rgb = np.full((200, 120, 3), (70, 90, 140), np.uint8)  # a blue coat and sky: no skin
    rgb[20:50, 45:75] = face
    for x in (15, 105):
        rgb[120:140, x - 8:x + 8] = hands
    return rgb


POINTS = {"nose": (60.0, 35.0, 0.9), "left_shoulder": (95.0, 60.0, 0.9), "right_shoulder": (25.0, 60.0, 0.9),
          "left_elbow": (105.0, 95.0, 0.9), "right_elbow": (15.0, 95.0, 0.9),
          "left_wrist": (105.0, 122.0, 0.9), "right_wrist": (15.0, 122.0, 0.9)}


def as_rgb(colour: np.ndarray) -> np.ndarray:
    return np.round((colour + 1) * 127.5)


def test_the_face_gives_the_colour_when_it_is_seen():
    colour = photo_skin_colour(photo(), POINTS)
    assert colour is not None and colour.shape == (3,)
    assert np.abs(as_rgb(colour) - FACE).max() <= 1  # the face's pixels outnumber the hands'


def test_the_hands_give_it_when_the_face_is_not_skin_coloured():
    masked = photo(face=(60, 60, 60))  # a face turned away (hair) or covered
    assert np.abs(as_rgb(photo_skin_colour(masked, POINTS)) - HANDS).max() <= 1


def test_no_skin_or_neither_shoulders_nor_hips_give_none():
    assert photo_skin_colour(photo(face=(60, 60, 60), hands=(60, 60, 60)), POINTS) is None
    unsure = {**POINTS, "left_shoulder": (95.0, 60.0, 0.1)}
    assert photo_skin_colour(photo(), unsure) is None
    assert photo_skin_colour(photo(), {}) is None


def test_a_photo_from_the_waist_down_reads_the_hands_sized_by_the_hips():
    # no head, no shoulders in the photo (their points predicted above it, unseen); hips 39 px apart
    waist_down = {**POINTS, "nose": (60.0, -60.0, 0.05), "left_shoulder": (95.0, -20.0, 0.05),
                  "right_shoulder": (25.0, -20.0, 0.05), "left_hip": (80.0, 110.0, 0.8),
                  "right_hip": (41.0, 110.0, 0.8)}
    rgb = photo()
    rgb[:60] = (70, 90, 140)  # nothing of the face either
    assert np.abs(as_rgb(photo_skin_colour(rgb, waist_down)) - HANDS).max() <= 1
    assert photo_skin_colour(rgb, {**waist_down, "left_hip": (80.0, 110.0, 0.1)}) is None


def test_a_hand_outside_the_photo_is_not_read():
    # the landmark network places unseen points beyond the photo's edges (a raised hand, a photo cut at the waist)
    outside = {**POINTS, "left_wrist": (105.0, -400.0, 0.9), "left_elbow": (105.0, -300.0, 0.9),
               "right_wrist": (900.0, 122.0, 0.9)}
    rgb = photo()
    assert np.abs(as_rgb(photo_skin_colour(rgb, outside)) - FACE).max() <= 1
    rgb[20:50, 45:75] = (60, 60, 60)
    assert photo_skin_colour(rgb, outside) is None


def test_a_small_persons_few_pixels_are_read_whatever_the_discs_shape():
    # a person far away in a group photo: shoulders a few pixels apart, so a disc can be 3 rows high, which the
    # skin test once took for a channels-first image (and failed on, or misread)
    rgb = np.full((60, 60, 3), (70, 90, 140), np.uint8)
    rgb[20:40, 20:40] = FACE
    for span in np.arange(4.0, 16.0, 0.25):
        for y in (29.5, 30.0, 30.25):
            points = {"nose": (30.0, y, 0.9), "left_shoulder": (30.0 + span / 2, 36.0, 0.9),
                      "right_shoulder": (30.0 - span / 2, 36.0, 0.9)}
            colour = photo_skin_colour(rgb, points)
            assert colour is None or np.abs(as_rgb(colour) - FACE).max() <= 1, (span, y)
