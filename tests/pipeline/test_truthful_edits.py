"""Issue 27, edit only what is there: people, not shapes; in a group everyone wearing the source garment, whatever
their height rank; shorts are no jeans2skirt source. The shipped networks, on bundled and drawn photos."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from designgan.io import load_image
from designgan.landmarks.garment_classifier import CUT_LEGS_PADDING, frame_crop
from designgan.pipeline import DesignGANPipeline, NoPersonError, NotSourceError, Person, PipelineOutput
from designgan.pipeline.presence import PERSON_SCORE, person_score
from tests.conftest import CCP_FULL, needs_ccp

from .conftest import tiny_parts

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "src" / "designgan" / "assets" / "examples"


@pytest.fixture(scope="module")
def pipe():
    """The shipped jeans2skirt pipeline (its landmark network and garment classifier are what is tested)."""
    return DesignGANPipeline.from_pretrained("jeans2skirt")


def _drawn(kind: str, seed: int) -> Image.Image:
    spec = importlib.util.spec_from_file_location("no_person_photos", REPO / "scripts" / "no_person_photos.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.drawn(kind, seed, size=(256, 384))


def test_the_person_score_reads_the_better_half():
    upper = {n: (0.0, 0.0, 0.9) for n in ("nose", "left_shoulder", "right_shoulder", "left_collar", "right_collar")}
    assert person_score(Person(upper)) == pytest.approx(0.9)  # a person from the waist up
    legs = {n: (0.0, 0.0, 0.8) for n in ("left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
                                          "right_heel", "left_foot_index", "right_foot_index")}
    assert person_score(Person(legs)) == pytest.approx(0.8)  # a photo from the waist down
    blurred = {n: (0.0, 0.0, 0.3) for n in (*upper, *legs)}  # the reading a cheetah gets
    assert person_score(Person(blurred)) < PERSON_SCORE and person_score(Person({})) == 0.0


def test_the_shipped_pipeline_refuses_a_photo_without_people_as_such_before_any_garment_question(pipe):
    with pytest.raises(NoPersonError, match="no person found") as caught:
        pipe(_drawn("still_life", 1), to="skirt")
    assert not isinstance(caught.value, NotSourceError) and caught.value.people_found == 0


def test_shipped_in_a_group_everyone_in_the_source_garment_is_edited_whatever_their_height(pipe):
    skirt, jeans = load_image(EXAMPLES / "ccp_1012.jpg"), load_image(EXAMPLES / "ccp_1045.jpg")
    small = jeans.resize((round(jeans.width * 0.7), round(jeans.height * 0.7)))  # under 75% of her height
    group = Image.new("RGB", (skirt.width + small.width, skirt.height))
    group.paste(skirt, (0, 0))
    group.paste(small, (skirt.width, skirt.height - small.height))
    out = pipe(group, to="skirt")
    assert isinstance(out, PipelineOutput) and out.people_found == 2
    assert [e.person.number for e in out.people] == [2] and out.people[0].worn == "trousers"
    assert [(s["person"], s["reason"]) for s in out.skipped] == [(1, "wears a skirt")]
    assert out.claim == "trousers -> skirt" and out.metadata()["DesignGAN-Edit"] == "trousers -> skirt"
    # --person 1 names the woman in the skirt: refused, with the reason
    with pytest.raises(NoPersonError, match="already wears a skirt"):
        pipe(group, to="skirt", people=1)


@needs_ccp
def test_shorts_are_no_source_for_the_shipped_jeans2skirt(pipe):
    # CCP 1117 (pants_shorts test split) wears shorts: refused, never tagged "trousers -> skirt"
    with pytest.raises(NotSourceError, match="wears shorts"):
        pipe(load_image(CCP_FULL / "photos" / "1117.jpg"), to="skirt")


def test_legs_cut_off_by_the_photo_are_continued_for_the_classifier():
    photo = load_image(EXAMPLES / "ccp_1045.jpg")
    w, h = photo.size
    knee = photo.crop((0, 0, w, round(0.68 * h)))  # an e-commerce crop at the knee: the ankles are below it
    points = {"left_shoulder": (300.0, 190.0, 0.9), "right_shoulder": (230.0, 190.0, 0.9),
              "left_hip": (290.0, 420.0, 0.9), "right_hip": (245.0, 420.0, 0.9),
              "left_knee": (295.0, 590.0, 0.9), "right_knee": (240.0, 590.0, 0.9),
              "left_ankle": (300.0, 760.0, 0.9), "right_ankle": (235.0, 760.0, 0.9)}
    black = frame_crop(knee, points)
    continued = frame_crop(knee, points, CUT_LEGS_PADDING)
    assert (black[-10:] == 0).all() and (continued[-10:] > 0).any()  # below the cut: black, or the legs continued
    classifier = tiny_parts()["garment_classifier"]  # any classifier: the two framings must agree
    assert np.allclose(classifier.classify_read([knee], [points], extend_cut_legs=True),
                       classifier.classify([knee], [points], [None], [CUT_LEGS_PADDING]))
    # the whole photo (ankles in view) is framed as before
    assert np.allclose(classifier.classify_read([photo], [points], extend_cut_legs=True),
                       classifier.classify_read([photo], [points]))


def test_a_saved_pipeline_keeps_the_presence_judge(run_dir, tmp_path):
    import torch

    from designgan.landmarks.garment_classifier import PRESENCE_CLASSES
    from designgan.landmarks.garment_model import GarmentJudgeConfig, GarmentJudgeNet

    parts = tiny_parts()
    torch.manual_seed(0)
    parts["garment_classifier"].presence = GarmentJudgeNet(GarmentJudgeConfig(widths=(4, 8, 8, 8, 8),
                                                                              num_families=len(PRESENCE_CLASSES))).eval()
    pipe = DesignGANPipeline.from_pretrained(run_dir, **parts)
    again = DesignGANPipeline.from_pretrained(pipe.save_pretrained(tmp_path / "saved"), precision="fp32")
    presence = again.garment_classifier.presence
    assert presence is not None
    crops = np.zeros((1, 160, 100, 3), np.uint8)
    np.testing.assert_allclose(again.garment_classifier.probabilities(crops, presence),
                               pipe.garment_classifier.probabilities(crops, pipe.garment_classifier.presence),
                               atol=2e-3)
