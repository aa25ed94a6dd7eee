"""The lower-garment segmenter around its network: the training target, the frame, the photo mask's limits, the
trainer on the committed CCP slice, and the shipped weights against the landmark polygon."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from scipy import ndimage

from designgan.data import CCP
from designgan.errors import ConfigError
from designgan.io import load_image
from designgan.landmarks.frame import apply
from designgan.landmarks.regions import garment_region
from designgan.landmarks.segment import DEFAULT_WEIGHTS, GarmentMasker, SegmenterFrame, frame_matrix, reach_pixels
from designgan.landmarks.segmenter_data import CONTEXT, context_matrix, lower_garment
from designgan.landmarks.segmenter_eval import iou
from designgan.models.segmenter import GarmentSegmenter, SegmenterConfig
from tests.parts import landmarks_from_mask

NAMES = ["null", "jeans", "skirt", "leggings", "belt", "pants"]


def test_lower_garment_target_and_prior_category():
    label_map = np.zeros((100, 100), dtype=np.uint8)
    label_map[40:90, 30:70] = 1  # jeans
    label_map[40:45, 30:70] = 4  # belt: not part of it
    mask, category = lower_garment(label_map, NAMES)
    assert category == "pants" and mask.sum() == 45 * 40
    label_map[30:60, 20:80] = 2  # a skirt over more pixels than the jeans left: the prior is drawn as a skirt
    mask, category = lower_garment(label_map, NAMES)
    assert category == "skirt" and mask.sum() == (label_map > 0).sum() - (label_map == 4).sum()
    leggings = np.where(label_map > 0, 3, 0).astype(np.uint8)  # leggings alone are worn as trousers
    assert lower_garment(leggings, NAMES)[1] == "pants"
    assert lower_garment(np.zeros((100, 100), dtype=np.uint8), NAMES) is None


def test_context_frame_shares_the_frame_centre():
    frame = SegmenterFrame()
    points = {"left_hip": (60, 100, 1), "right_hip": (40, 100, 1), "left_ankle": (62, 300, 1),
              "right_ankle": (38, 300, 1)}
    matrix = frame_matrix(points, frame)
    ctx, size = context_matrix(matrix, frame)
    hip = np.array([[50.0, 100.0]])
    centre = np.array([(frame.width - 1) / 2, (frame.height - 1) / 2])
    ctx_centre = np.array([(size[1] - 1) / 2, (size[0] - 1) / 2])
    # the context frame is the frame shrunk about its centre
    assert np.allclose(apply(ctx, hip) - ctx_centre, (apply(matrix, hip) - centre) / 1.25)


def _masker(bias: float) -> GarmentMasker:
    model = GarmentSegmenter(SegmenterConfig(widths=(4, 8)))
    with torch.no_grad():
        model.head.weight.zero_()
        model.prior_scale.zero_()
        model.head.bias.fill_(bias)
    return GarmentMasker(model, precision="fp32")


@pytest.fixture(scope="module")
def jeans(ccp_mini):
    ccp = CCP(ccp_mini)
    img = load_image(ccp.photo_path("0026"))
    truth = ccp.load_label_map("0026", size=img.size) == ccp.label_id("jeans")
    return np.asarray(img), truth


def test_photo_mask_stays_near_the_landmark_region(jeans):
    rgb, truth = jeans
    points = landmarks_from_mask(truth, "trousers")
    region, _ = garment_region(points, "jeans", (rgb.shape[1], rgb.shape[0]))
    everything = _masker(10.0).photo_mask(rgb, points, "jeans", region)
    reach = ndimage.distance_transform_edt(~region) <= reach_pixels(frame_matrix(points, SegmenterFrame()),
                                                                   SegmenterFrame())
    assert region.sum() < everything.sum() <= reach.sum()
    assert not (everything & ~reach).any()
    nothing = _masker(-10.0).photo_mask(rgb, points, "jeans", region)
    assert nothing.sum() < 0.05 * region.sum()  # only what the frame does not cover keeps the region
    no_legs = {k: v for k, v in points.items() if "knee" not in k and "ankle" not in k}
    assert np.array_equal(_masker(10.0).photo_mask(rgb, no_legs, "jeans", region), region)  # no frame


def _landmarks_from_labels(ccp: CCP, image_id: str) -> dict[str, list[float]]:
    """Points of a pixel-level photo from its CCP label map: the lower garment's geometry (the whole person's
    when it wears none)."""
    labels = ccp.load_label_map(image_id)
    found = lower_garment(labels, ccp.label_names)
    mask, category = found if found is not None else (labels != 0, "pants")
    family = "skirt" if category == "skirt" else "trousers"
    return {name: list(p) for name, p in landmarks_from_mask(mask, family).items()}


def test_bleed_grows_half_the_priors_and_nothing_else():
    from designgan.landmarks.segmenter_data import SegmenterSamples, make_batch

    samples = SegmenterSamples.__new__(SegmenterSamples)
    samples.frame = SegmenterFrame(height=64, width=64, hip_y=0.2)
    size = (round(64 * CONTEXT), round(64 * CONTEXT))
    samples.images = torch.full((32, 3, *size), 128, dtype=torch.uint8)
    samples.planes = torch.zeros((32, 3, *size), dtype=torch.uint8)
    samples.planes[:, 2] = 255  # all inside the photo
    samples.planes[:, 0, size[0] // 2 - 10:size[0] // 2 + 10, size[1] // 2 - 6:size[1] // 2 + 6] = 255  # prior
    index = torch.arange(32)
    plain = make_batch(samples, index, torch.Generator().manual_seed(0))
    grown = make_batch(samples, index, torch.Generator().manual_seed(0), bleed=0.12)
    area, area_grown = plain[1].sum(dim=(1, 2, 3)), grown[1].sum(dim=(1, 2, 3))
    assert (area_grown >= area).all() and 8 <= int((area_grown > area + 20).sum()) <= 24
    for a, b in list(zip(plain, grown, strict=True))[::2]:  # images and targets: the same draw
        assert torch.equal(a, b)
    with pytest.raises(ConfigError, match="prior_bleed"):
        from designgan.landmarks.segmenter_train import SegmenterTrainConfig, train_segmenter

        train_segmenter("nowhere", [], "nowhere", SegmenterTrainConfig(prior_bleed=0.9), log=lambda _: None)


@pytest.mark.parametrize("target", ["lower_garment", "in_front"])
def test_trainer_runs_on_the_ccp_slice(ccp_mini, untrained_landmarks, tmp_path, target):
    from designgan.landmarks.predict import LandmarkPredictor
    from designgan.landmarks.segmenter_train import SegmenterTrainConfig, train_segmenter

    frame = SegmenterFrame(height=64, width=64, hip_y=0.2) if target == "in_front" else SegmenterFrame()
    in_front_recipe = {"footwear_in_front": True, "prior_bleed": 0.12} if target == "in_front" else {}
    config = SegmenterTrainConfig(widths=(4, 8), batch_size=2, epochs=2, warmup_steps=1, max_minutes=0,
                                  target=target, frame=frame, **in_front_recipe)
    # the slice's people placed from their label maps, in the cache the trainer reads; the landmark network given
    # (an untrained one) would place any photo the cache lacks
    ccp = CCP(ccp_mini)
    (tmp_path / "ccp_landmarks.jsonl").write_text("".join(
        json.dumps({"key": i, "points": _landmarks_from_labels(ccp, i)}) + "\n" for i in ccp.pixel_level_ids()))
    train_segmenter(ccp_mini, [], tmp_path, config, export_to=tmp_path / "exported.safetensors",
                    log=lambda _: None, landmarks=LandmarkPredictor.load(untrained_landmarks))
    history = json.loads((tmp_path / "history.json").read_text())
    assert [e["epoch"] for e in history] == [1, 2] and all(e["steps"] >= 1 for e in history)
    sidecar = json.loads((tmp_path / "exported.json").read_text())
    assert sidecar["target"] == [target] and sidecar["frame"]["height"] == frame.height
    assert sidecar["train_photos"] >= 3  # the jeans and skirt photos of the slice
    if target == "lower_garment":  # what the pipeline loads as its masker
        assert GarmentMasker.load(tmp_path / "exported.safetensors").model.config.widths == (4, 8)


def test_missing_ccp_landmarks_are_predicted_by_the_network_given_and_cached(ccp_mini, untrained_landmarks,
                                                                              tmp_path):
    from designgan.landmarks.ccp_points import ccp_landmarks
    from designgan.landmarks.predict import LandmarkPredictor
    from designgan.landmarks.schema import LANDMARK_NAMES

    ccp, cache = CCP(ccp_mini), tmp_path / "lm.jsonl"
    cache.write_text(json.dumps({"key": "0001", "points": {"left_hip": [1.0, 2.0, 0.5]}}) + "\n")
    predictor = LandmarkPredictor.load(untrained_landmarks)
    points = ccp_landmarks(ccp, ["0001", "0002", "1005"], cache, progress=False, log=lambda _: None,
                           predictor=predictor)
    assert points["0001"] == {"left_hip": [1.0, 2.0, 0.5]}  # cached: not predicted again
    expected = predictor.predict(load_image(ccp.photo_path("1005"))).to_json()["points"]
    assert set(points["1005"]) == set(LANDMARK_NAMES) and points["1005"] == expected
    assert sorted(json.loads(line)["key"] for line in cache.read_text().splitlines()) == ["0001", "0002", "1005"]


@pytest.mark.skipif(not DEFAULT_WEIGHTS.is_file(), reason="segmenter weights not shipped")
def test_shipped_segmenter_beats_the_polygon_on_fixture_photos(ccp_mini):
    """The shipped weights load and, with the landmark network's points, beat the polygon on the slice's photos
    (training photos of the segmenter: this checks the shipped path end to end; the held-out figures are in the
    sidecar, checked first)."""
    from designgan.landmarks.predict import LandmarkPredictor

    ccp, masker = CCP(ccp_mini), GarmentMasker.load()
    assert masker.meta["heldout"]["all"]["segmenter_iou"] > masker.meta["heldout"]["all"]["polygon_iou"]
    predictor = LandmarkPredictor.load()
    scores = []
    for image_id, category in (("0016", "jeans"), ("0026", "jeans"), ("0001", "skirt"), ("0006", "skirt")):
        img = load_image(ccp.photo_path(image_id))
        truth = ccp.load_label_map(image_id, size=img.size) == ccp.label_id(category)
        points = predictor.predict(img).points
        region, _ = garment_region(points, category, img.size)
        scores.append((iou(region, truth), iou(masker.photo_mask(np.asarray(img), points, category, region), truth)))
    polygon, segmenter = np.mean(scores, axis=0)
    assert segmenter > polygon + 0.05, scores


def test_large_photos_get_the_same_mask_in_blocks(jeans, monkeypatch):
    """Over MAX_BACK_SIDE / MAX_DISTANCE_SIDE pixels the mask is filled and limited in blocks (bounded memory on a
    49 MP photo): the same mask to within the blocks' size."""
    import designgan.landmarks.segment as segment

    rgb, truth = jeans
    points = landmarks_from_mask(truth, "trousers")
    region, _ = garment_region(points, "jeans", (rgb.shape[1], rgb.shape[0]))
    masker = GarmentMasker(GarmentSegmenter(SegmenterConfig(widths=(4, 8))), precision="fp32")
    exact = masker.photo_mask(rgb, points, "jeans", region)
    monkeypatch.setattr(segment, "MAX_BACK_SIDE", 100)
    monkeypatch.setattr(segment, "MAX_DISTANCE_SIDE", 100)
    blocky = masker.photo_mask(rgb, points, "jeans", region)
    assert iou(blocky, exact) > 0.95
    near = segment.near_region(region, 40.0, max_side=100)
    assert (near >= (ndimage.distance_transform_edt(~region) <= 40)).all()  # blocks only ever reach further
    assert (near <= (ndimage.distance_transform_edt(~region) <= 40 + 2 * 9)).all()  # by at most ~2 blocks
