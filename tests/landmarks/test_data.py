import numpy as np
import torch
from PIL import Image

from designgan.landmarks.data import (
    apply_affine,
    invert_affine,
    letterbox,
    random_affines,
    warp_images,
)
from designgan.landmarks.schema import FLIP_INDEX, INDEX


def test_letterbox_maps_points_to_the_same_content():
    img = np.zeros((90, 60, 3), np.uint8)
    img[30, 20] = 255  # one bright pixel at x=20, y=30
    boxed, affine = letterbox(Image.fromarray(img), 64, 64)
    y, x = np.unravel_index(boxed.sum(-1).argmax(), boxed.shape[:2])
    mapped = apply_affine(np.array([20.0, 30.0]), affine)
    assert np.abs(mapped - [x, y]).max() <= 1.0
    back = apply_affine(mapped, invert_affine(affine))
    assert np.allclose(back, [20, 30])


def test_random_warp_moves_pixels_where_it_moves_points():
    h, w = 64, 48
    gen = torch.Generator().manual_seed(1)
    forward, flipped = random_affines(8, h, w, gen, flip_p=0.5)
    assert flipped.any() and (~flipped).any()
    images = torch.zeros(8, 1, h, w)
    images[:, 0, 20:23, 14:17] = 1.0  # a blob centred at (15, 21)
    warped = warp_images(images, forward)
    centre = torch.tensor([15.0, 21.0])
    for i in range(8):
        moved = forward[i, :2, :2] @ centre + forward[i, :2, 2]
        ys, xs = torch.nonzero(warped[i, 0] > 0.5, as_tuple=True)
        found = torch.stack([xs.float().mean(), ys.float().mean()])
        assert (found - moved).norm() < 1.0, (i, found, moved)
        if flipped[i]:
            assert forward[i, 0, 0] * forward[i, 1, 1] - forward[i, 0, 1] * forward[i, 1, 0] < 0


def test_flip_index_swaps_left_and_right_knee():
    assert FLIP_INDEX[INDEX["left_knee"]] == INDEX["right_knee"]
