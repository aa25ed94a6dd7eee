"""The pipeline's source garment mask: the segmenter's (default), the landmark polygon (``source_mask=
"polygon"``), or the mask the caller gives."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from designgan.errors import DesignGANError
from designgan.io import load_image
from designgan.landmarks.regions import garment_region
from designgan.landmarks.segment import GarmentMasker
from designgan.models.segmenter import GarmentSegmenter, SegmenterConfig
from designgan.pipeline import DesignGANPipeline

from .conftest import tiny_parts


@pytest.fixture(scope="module")
def masker() -> GarmentMasker:
    """A segmenter that claims everything: its mask is the landmark region grown to the allowed reach."""
    model = GarmentSegmenter(SegmenterConfig(widths=(4, 8)))
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.fill_(10.0)
    return GarmentMasker(model, precision="fp32")


def parts(masker: GarmentMasker) -> dict:
    return {**tiny_parts(), "masker": masker}


def test_source_mask_comes_from_the_segmenter(run_dir, jeans_photo, masker):
    path, points, _ = jeans_photo
    photo = load_image(path)
    region, _ = garment_region(points, "jeans", photo.size)
    expected = masker.photo_mask(np.asarray(photo), points, "jeans", region)
    assert expected.sum() > region.sum()

    out = DesignGANPipeline.from_pretrained(run_dir, **parts(masker))(photo, to="skirt", landmarks=[points])
    assert np.array_equal(out.source_mask, expected)
    assert out.edit_region[out.source_mask].all()

    old = DesignGANPipeline.from_pretrained(run_dir, **parts(masker), source_mask="polygon")
    assert np.array_equal(old(photo, to="skirt", landmarks=[points]).source_mask, region)


def test_a_given_mask_is_used_as_it_is(run_dir, jeans_photo, masker):
    path, points, truth = jeans_photo
    out = DesignGANPipeline.from_pretrained(run_dir, **parts(masker))(load_image(path), to="skirt",
                                                                    landmarks=[points], garment_masks=[truth])
    assert np.array_equal(out.source_mask, truth)


def test_unknown_source_mask_is_refused(run_dir):
    with pytest.raises(DesignGANError, match="source_mask must be one of segmenter, polygon"):
        DesignGANPipeline.from_pretrained(run_dir, source_mask="magic")
