"""Design controls through the pipeline (issue 30): ``style=`` reaches the rendered prior, is recorded in the
output's metadata, and a photo whose legs cannot show the asked hem fails alone."""

from __future__ import annotations

import pytest

from designgan.errors import DesignGANError
from designgan.io import load_image
from designgan.landmarks.schema import BODY_NAMES
from designgan.models.prior import PriorRenderer
from designgan.models.prior_style import PriorStyle
from designgan.pipeline import DesignGANPipeline, Translator, TranslatorConfig, TranslatorSpec

from .conftest import tiny_parts


@pytest.fixture()
def pipe() -> DesignGANPipeline:
    config = TranslatorConfig()
    config.model.generator = "prior_renderer"  # what the generators below are (its card: paints the prior)
    config.data.frame, config.data.size = "lower", (96, 48)
    config.data.heatmap_names = list(BODY_NAMES)
    generators = {"G_AB": PriorRenderer("skirt", list(BODY_NAMES)), "G_BA": PriorRenderer("trousers", list(BODY_NAMES))}
    return DesignGANPipeline(Translator(TranslatorSpec("prior", ("jeans", "skirt"), config), generators),
                             **tiny_parts(), precision="fp32", source_mask="polygon")


def test_a_style_changes_the_drawn_skirt_and_is_recorded(pipe, jeans_photo):
    path, points, truth = jeans_photo
    photo = load_image(path)
    kwargs = {"to": "skirt", "landmarks": [points], "garment_masks": [truth]}
    knee = pipe(photo, **kwargs)
    maxi = pipe(photo, style={"length": "maxi", "cut": "pencil"}, **kwargs)
    assert knee.style is None and "DesignGAN-Style" not in knee.metadata()
    assert maxi.style == {"family": "skirt", "length": "maxi", "cut": "pencil", "flare": 0.95}
    assert maxi.metadata()["DesignGAN-Style"] == "family skirt, length maxi, cut pencil, flare 0.95"
    lowest = [int(out.target_mask.any(axis=1).nonzero()[0].max()) for out in (knee, maxi)]
    assert lowest[1] > lowest[0]  # the maxi reaches further down
    same = pipe(photo, style=PriorStyle(), **kwargs)  # the model's own style asked for: today's picture
    assert (same.alpha == knee.alpha).all()


def test_a_hem_the_legs_cannot_show_fails_that_photo_alone(pipe, jeans_photo):
    path, points, truth = jeans_photo
    cut = {k: v for k, v in points.items() if "ankle" not in k and "heel" not in k and "foot" not in k}
    results = pipe.translate_batch([path, path], to="skirt", landmarks=[cut, points], garment_masks=[truth, truth],
                                   style={"length": "midi"}, return_errors=True)
    assert isinstance(results[0], DesignGANError) and "cut off" in str(results[0])
    assert "\n" not in str(results[0])
    assert results[1].style["length"] == "midi"  # type: ignore[union-attr]


def test_styles_a_model_cannot_draw_are_refused_before_any_photo(pipe, jeans_photo):
    path, points, truth = jeans_photo
    with pytest.raises(DesignGANError, match="trousers cannot be drawn 'maxi'"):
        pipe(path, to="jeans", style={"length": "maxi"}, landmarks=[points], garment_masks=[truth])
    with pytest.raises(DesignGANError, match="cut"):
        pipe(path, to="skirt", style={"cut": "tulip"}, landmarks=[points], garment_masks=[truth])


def test_command_line_options_become_style_changes_named_by_option():
    from designgan.models.prior_style import style_options

    assert style_options() is None
    assert style_options("0.6", None, "wide") == {"length": 0.6, "fit": "wide"}
    assert style_options("Midi", "pencil") == {"length": "midi", "cut": "pencil"}
    for args, option in ((("ankle",), "--length"), ((None, "tulip"), "--cut"), ((None, None, "baggy"), "--fit"),
                         (("1.5",), "--length")):
        with pytest.raises(DesignGANError, match=option):
            style_options(*args)


def test_the_demo_passes_the_design_controls_and_the_saved_picture_names_them(pipe, jeans_photo, tmp_path):
    from PIL import Image

    from designgan.app.demo import DemoBackend

    path, points, _ = jeans_photo
    backend = DemoBackend(pipe, tmp_path / "demo")
    _, saved, status = backend.translate(path, "skirt", landmarks=points, style={"length": "mini"})
    assert "AI-edited" in status
    with Image.open(saved) as image:
        assert image.text["DesignGAN-Style"].startswith("family skirt, length mini")
