"""Losses as pure functions: LSGAN, cycle and identity on (image, mask) pairs, style and skin."""

from designgan.losses.gan import lsgan_d_loss, lsgan_g_loss
from designgan.losses.reconstruction import context_loss, cycle_loss, identity_loss, pair_l1
from designgan.losses.skin import exposed_region, skin_loss, skin_reference_colour
from designgan.losses.style import (
    crop_resize,
    garment_patches,
    gram_texture_loss,
    inverse_centre_weight,
    mask_boxes,
    reference_style_loss,
    style_loss,
    weighted_patch_loss,
)

__all__ = [
    "context_loss",
    "crop_resize",
    "cycle_loss",
    "exposed_region",
    "garment_patches",
    "gram_texture_loss",
    "identity_loss",
    "inverse_centre_weight",
    "lsgan_d_loss",
    "lsgan_g_loss",
    "mask_boxes",
    "pair_l1",
    "reference_style_loss",
    "skin_loss",
    "skin_reference_colour",
    "style_loss",
    "weighted_patch_loss",
]
