"""Same results: the bundled example photos through the bundled models match a stored reference.

The reference (``fixtures/same_results.npz``) was written with ``python tests/pipeline/test_same_results.py
--write`` at commit af6b59b, before the pipeline was split into a package, so any refactor of the inference path
that changes an output fails here. It was rewritten (same command) once on purpose, when the source garment's mask
became the lower-garment segmenter's (``source_mask="segmenter"``, branch ``segmenter``): the source masks of the
four photos changed by -16% to +51% and every edit region grew; and again when the test-time texture refinement's
source reference became the fabric square at the garment's top centre instead of the box centre, which falls
between trouser legs (``pipeline.texture.source_texture_patch``); and again (2026-11-30) when the bundled models
became the second rendered prior (``prior_renderer``: soft shaded shapes, row-wise background fill, the photo's skin
colour, no test-time refinement after it; the pipeline runs frame models on a square frame and the segmenter on a
square one too), and once more the same day when the prior's box blurs became separable (float rounding only:
every case's 1/16 thumbnail identical, full-resolution hashes changed); and again (branch ``long-skirts``) when a
skirt source's mask became grown down to its hem (``landmarks.hem``): only the two skirt photos' cases changed
(source masks ccp_1005 13,241 -> 13,292 pixels, ccp_1012 20,974 -> 21,008), every jeans -> skirt case kept its
hash; and again (2026-12-06) when composition began to give the painted pixels the photo's grain
(``imaging.matched_grain``: every case's pixels changed by seeded noise, the masks did not) and, the same day, when
the skin legs took the measured lower-leg profile (``prior_style.LOWER_LEG``), and once more when the bundled
priors began to carry measured legs' shading (``models.leg_shading``; skirt cases only) and the hem's measured
shadow on the legs, and when the prior's fabric became spot noise instead of mirrored tiles (``prior.spot_noise``),
and when the grain's level began to be read from 16,384 of the painted pixels (seeded noise, well under a level),
and when the legs' colour became the face's times the measured ``prior_style.LEG_OVER_FACE``; and again (session 7)
when the prior began to draw the new garment behind the person's hands (``PriorRenderer._hands``), and again the
same session when the bundled priors began to carry the in-front segmenter (tops, bags and hands kept in front of
new skirts and shorts); and again (session 8) when composition began to take what the prior passed through from
the full-resolution photo, the in-front parts' edges snapped to the photo's (``compose.SNAP_EDGES``), and the new
garment's waist began to follow the old one's above the hip joints; and again (session 9) when the skin legs
began to go on past the ankle joint into the shoe (``prior_style.ANKLE_TO_SOLE``), and again the same session
when the lower-garment segmenter was retrained (``configs/segmenter_v2.yaml``) and the prior's fabric swatch began
to fall back to half-size squares (``PriorRenderer._swatch``), and once more when new trousers' thighs began to
stop at the waist (``prior_shapes.trousers``); and again (session 10) when the bundled priors began to carry the
in-front segmenter's third recipe (``configs/segmenter_in_front_v3.yaml``: footwear in front, trusted inside the
old garment's mask where connected to what it finds outside it); and again (session 11) when composition began to
show the band the prior repaints past the source mask whole (``PriorRenderer.repaints_past_mask``: margin 2 -> 4
model pixels; every edit region grew by 0.6-3.5%) and a skirt's hem began to be at least as wide as the legs under
it (``prior_shapes.legs_reach``; ccp_1045, crossed legs: the new skirt 16,224 -> 22,057 pixels, the knee that stuck
out beside it covered).
Per case it holds the SHA-256 of
the full-resolution result's pixels, the pixel counts of the source/target masks and edit region, and the result
downsampled to 1/16 (box filter).

Where the torch version and CPU model equal the reference machine's the hashes must match exactly; elsewhere
(other float kernels) the downsampled pixels must agree to within a few levels and the masks to within 1%.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from designgan.showcase import example_fabric

FIXTURE = Path(__file__).parent / "fixtures" / "same_results.npz"
# what each bundled example wears (assets/examples/README.md): skirts become the other domain, the rest a skirt
WORN = {"ccp_1005": "skirt", "ccp_1012": "skirt", "ccp_1045": "jeans", "ccp_1065": "jeans"}
THUMB = 16  # downsampling factor of the stored pixels
# the bundled models the reference holds; trousers2shorts (issue 30), bundled later, has tests of its own
MODELS = ("jeans2skirt", "pants2skirt")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def compute() -> dict[str, dict]:
    """Every case: {name: {"sha256", "source", "target", "edit", "thumb"}}."""
    from designgan.pipeline import DesignGANPipeline

    examples = Path(__file__).resolve().parents[2] / "src" / "designgan" / "assets" / "examples"
    photos = sorted(examples.glob("*.jpg"))
    images = [Image.open(p).convert("RGB") for p in photos]
    cases: dict[str, dict] = {}
    for k, model in enumerate(MODELS):
        pipe = DesignGANPipeline.from_pretrained(model, precision="fp32", device="cpu")
        a, b = pipe.categories
        variants: list[tuple[str, dict]] = [("keep", {}), ("raw", {"keep_texture": False})]
        if k == 0:
            variants.append(("tartan", {"texture": example_fabric()}))
        for photo, image in zip(photos, images, strict=True):
            to = a if WORN[photo.stem] == "skirt" else b
            for variant, kwargs in variants:
                out = pipe(image, to=to, **kwargs)
                arr = np.asarray(out.image)
                h, w = arr.shape[:2]
                thumb = np.asarray(out.image.resize((w // THUMB, h // THUMB), Image.BOX))
                cases[f"{model}/{photo.stem}/{variant}"] = {
                    "sha256": hashlib.sha256(arr.tobytes()).hexdigest(),
                    "source": int(out.source_mask.sum()), "target": int(out.target_mask.sum()),
                    "edit": int(out.edit_region.sum()), "thumb": thumb}
    return cases


def _write() -> None:
    cases = compute()
    meta = {"torch": torch.__version__, "cpu": _cpu_model(),
            "cases": {k: {m: v for m, v in c.items() if m != "thumb"} for k, c in cases.items()}}
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(FIXTURE, meta=np.array(json.dumps(meta)), **{k: c["thumb"] for k, c in cases.items()})
    print(f"wrote {FIXTURE}: {len(cases)} cases")


def test_shipped_bundled_examples_give_the_stored_results() -> None:
    from designgan.pipeline import bundled_models

    if not bundled_models():
        pytest.fail("no bundled translator found: packaging lost the weight files")
    torch.set_num_threads(1)
    stored = np.load(FIXTURE)
    meta = json.loads(str(stored["meta"]))
    same_machine = meta["torch"] == torch.__version__ and meta["cpu"] == _cpu_model()
    cases = compute()
    assert sorted(cases) == sorted(meta["cases"]), "the set of bundled models or example photos changed"
    for name, got in cases.items():
        want = meta["cases"][name]
        if same_machine:
            assert got["sha256"] == want["sha256"], f"{name}: output pixels changed"
        for key in ("source", "target", "edit"):
            assert abs(got[key] - want[key]) <= 0.01 * max(want[key], 100), f"{name}: {key} mask changed"
        diff = np.abs(got["thumb"].astype(np.int16) - stored[name].astype(np.int16))
        assert diff.max() <= 6 and diff.mean() <= 0.5, f"{name}: output differs (max {diff.max()}, mean " \
                                                        f"{diff.mean():.2f} levels)"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        torch.set_num_threads(1)
        _write()
