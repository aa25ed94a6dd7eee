"""The pipeline with the rendered prior as its generators (the "prior only" translator, and what the prior refiner
builds on): the frame it runs on, the skin colour it is given, and the frame's edge in the composition."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image

from designgan.io import load_image
from designgan.landmarks.frame import footprint, invert, warp
from designgan.landmarks.schema import BODY_NAMES
from designgan.landmarks.skin import photo_skin_colour
from designgan.models.prior import PriorRenderer
from designgan.pipeline import DesignGANPipeline, Translator, TranslatorConfig, TranslatorSpec
from designgan.pipeline.compose import compose_photo
from designgan.pipeline.output import Job, PersonEdit

from .conftest import tiny_parts


class RecordingPrior(PriorRenderer):
    """The prior, remembering the frames and skin colours it was given."""

    def __init__(self, family: str) -> None:
        super().__init__(family, list(BODY_NAMES))
        self.calls: list[tuple[tuple[int, ...], torch.Tensor | None]] = []

    def forward(self, image, attention, skin=None, fabric=None):  # type: ignore[override]
        self.calls.append((tuple(image.shape), skin))
        return super().forward(image, attention, skin, fabric)


@pytest.fixture()
def prior_pipe() -> DesignGANPipeline:
    config = TranslatorConfig()
    config.model.generator = "prior_renderer"  # what the generators below are (its card: paints the prior)
    config.data.frame, config.data.size = "lower", (96, 48)
    config.data.heatmap_names = list(BODY_NAMES)
    generators = {"G_AB": RecordingPrior("skirt"), "G_BA": RecordingPrior("trousers")}
    return DesignGANPipeline(Translator(TranslatorSpec("prior", ("jeans", "skirt"), config), generators),
                             **tiny_parts(), precision="fp32", source_mask="polygon")


def test_the_frame_is_as_wide_as_high_and_the_photos_skin_colour_reaches_the_prior(prior_pipe, jeans_photo):
    path, points, truth = jeans_photo
    photo = load_image(path)
    rgb = np.asarray(photo).copy()
    nose = points["nose"]
    rgb[max(0, int(nose[1]) - 6):int(nose[1]) + 6, int(nose[0]) - 6:int(nose[0]) + 6] = (224, 172, 150)  # a face
    out = prior_pipe(rgb, to="skirt", landmarks=[points], garment_masks=[truth], refine_steps=0)
    assert prior_pipe.frame_size == (96, 96)
    (shape, skin), = prior_pipe.generators["G_AB"].calls  # type: ignore[attr-defined]
    assert shape[-2:] == (96, 96)
    expected = photo_skin_colour(rgb, points)
    assert expected is not None and skin is not None
    assert torch.allclose(skin[0], torch.from_numpy(expected))
    assert out.image.size == photo.size


def test_pixels_past_a_tilted_frames_edge_keep_the_photo_even_inside_the_source_mask():
    # A person leaning 20 degrees: the frame's footprint box has corners the frame does not cover, where a warp
    # back would smear the frame's edge pixels over the photo.
    size, angle = (64, 64), math.radians(20)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    centre = np.array([100.0, 100.0])
    frame = np.concatenate([rotation, (np.array([31.5, 31.5]) - rotation @ centre)[:, None]], axis=1)
    photo = Image.fromarray(np.full((200, 200, 3), 90, np.uint8))
    edit = PersonEdit(None, footprint(frame, size), None, frame)  # type: ignore[arg-type]
    job = Job(0, edit, torch.zeros(3, *size), torch.zeros(1, *size), output=torch.ones(3, *size),
              mask=torch.ones(1, *size))
    everything = np.ones((200, 200), dtype=bool)
    result, _, alpha, _ = compose_photo(photo, everything, [job], model_height=size[0], dilate=1, feather=1)
    inside = warp(torch.ones(1, 1, *size), invert(frame), (200, 200), padding_mode="zeros")[0, 0].numpy()
    after = np.asarray(result)
    assert (after[inside > 0.999] == 255).all()  # the frame's output, pasted
    x0, y0, x1, y1 = edit.box
    corner = np.zeros((200, 200), dtype=bool)
    corner[y0:y1, x0:x1] = inside[y0:y1, x0:x1] == 0  # in the footprint box, off the tilted frame
    assert corner.sum() > 500
    assert (after[corner] == 90).all() and (alpha[corner] == 0).all()


def test_a_users_fabric_goes_to_the_prior_and_no_refinement_runs_after_it(prior_pipe, jeans_photo, monkeypatch):
    path, points, truth = jeans_photo
    fabric = Image.new("RGB", (32, 32), (200, 30, 30))
    monkeypatch.setattr(DesignGANPipeline, "_refine", lambda *a, **k: pytest.fail("refinement ran"))
    out = prior_pipe(load_image(path), to="skirt", texture=fabric, landmarks=[points], garment_masks=[truth])
    red = np.asarray(out.image)[out.target_mask]
    assert red.mean(axis=0)[0] > 150 and red.mean(axis=0)[1] < 80  # the new skirt is the red fabric


def test_the_band_the_prior_repaints_past_the_mask_is_shown_whole(jeans_photo):
    """The prior repaints ``GROW`` of the frame's height past the source mask (masks miss the cloth's soft edge);
    the composition shows that band at full weight, where the config's narrower margin left the old garment's
    edge half visible as a faint outline. The fixture photo enlarged 4 x, so a frame pixel spans photo pixels."""
    path, points, truth = jeans_photo
    photo = load_image(path)
    photo = photo.resize((photo.width * 4, photo.height * 4), Image.BICUBIC)
    points = {name: (4 * x, 4 * y, c) for name, (x, y, c) in points.items()}
    truth = np.repeat(np.repeat(truth, 4, axis=0), 4, axis=1)
    config = TranslatorConfig()
    config.model.generator = "prior_renderer"
    config.data.frame, config.data.size = "lower", (256, 128)
    config.data.heatmap_names = list(BODY_NAMES)
    generators = {"G_AB": PriorRenderer("skirt", list(BODY_NAMES)), "G_BA": PriorRenderer("trousers",
                                                                                          list(BODY_NAMES))}
    pipe = DesignGANPipeline(Translator(TranslatorSpec("prior", ("jeans", "skirt"), config), generators),
                             **tiny_parts(), precision="fp32", source_mask="polygon")
    assert config.loss.dilate == 2 and pipe._compose_margin("G_AB") == round(0.015 * 256) == 4
    shown = pipe(photo, to="skirt", landmarks=[points], garment_masks=[truth]).alpha
    generators["G_AB"].repaints_past_mask = 0.0  # a generator that repaints only the mask: the config's margin
    assert pipe._compose_margin("G_AB") == 2
    narrow = pipe(photo, to="skirt", landmarks=[points], garment_masks=[truth]).alpha
    assert (shown >= narrow).all()
    # the full-weight region reaches a band of at least two photo pixels further round the garment's outline
    outline = truth.sum() ** 0.5 * 4
    assert (shown == 1).sum() - (narrow == 1).sum() > 2 * outline
