"""The judge: label mapping, held-out split, letterboxing, augmentation alignment, model, weights round trip,
IoU bookkeeping, and (when shipped) the trained weights on committed CCP photos."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from designgan.data import CCP
from designgan.errors import DataError
from designgan.eval.classes import CCP_TO_JUDGE, JUDGE_CLASSES, NUM_CLASSES, ccp_lookup, heldout
from designgan.eval.judge import DEFAULT_WEIGHTS, Judge, export_weights, load_weights
from designgan.eval.judge_data import IGNORE, JudgeSamples, judge_split, letterbox_labels, make_batch
from designgan.eval.judge_model import JudgeModelConfig, create_judge_model
from designgan.eval.segmentation import confusion_matrix, iou_per_class, segmentation_scores
from designgan.io import load_image
from tests.conftest import CCP_FULL, needs_ccp

TINY = JudgeModelConfig(backbone="regnetx_002", fpn_channels=16, input_height=64, input_width=44)


def test_every_ccp_label_has_a_known_judge_class(ccp_mini):
    names = CCP(ccp_mini).label_names
    assert set(CCP_TO_JUDGE) <= set(names)
    assert set(CCP_TO_JUDGE.values()) == set(JUDGE_CLASSES) - {"background"}
    table = ccp_lookup(names)
    assert table[names.index("null")] == JUDGE_CLASSES.index("background")
    assert table[names.index("romper")] == JUDGE_CLASSES.index("dress")
    assert table[names.index("tights")] == table[names.index("stockings")] == JUDGE_CLASSES.index("legwear")
    assert table[names.index("coat")] == table[names.index("t-shirt")] == JUDGE_CLASSES.index("upper")
    for garment in ("jeans", "pants", "skirt", "shorts"):
        assert JUDGE_CLASSES[table[names.index(garment)]] == garment


def test_heldout_split_is_every_tenth_id_and_never_the_image_level_photos(ccp_mini):
    assert [heldout(i) for i in ("0010", "0011", "1000", "0999")] == [True, False, True, False]
    train, held = judge_split(CCP(ccp_mini))
    assert train == ["0001", "0002", "0006", "0016", "0026", "0087"] and held == []
    assert not set(train) & set(CCP(ccp_mini).image_level_ids())


@needs_ccp
def test_full_ccp_split_sizes():
    train, held = judge_split(CCP(CCP_FULL))
    assert (len(train), len(held)) == (904, 100)
    assert all(int(i) <= 1004 for i in train + held)


def test_letterbox_labels_pads_with_ignore():
    labels = np.full((30, 10), 3, np.uint8)
    boxed = letterbox_labels(labels, 30, 20)
    assert boxed.shape == (30, 20)
    assert set(np.unique(boxed[:, 5:15])) == {3} and set(np.unique(boxed[:, :5])) == {IGNORE}


def test_augmented_batches_keep_photo_and_labels_aligned(ccp_mini):
    """Colour-code the labels into the photo; after the random warp every labelled pixel keeps its colour."""
    samples = JudgeSamples(CCP(ccp_mini), ["0001", "0002"], 96, 66, progress=False)
    codes = torch.tensor(np.random.default_rng(0).integers(0, 256, (256, 3)), dtype=torch.uint8)
    samples.images = codes[samples.labels.long()].permute(0, 3, 1, 2).contiguous()
    images, labels = make_batch(samples, torch.arange(2), 64, 44, torch.Generator().manual_seed(3))
    assert images.shape == (2, 3, 64, 44) and labels.shape == (2, 64, 44)
    assert (labels != IGNORE).float().mean() > 0.5
    # photometric jitter changes the colours, so compare each pixel to its class's median colour
    inner = torch.nn.functional.max_pool2d(labels[:, None].float(), 3, 1, 1)[:, 0] == \
        -torch.nn.functional.max_pool2d(-labels[:, None].float(), 3, 1, 1)[:, 0]  # pixels in uniform 3x3 areas
    for b in range(2):
        for c in labels[b].unique().tolist():
            if c == IGNORE:
                continue
            sel = (labels[b] == c) & inner[b]
            if sel.sum() < 10:
                continue
            pixels = images[b].permute(1, 2, 0)[sel]
            assert (pixels - pixels.median(0).values).abs().max(1).values.median() < 0.02


def test_model_shapes_and_features():
    model = create_judge_model(TINY).eval()
    x = torch.rand(2, 3, 64, 44)
    with torch.no_grad():
        logits, fused, embedding = model.forward_with_features(x)
        assert torch.equal(model(x), logits)
    assert logits.shape == (2, NUM_CLASSES, 16, 11)
    assert fused.shape == (2, TINY.fpn_channels, 16, 11)
    assert embedding.shape == (2, model.embedding_dim)


def test_weights_round_trip_in_fp16_and_clear_errors(tmp_path):
    torch.manual_seed(0)
    model = create_judge_model(TINY).eval()
    path = tmp_path / "judge.safetensors"
    export_weights(model, path, {"heldout": {"miou": 0.5}})
    loaded, meta = load_weights(path)
    assert meta["model"]["backbone"] == "regnetx_002" and meta["heldout"]["miou"] == 0.5
    x = torch.rand(1, 3, 64, 44)
    with torch.no_grad():
        assert torch.allclose(model(x), loaded(x), atol=0.05)
    judge = Judge(loaded, flip_test=True, bf16=False)
    img = load_image(CCP_FULL / "photos/0001.jpg") if (CCP_FULL / "photos").is_dir() else None
    if img is None:
        from PIL import Image
        img = Image.new("RGB", (55, 83), (120, 80, 60))
    parse = judge.parse(img)
    assert parse.labels.shape == (img.size[1], img.size[0]) and parse.labels.max() < NUM_CLASSES
    with pytest.raises(DataError, match="not found"):
        load_weights(tmp_path / "missing.safetensors")
    meta["classes"] = ["background", "skin"]
    path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match="trained for classes"):
        load_weights(path)
    path.with_suffix(".json").write_text("{not json")
    with pytest.raises(DataError, match=r"judge\.json"):
        load_weights(path)


def test_confusion_and_iou_known_values():
    target = np.array([[0, 0, 1, 1], [2, 2, 255, 1]])
    pred = np.array([[0, 1, 1, 1], [2, 0, 2, 1]])
    cm = confusion_matrix(pred, target, 3)
    assert cm.sum() == 7  # the ignored pixel is skipped
    np.testing.assert_allclose(iou_per_class(cm), [1 / 3, 3 / 4, 1 / 2])
    scores = segmentation_scores(cm, ["a", "b", "c"])
    assert scores["miou"] == pytest.approx((1 / 3 + 3 / 4 + 1 / 2) / 3)
    assert scores["pixel_accuracy"] == pytest.approx(5 / 7)
    absent = segmentation_scores(np.zeros((3, 3), np.int64), ["a", "b", "c"])
    assert absent["per_class_iou"] == {"a": None, "b": None, "c": None}


@pytest.mark.skipif(not DEFAULT_WEIGHTS.is_file(), reason="judge weights not shipped in this checkout")
def test_shipped_judge_parses_a_committed_photo(ccp_mini):
    """Photo 0001 is in the judge's training split, so this checks the shipped weights load and work,
    not how well they generalise (``designgan judge eval`` measures that on the held-out split)."""
    ccp = CCP(ccp_mini)
    img = load_image(ccp.photo_path("0001"))
    target = ccp_lookup(ccp.label_names)[ccp.load_label_map("0001", size=img.size)]
    judge = Judge.load()
    scores = segmentation_scores(confusion_matrix(judge.parse(img).labels, target, NUM_CLASSES), JUDGE_CLASSES)
    assert scores["pixel_accuracy"] > 0.85
    assert judge.meta["heldout"]["images"] == 100
