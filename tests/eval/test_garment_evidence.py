"""The landmark network's trouser evidence as the garment judge's second opinion (designgan.eval.garment_evidence)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from designgan.errors import DataError
from designgan.eval.garment_evidence import BINS, fit_likelihood, fuse, likelihood_table, read_evidence
from designgan.eval.garment_family import FAMILIES
from designgan.eval.garment_judge import DEFAULT_WEIGHTS, GarmentJudge
from tests.eval.test_garment_judge import _body, _forced_judge

TROUSERS, SKIRT, SHORTS = (FAMILIES.index(f) for f in ("trousers", "skirt", "shorts"))


def _points(evidence: float, ankle_y: float = 350.0, ankle_conf: float = 0.9) -> dict:
    pts = {n: [100.0, 300.0, evidence] for n in ("left_inner_hem", "right_inner_hem", "crotch")}
    pts |= {f"{side}_ankle": [100.0, ankle_y, ankle_conf] for side in ("left", "right")}
    return pts


def _overruled_trousers_judge(path) -> GarmentJudge:
    """A judge whose CNN is sure of trousers (bias 10), with an evidence table overwhelming enough to overturn it:
    evidence < 0.1 makes it a skirt."""
    _forced_judge("trousers", path)
    sidecar = path.with_suffix(".json")
    meta = json.loads(sidecar.read_text())
    meta["evidence"] = {"bins": list(BINS), "likelihood": {"trousers": [1e-6, 1, 1], "skirt": [1, 1, 1e-6],
                                                           "shorts": [1e-6, 1, 1]}}
    sidecar.write_text(json.dumps(meta))
    return GarmentJudge.load(path)


def test_evidence_is_read_only_where_the_hems_could_be_seen():
    assert read_evidence(_points(0.7), 400) == pytest.approx(0.7)
    assert read_evidence(_points(0.7, ankle_y=420.0), 400) is None  # ankles below the photo's edge
    assert read_evidence(_points(0.7, ankle_conf=0.2), 400) is None  # ankles not seen
    assert read_evidence({k: v for k, v in _points(0.7).items() if k != "crotch"}, 400) is None  # no garment points


def test_the_table_counts_each_family_smooths_and_keeps_the_middle_neutral():
    families = [TROUSERS] * 4 + [SKIRT] * 4 + [SHORTS] * 2 + [SKIRT]
    evidence = [0.8, 0.9, 0.3, 0.05, 0.01, 0.02, 0.03, 0.6, 0.7, 0.2, None]  # the None photo is left out
    entry = fit_likelihood(families, evidence)
    assert entry["bins"] == list(BINS)
    assert entry["counts"] == {"trousers": [1, 1, 2], "skirt": [3, 0, 1], "shorts": [0, 1, 1]}
    table = likelihood_table(entry)
    assert table[TROUSERS].tolist() == pytest.approx([2 / 7, 1.0, 3 / 7], abs=1e-4)
    assert (table[:, 1] == 1.0).all()
    with pytest.raises(DataError, match="shorts"):
        fit_likelihood([TROUSERS, SKIRT], [0.8, 0.01])


def test_decisive_evidence_overturns_an_unsure_judge_and_none_changes_nothing():
    table = np.array([[0.04, 1.0, 0.75], [0.69, 1.0, 0.03], [0.06, 1.0, 0.64]])
    probs = np.array([[0.7, 0.25, 0.05]] * 4, dtype=np.float32)  # the judge: trousers, unsure
    fused = fuse(probs, [0.02, 0.3, 0.8, None], table)
    assert fused.argmax(1).tolist() == [SKIRT, TROUSERS, TROUSERS, TROUSERS]
    assert np.allclose(fused[1], probs[1]) and np.allclose(fused[3], probs[3])  # neutral bin, no evidence
    assert np.allclose(fused.sum(1), 1.0)
    assert fuse(np.array([[0.001, 0.999, 0.0]]), [0.9], table).argmax() == SKIRT  # a sure judge keeps its answer


def test_a_judge_fuses_only_with_a_table_and_evidence(tmp_path):
    path = tmp_path / "gj.safetensors"
    _forced_judge("trousers", path)
    image = Image.new("RGB", (200, 400), (90, 90, 140))
    body = _body(hip=(100.0, 150.0), leg=200.0)
    alone = GarmentJudge.load(path)
    assert alone.evidence_table is None
    assert alone.classify([image], [body], [0.0]).argmax() == TROUSERS  # no table: the evidence is not read
    fused = _overruled_trousers_judge(path)
    assert fused.classify([image], [body], [0.0]).argmax() == SKIRT
    assert fused.classify([image], [body], [None]).argmax() == TROUSERS
    assert fused.classify([image], [body]).argmax() == TROUSERS
    with pytest.raises(ValueError, match="evidence values"):
        fused.classify([image], [body], [0.0, 0.0])
    sidecar = path.with_suffix(".json")
    meta = json.loads(sidecar.read_text())
    meta["evidence"]["bins"] = [0.2, 0.5]
    sidecar.write_text(json.dumps(meta))
    with pytest.raises(DataError, match="evidence"):
        GarmentJudge.load(path)


@pytest.mark.skipif(not DEFAULT_WEIGHTS.is_file(), reason="garment judge weights not shipped in this checkout")
def test_the_shipped_table_points_the_way_the_landmarks_do():
    table = GarmentJudge.load().evidence_table
    assert table is not None
    assert table[SKIRT, 0] > 5 * table[TROUSERS, 0] and table[TROUSERS, 2] > 5 * table[SKIRT, 2]
    evidence = GarmentJudge.load().meta["evidence"]
    assert evidence["heldout_accuracy_fused"] >= evidence["heldout_accuracy_alone"]


def test_eval_reads_the_evidence_on_the_output_not_on_the_source(mini_dataset, tmp_path):
    import torch

    from designgan.data import TwoDomainData
    from designgan.eval.garment_eval import LandmarkSource
    from designgan.eval.judge import Judge
    from designgan.eval.judge_model import JudgeModelConfig, create_judge_model
    from designgan.eval.runner import evaluate, judge_real_photos

    torch.manual_seed(0)
    parser = Judge(create_judge_model(JudgeModelConfig(backbone="regnetx_002", fpn_channels=16, input_height=64,
                                                       input_width=44)), bf16=False)
    judge = _overruled_trousers_judge(tmp_path / "gj.safetensors")
    data = TwoDomainData.open(mini_dataset)
    records, reals = data.records(split="test", domain="a")[:2], data.records(split="test", domain="b")[:2]
    source = {k: [100.0, 100.0, 0.9] for k in _body()} | _points(0.9, ankle_y=150.0)  # trousers on the source
    landmarks = LandmarkSource({r.key: {"points": source, "person_found": True} for r in records + reals})
    outputs = set()

    def reads_a_skirt(image):  # the landmark network's reading of an output: no crotch, no inner hems
        outputs.add(image.size)
        return _points(0.0, ankle_y=image.height * 0.8), True

    landmarks.predict = reads_a_skirt

    def identity(image):
        return image, np.zeros(image.size[::-1], bool)

    real = judge_real_photos(parser, reals, progress=False, domain="skirt", garment=judge, landmarks=landmarks)
    result = evaluate(identity, records, "skirt", parser, real, progress=False, kid_subsets=2, garment=judge,
                      landmarks=landmarks)
    assert outputs and result.summary["success"]["mean"] == 1.0  # the output's own reading decided
    assert {r["source_family"] for r in result.rows} == {"trousers"}  # the source's reading: trousers
