"""A photo whose person already wears the target garment family is reported as such and not edited (the
AI-edit metadata must never state an edit that did not happen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from designgan.landmarks.regions import SKIRT_BELOW, TROUSERS_ABOVE, already_wears, trouser_evidence

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "designgan" / "assets" / "examples"


H = 400  # photo height; the ankles below stand at y = 380


def points(evidence: float, ankle: tuple[float, float, float] = (10.0, 380.0, 0.9)
           ) -> dict[str, tuple[float, float, float]]:
    return {**{n: (10.0, 10.0, evidence) for n in ("left_inner_hem", "right_inner_hem", "crotch")},
            "left_ankle": ankle, "right_ankle": ankle}


def test_the_evidence_decides_only_where_it_is_clear():
    assert trouser_evidence(points(0.7)) == pytest.approx(0.7) and trouser_evidence({}) == 0.0
    assert already_wears(points(SKIRT_BELOW / 2), "jeans", "skirt", H) == "skirt"
    assert already_wears(points(0.3), "jeans", "skirt", H) is None  # unclear: edited as asked
    assert already_wears(points(TROUSERS_ABOVE + 0.2), "skirt", "pants", H) == "trousers"
    assert already_wears(points(0.3), "skirt", "jeans", H) is None
    assert already_wears(points(0.0), "jeans", "shorts", H) is None  # only trousers <-> skirts are decided
    assert already_wears({"left_hip": (1.0, 1.0, 0.9)}, "jeans", "skirt", H) is None  # body keypoints only


def test_no_verdict_when_the_legs_are_cut_off():
    # an e-commerce crop at the knee: the hems are out of the photo, so no evidence is not evidence of a skirt
    assert already_wears(points(0.0, ankle=(10.0, 460.0, 0.9)), "jeans", "skirt", H) is None  # below the edge
    assert already_wears(points(0.0, ankle=(10.0, 380.0, 0.4)), "jeans", "skirt", H) is None  # not seen
    assert already_wears(points(0.0, ankle=(10.0, 395.0, 0.9)), "jeans", "skirt", H) is None  # at the edge
    assert already_wears(points(0.0, ankle=(10.0, 380.0, 0.9)), "jeans", "skirt", H) == "skirt"
    assert already_wears(points(0.0, ankle=(10.0, 380.0, 0.9)), "jeans", "skirt", 300) is None


def test_a_skirt_photo_asked_to_become_a_skirt_is_refused_and_nothing_is_written(tmp_path):
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
    assert refused["skipped"][0]["reason"] == "already wears skirt" and "already wears a skirt" in refused["error"]
    assert done["translated"] >= 1 and done["people"] >= done["translated"] and Path(done["output"]).is_file()
    assert [p.name for p in (tmp_path / "out").glob("*.png")] == [Path(done["output"]).name]
