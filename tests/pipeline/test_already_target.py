"""A person is edited only when the garment classifier sees the model's source garment on them; a photo whose
person already wears the target garment family is reported as such and not edited (the AI-edit metadata must
never state an edit that did not happen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from designgan.landmarks.garment_classifier import SOURCE_CONFIDENCE, garment_verdict, read_evidence
from designgan.landmarks.regions import trouser_evidence

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "designgan" / "assets" / "examples"


H = 400  # photo height; the ankles below stand at y = 380


def points(evidence: float, ankle: tuple[float, float, float] = (10.0, 380.0, 0.9)
           ) -> dict[str, tuple[float, float, float]]:
    return {**{n: (10.0, 10.0, evidence) for n in ("left_inner_hem", "right_inner_hem", "crotch")},
            "left_ankle": ankle, "right_ankle": ankle}


def test_the_classifier_decides_who_is_edited():
    # in FAMILIES order: trousers, skirt, shorts
    assert garment_verdict([0.9, 0.05, 0.05], "trousers") is None
    assert garment_verdict([SOURCE_CONFIDENCE["trousers"], 0.6, 0.05], "trousers") is None  # enough for an edit
    assert garment_verdict([0.1, 0.85, 0.05], "trousers") == "wears a skirt"
    assert garment_verdict([0.1, 0.05, 0.85], "trousers") == "wears shorts"  # shorts are no jeans2skirt source
    assert garment_verdict([0.3, 0.35, 0.35], "trousers") == "garment unclear"
    assert garment_verdict([0.9, 0.05, 0.05], "skirt") == "wears trousers"
    assert garment_verdict([0.45, SOURCE_CONFIDENCE["skirt"] - 0.01, 0.56 - SOURCE_CONFIDENCE["skirt"]], "skirt") == \
        "garment unclear"


def test_no_trouser_evidence_when_the_legs_are_cut_off():
    # an e-commerce crop at the knee: the hems are out of the photo, so no evidence is not evidence of a skirt
    assert trouser_evidence(points(0.7)) == pytest.approx(0.7) and trouser_evidence({}) == 0.0
    assert read_evidence(points(0.05), H) == pytest.approx(0.05)
    assert read_evidence(points(0.0, ankle=(10.0, 460.0, 0.9)), H) is None  # below the edge
    assert read_evidence(points(0.0, ankle=(10.0, 380.0, 0.4)), H) is None  # not seen
    assert read_evidence(points(0.0, ankle=(10.0, 395.0, 0.9)), H) is None  # at the edge
    assert read_evidence({"left_hip": (1.0, 1.0, 0.9)}, H) is None  # body keypoints only


def test_the_shipped_model_refuses_a_skirt_photo_asked_to_become_a_skirt_and_writes_nothing(tmp_path):
    from designgan.pipeline import AlreadyTargetError, DesignGANPipeline

    pipe = DesignGANPipeline.from_pretrained("jeans2skirt")
    with pytest.raises(AlreadyTargetError, match="already wears a skirt"):
        pipe(EXAMPLES / "ccp_1012.jpg", to="skirt")  # CCP 1012 wears a skirt
    # The same photo the other way is edited, and says so.
    out = pipe(EXAMPLES / "ccp_1012.jpg", to="jeans", keep_texture=False)
    assert (out.source_category, out.target_category) == ("skirt", "jeans")
    # The command line reports it for that photo and writes no file claiming an edit.
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "from designgan.cli import main; main()", "translate",
                           str(EXAMPLES / "ccp_1012.jpg"), str(EXAMPLES / "ccp_1045.jpg"), "--to", "skirt",
                           "-o", str(tmp_path / "out"), "--json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "already wears a skirt" in proc.stderr
    # --json: one object per photo on stdout (everything else goes to stderr).
    import json

    lines = {Path(r["input"]).name: r for r in map(json.loads, proc.stdout.splitlines())}
    refused, done = lines["ccp_1012.jpg"], lines["ccp_1045.jpg"]
    assert refused["output"] is None and refused["translated"] == 0 and refused["people"] >= 1
    assert refused["skipped"][0]["reason"] == "wears a skirt" and "already wears a skirt" in refused["error"]
    assert done["translated"] >= 1 and done["people"] >= done["translated"] and Path(done["output"]).is_file()
    assert [p.name for p in (tmp_path / "out").glob("*.png")] == [Path(done["output"]).name]
