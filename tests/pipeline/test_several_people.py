"""Issue 17: several people in one photo are each translated as well as alone (the composites' per-person gap)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from designgan.pipeline.compose import compose_photo
from designgan.pipeline.detection import CENTRED_ASPECT, centred_window
from designgan.pipeline.output import Job, MaskCrop, PersonEdit
from designgan.pipeline.person import Person

GREY, WHITE = 90, 255


def _job(box: tuple[int, int, int, int], output: torch.Tensor, own: np.ndarray | None) -> Job:
    """A box-crop job over ``box`` whose generator output is ``output`` and predicts no target garment."""
    h, w = box[3] - box[1], box[2] - box[0]
    return Job(0, PersonEdit(None, box, None), torch.zeros(3, h, w), torch.zeros(1, h, w),  # type: ignore[arg-type]
               output=output, mask=torch.zeros(1, h, w), source_mask=None if own is None else MaskCrop.of(own))


def _two_people(own_masks: bool) -> np.ndarray:
    """Two people whose crops both cover the whole photo (as a wide garment frame covers a neighbour): the first
    is edited to white, the second's output is the unedited photo (their neighbour still in the old garment)."""
    photo = Image.fromarray(np.full((60, 100, 3), GREY, np.uint8))
    first, second = np.zeros((60, 100), bool), np.zeros((60, 100), bool)
    first[20:50, 10:30], second[20:50, 60:80] = True, True
    whole = (0, 0, 100, 60)
    white = torch.ones(3, 60, 100)
    unchanged = torch.full((3, 60, 100), GREY / 127.5 - 1)
    jobs = [_job(whole, white, first if own_masks else None), _job(whole, unchanged, second if own_masks else None)]
    result, _, _, _ = compose_photo(photo, first | second, jobs, model_height=60, dilate=1, feather=1)
    return np.asarray(result)


def test_a_neighbours_output_does_not_undo_a_persons_edit():
    # Each person blends only over their own source garment: the second person's output (the first person still
    # in jeans) is not pasted back over the first person's skirt.
    result = _two_people(own_masks=True)
    assert (result[25:45, 12:28] == WHITE).all()
    # Without per-person masks the photo's union of source garments is blended for everyone: the edit is undone.
    assert (_two_people(own_masks=False)[25:45, 12:28] == GREY).all()


def test_mask_crop_reads_back_the_mask_in_any_window():
    mask = np.zeros((40, 50), bool)
    mask[10:20, 30:45] = True
    crop = MaskCrop.of(mask)
    assert crop.box == (30, 10, 45, 20) and crop.mask.all()
    for window in [(0, 0, 50, 40), (35, 5, 50, 15), (0, 0, 10, 10), (25, 15, 40, 40)]:
        x0, y0, x1, y1 = window
        assert np.array_equal(crop.window(window), mask[y0:y1, x0:x1])
    assert not MaskCrop.of(np.zeros((5, 5), bool)).window((0, 0, 5, 5)).any()


def test_a_person_is_read_again_in_a_window_centred_on_their_body_not_on_an_arm_held_out():
    # Standing at x = 300 in a 1000 x 300 photo, a bag held out at arm's length to their right (x = 200).
    body = {"nose": (300, 20), "left_shoulder": (315, 60), "right_shoulder": (285, 60), "left_hip": (310, 140),
            "right_hip": (290, 140), "left_ankle": (310, 260), "right_ankle": (290, 260), "right_wrist": (200, 135)}
    person = Person({n: (x, y, 0.9) for n, (x, y) in body.items()})
    x0, y0, x1, y1 = centred_window(person, 1000, 300)
    assert (y0, y1) == (0, 300) and x1 - x0 == round(CENTRED_ASPECT * 300)
    assert abs((x0 + x1) / 2 - 300) <= 1  # the landmark box's centre (252) would cut the person's left side
    # No torso seen: the landmark box's centre, as before.
    legs = Person({n: v for n, v in person.points.items() if "shoulder" not in n and "hip" not in n})
    assert abs(sum(centred_window(legs, 1000, 300)[::2]) / 2 - 255) <= 1
