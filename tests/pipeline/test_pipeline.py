"""DesignGANPipeline on real CCP photos with a real (untrained) translator: loading, composition, odd inputs."""

from __future__ import annotations

import io
import itertools
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from designgan.errors import ConfigError, DataError, DesignGANError
from designgan.io import load_image
from designgan.landmarks.model import create_landmark_model
from designgan.landmarks.predict import LandmarkPredictor
from designgan.losses.style import garment_patches
from designgan.pipeline import (
    DesignGANPipeline,
    NoPersonError,
    crop_box,
    fabric_patch,
    garment_family,
    garment_polygon,
    garment_region,
    source_texture_patch,
    tile_texture,
)

from .conftest import tiny_parts, tiny_translator_config, write_run


@pytest.fixture(scope="module")
def pipe(run_dir):
    """The untrained translator with untrained parts (a garment classifier that always answers trousers)."""
    return DesignGANPipeline.from_pretrained(run_dir, **tiny_parts())


def scaled(points: dict, sx: float, sy: float, dx: float = 0.0, dy: float = 0.0) -> dict:
    return {k: ((x + 0.5) * sx - 0.5 + dx, (y + 0.5) * sy - 0.5 + dy, c) for k, (x, y, c) in points.items()}


def assert_only_edit_region_changed(out, source: Image.Image, require_outside: bool = True) -> None:
    before, after = np.asarray(source), np.asarray(out.image)
    assert after.shape == before.shape and after.dtype == np.uint8
    outside = ~out.edit_region
    assert out.edit_region.any() and (outside.any() or not require_outside)
    assert np.array_equal(before[outside], after[outside])  # bit-identical outside the feathered region
    assert (before[out.edit_region] != after[out.edit_region]).any()


def test_loads_run_folder_and_translates_at_full_resolution(pipe, jeans_photo):
    path, points, _ = jeans_photo
    photo = load_image(path)
    out = pipe(photo, to="skirt", landmarks=[points])
    assert pipe.categories == ("jeans", "skirt")
    assert out.source_category == "jeans" and out.target_category == "skirt"
    assert out.image.size == photo.size and out.source_mask.shape == (photo.height, photo.width)
    assert_only_edit_region_changed(out, photo)
    # The source garment outline comes from the garment landmarks and lies inside the edit region.
    assert out.source_mask.any() and out.edit_region[out.source_mask].all()
    assert len(out.people) == 1 and out.people[0].source_polygon is not None
    assert set(out.timings) == {"decode", "landmarks", "prepare", "generator", "compose"}
    meta = out.metadata()
    assert meta["AI-Edit"] == "true" and meta["DesignGAN-Edit"] == "trousers -> skirt"


def test_other_direction_and_unknown_category(pipe, jeans_photo):
    path, points, _ = jeans_photo
    assert pipe.direction("jeans") == ("G_BA", "skirt", "jeans")
    with pytest.raises(DesignGANError, match=r"between 'jeans' and 'skirt'.*'dress'"):
        pipe(path, to="dress", landmarks=[points])


def test_group_domain_answers_to_its_members(run_dir, jeans_photo):
    """A run trained on a grouped domain (data build --a jeans,pants) translates to 'pants' or 'jeans+pants'."""
    path, points, _ = jeans_photo
    pipe = DesignGANPipeline.from_pretrained(run_dir, domains=("jeans+pants", "skirt"), **tiny_parts())
    assert pipe.direction("pants") == ("G_BA", "skirt", "jeans+pants")
    assert pipe.direction("jeans+pants")[0] == "G_BA" and pipe.direction("skirt")[0] == "G_AB"
    assert garment_family("jeans+pants") == "trousers"
    with pytest.raises(DesignGANError, match="mixes garment outlines"):
        garment_family("jeans+skirt")
    out = pipe(path, to="skirt", landmarks=[points])
    assert out.image.size == Image.open(path).size


def test_large_photo_other_aspect_and_exif(pipe, jeans_photo, tmp_path):
    path, points, _ = jeans_photo
    photo = load_image(path)
    big = photo.resize((photo.width * 3, photo.height * 3), Image.BICUBIC)
    out = pipe(big, to="skirt", landmarks=[scaled(points, 3, 3)])
    assert out.image.size == big.size
    assert_only_edit_region_changed(out, big)
    # A wide canvas: the person crop keeps the model's aspect and the rest of the photo is untouched.
    wide = Image.new("RGB", (photo.width * 3, photo.height), (20, 120, 40))
    wide.paste(photo, (photo.width, 0))
    out = pipe(wide, to="skirt", landmarks=[scaled(points, 1, 1, dx=photo.width)])
    assert_only_edit_region_changed(out, wide)
    assert not out.edit_region[:, :photo.width // 2].any()
    # EXIF orientation 6 (rotate 90 CW to view): stored sideways, loaded upright, same result as the upright file.
    upright_file, rotated_file = tmp_path / "up.png", tmp_path / "rot.jpg"
    photo.save(upright_file)
    exif = Image.Exif()
    exif[0x0112] = 6
    photo.transpose(Image.Transpose.ROTATE_90).save(rotated_file, exif=exif, quality=100)
    out = pipe(rotated_file, to="skirt", landmarks=[points])
    assert out.image.size == photo.size
    assert_only_edit_region_changed(out, load_image(rotated_file))


@pytest.mark.parametrize("mode", ["RGBA", "L", "I;16", "CMYK", "P"])
def test_any_pixel_mode(pipe, jeans_photo, tmp_path, mode):
    path, points, _ = jeans_photo
    photo = load_image(path)
    if mode == "I;16":
        converted = Image.fromarray(np.asarray(photo.convert("L")).astype(np.uint16) * 257)
        assert converted.mode == "I;16"
    else:
        converted = photo.convert(mode)
    file = tmp_path / f"photo_{mode.replace(';', '')}.{'jpg' if mode == 'CMYK' else 'png'}"
    converted.save(file)
    out = pipe(file, to="skirt", landmarks=[points])
    assert out.image.mode == "RGB" and out.image.size == photo.size
    assert_only_edit_region_changed(out, load_image(file))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(w=st.integers(24, 400), h=st.integers(24, 400), mode=st.sampled_from(["RGB", "RGBA", "L", "LA"]))
def test_property_sizes_and_modes(pipe, w, h, mode):
    """Any size and mode: the result has the input's size, and only the edit region differs. (Noise wears no
    trousers: the garment classifier here is an untrained one that always answers trousers.)"""
    rng = np.random.default_rng(w * 1000 + h)
    photo = Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).convert(mode)
    points = {"left_hip": (0.6 * w, 0.45 * h, 0.9), "right_hip": (0.4 * w, 0.45 * h, 0.9),
              "left_knee": (0.6 * w, 0.65 * h, 0.9), "right_knee": (0.4 * w, 0.65 * h, 0.9),
              "left_ankle": (0.6 * w, 0.85 * h, 0.9), "right_ankle": (0.4 * w, 0.85 * h, 0.9)}
    out = pipe(photo, to="skirt", landmarks=[points])
    assert out.image.size == (w, h)
    rgb = np.asarray(out.source)
    assert np.array_equal(rgb[~out.edit_region], np.asarray(out.image)[~out.edit_region])


def test_no_person_is_a_clear_error(pipe, jeans_photo):
    path, _, mask = jeans_photo
    # A real landmark network, untrained: its heatmaps are flat, so it finds nobody.
    untrained = LandmarkPredictor(create_landmark_model(input_height=64, input_width=64), sigma=2.0,
                                  flip_test=False)
    pipe_nl = pipe.replace(landmarks=untrained)
    with pytest.raises(NoPersonError, match="no person found"):
        pipe_nl(path, to="skirt")
    results = pipe_nl.translate_batch([path, path], to="skirt", return_errors=True)
    assert all(isinstance(r, NoPersonError) for r in results)
    # A given garment mask is still edited, without landmark attention, with a warning.
    out = pipe_nl(path, to="skirt", garment_masks=[mask])
    assert out.warnings and "no person found" in out.warnings[0]
    assert np.array_equal(out.source_mask, mask)
    # The untrained mask head may claim the whole photo, so the region outside can be empty here.
    assert_only_edit_region_changed(out, load_image(path), require_outside=False)


def test_unreadable_inputs_fail_per_photo(pipe, jeans_photo, tmp_path):
    path, points, _ = jeans_photo
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image at all")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(path.read_bytes()[:300])
    results = pipe.translate_batch([bad, path, truncated], to="skirt", landmarks=[None, points, None],
                                   return_errors=True)
    assert isinstance(results[0], DataError) and str(results[0]).startswith(str(bad))
    assert isinstance(results[2], DataError) and str(results[2]).startswith(str(truncated))
    assert results[1].image.size == load_image(path).size
    with pytest.raises(DataError, match=r"bad\.jpg"):
        pipe(bad, to="skirt", landmarks=[points])


def test_all_people(pipe, jeans_photo):
    path, points, _ = jeans_photo
    photo = load_image(path)
    two = Image.new("RGB", (photo.width * 2, photo.height))
    two.paste(photo, (0, 0))
    small = photo.resize((photo.width // 2, photo.height // 2))
    two.paste(small, (photo.width, photo.height // 2))
    people = [points, scaled(points, 0.5, 0.5, dx=photo.width, dy=photo.height // 2)]
    one = pipe(two, to="skirt", landmarks=[people], people=1)  # --person 1: the larger person only
    assert len(one.people) == 1 and one.people[0].box[0] < photo.width
    assert one.people_found == 2 and [s["person"] for s in one.skipped] == [2] and one.skipped[0]["box"] is not None
    assert one.skipped[0]["reason"] == "not --person 1"
    x0, y0, x1, y1 = one.skipped[0]["box"]
    assert x0 >= photo.width - 5 and y0 >= photo.height // 2 - 5  # the small person, bottom right
    overlay = np.asarray(one.landmark_overlay())
    assert tuple(overlay[(y0 + y1) // 2, x1]) == (170, 170, 170)  # outlined in grey: found, left alone
    # the default (issue 27): everyone in the source garment, whatever their height rank; "all" is the same
    for both in (pipe(two, to="skirt", landmarks=[people]), pipe(two, to="skirt", landmarks=[people], people="all")):
        assert len(both.people) == 2 and both.skipped == []
        assert both.edit_region[:, photo.width:].any() and not one.edit_region[:, photo.width + 5:].any()
        assert_only_edit_region_changed(both, two)
    second = pipe(two, to="skirt", landmarks=[people], people=2)  # --person 2
    assert [p.person.number for p in second.people] == [2] and second.skipped[0]["person"] == 1
    assert not second.edit_region[:, :photo.width - 5].any()
    with pytest.raises(NoPersonError, match="only 2 people"):
        pipe(two, to="skirt", landmarks=[people], people=3)


def test_save_pretrained_round_trip(pipeline_dir, jeans_photo, tmp_path):
    """A saved pipeline reloads on its own (every component from its folder) and gives the same result; saved again,
    its weights files are identical."""
    path, points, _ = jeans_photo
    index = json.loads((pipeline_dir / "pipeline.json").read_text())
    assert index["format"] == "designgan-pipeline" and set(index["components"]) == {
        "translator", "landmarks", "masker", "detector", "garment_classifier"}
    assert all((pipeline_dir / part["path"]).is_file() for part in index["components"].values() if "path" in part)
    pipe = DesignGANPipeline.from_pretrained(pipeline_dir, precision="fp32")  # fp32: saved in fp16, as it was
    assert pipe.spec.name == str(pipeline_dir) and pipe.categories == ("jeans", "skirt")
    crops = np.random.default_rng(0).integers(0, 255, (3, 160, 100, 3), dtype=np.uint8)
    assert pipe.garment_classifier.probabilities(crops).argmax(1).tolist() == [0, 0, 0]  # its own: always trousers
    assert not pipe.landmarks.flip_test and pipe.detector == "windows" and pipe.source_mask == "segmenter"
    again = DesignGANPipeline.from_pretrained(pipe.save_pretrained(tmp_path / "again"), precision="fp32")
    for file in pipeline_dir.rglob("*.safetensors"):
        assert file.read_bytes() == (tmp_path / "again" / file.relative_to(pipeline_dir)).read_bytes(), file
    a, b = (p(path, to="skirt", landmarks=[points]) for p in (pipe, again))
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image)) and np.array_equal(a.source_mask, b.source_mask)
    # the translator alone, as a bundled model's file
    alone = pipe.save_pretrained(tmp_path / "alone.safetensors")
    assert json.loads(alone.with_suffix(".json").read_text())["format"] == "designgan-translator"
    assert DesignGANPipeline.from_pretrained(alone, **tiny_parts()).categories == ("jeans", "skirt")


def test_a_saved_pipeline_folder_with_a_bad_index_is_refused(pipeline_dir, tmp_path):
    import shutil

    broken = shutil.copytree(pipeline_dir, tmp_path / "broken")
    index = json.loads((broken / "pipeline.json").read_text())
    index["components"]["masker"]["kind"] = "designgan-hat"
    (broken / "pipeline.json").write_text(json.dumps(index))
    with pytest.raises(DataError, match=r"pipeline\.json: components\.masker\.kind is 'designgan-hat'"):
        DesignGANPipeline.from_pretrained(broken)
    index["components"]["masker"]["kind"] = "designgan-garment-segmenter"
    (broken / "pipeline.json").write_text(json.dumps(index))
    (broken / "landmarks" / "landmarks.safetensors").unlink()
    with pytest.raises(DataError, match="saved pipeline's landmarks weights are missing"):
        DesignGANPipeline.from_pretrained(broken)


def test_bad_model_folders(tmp_path, run_dir):
    with pytest.raises(DesignGANError, match=r"no bundled model named 'hat2scarf' \(bundled models: "):
        DesignGANPipeline.from_pretrained("hat2scarf")
    with pytest.raises(DesignGANError, match="bundled models: none shipped yet"):  # a checkout that ships none
        DesignGANPipeline.from_pretrained("jeans2skirt", weights_dir=tmp_path / "none")
    with pytest.raises(DataError, match="neither a training run"):
        DesignGANPipeline.from_pretrained(tmp_path)
    (tmp_path / "translator.safetensors").write_bytes(b"\x00" * 64)
    (tmp_path / "translator.json").write_text('{"format": "designgan-translator", "domains": ["a", "b"], '
                                              '"config": {}}')
    with pytest.raises(DataError, match="unreadable weights"):
        DesignGANPipeline.from_pretrained(tmp_path)
    pickled = tmp_path / "model.pt"
    pickled.write_bytes(b"\x80\x04")
    with pytest.raises(DataError, match=r"unexpected model file type '\.pt'"):
        DesignGANPipeline.from_pretrained(pickled)


def test_shape_mismatch_is_refused(tmp_path, mini_dataset, run_dir):
    other = tmp_path / "run"
    write_run(other, tiny_translator_config(mini_dataset, ngf=4))
    (other / "checkpoints").rename(other / "own")
    (run_dir / "checkpoints").resolve()
    import shutil

    shutil.copytree(run_dir / "checkpoints", other / "checkpoints")
    with pytest.raises(DataError, match="do not fit the configured model"):
        DesignGANPipeline.from_pretrained(other)


def test_texture_conditioned_generator(mini_dataset, jeans_photo, tmp_path):
    path, points, _ = jeans_photo
    run = write_run(tmp_path / "tex", tiny_translator_config(mini_dataset, texture_channels=3))
    pipe = DesignGANPipeline.from_pretrained(run, **tiny_parts())
    assert pipe.texture_channels == 3
    stripes = np.zeros((64, 64, 3), dtype=np.uint8)
    stripes[::8] = (200, 30, 30)
    fabric = Image.fromarray(stripes)
    red = pipe(path, to="skirt", texture=fabric, landmarks=[points])
    plain = pipe(path, to="skirt", texture=Image.new("RGB", (64, 64), (30, 30, 200)), landmarks=[points])
    assert not np.array_equal(np.asarray(red.image), np.asarray(plain.image))
    # no fabric: the generator is conditioned on the source garment's own fabric (keep the texture)
    own = pipe(path, to="skirt", landmarks=[points])
    assert own.image.size == red.image.size
    assert not np.array_equal(np.asarray(own.image), np.asarray(red.image))


def test_texture_refinement_moves_garment_towards_fabric(pipe, jeans_photo):
    path, points, _ = jeans_photo
    fabric = Image.new("RGB", (80, 80), (220, 40, 40))
    base = pipe(path, to="skirt", landmarks=[points], keep_texture=False)
    refined = pipe(path, to="skirt", texture=fabric, landmarks=[points], refine_steps=15, refine_lr=0.1)
    import torch

    def distance(out) -> float:
        image = torch.from_numpy(np.asarray(out.image).copy()).permute(2, 0, 1)[None].float() / 127.5 - 1
        mask = torch.from_numpy(out.target_mask)[None, None].float()
        patch, _ = garment_patches(image, mask, (16, 12))
        return float((patch - fabric_patch(fabric, (16, 12))).abs().mean())

    assert distance(refined) < distance(base) - 0.05
    assert_only_edit_region_changed(refined, load_image(path))


def test_keep_texture_moves_new_garment_towards_the_source_garment(pipe, jeans_photo):
    """Without a fabric the new garment is refined towards the person's own garment (the style loss at test time)."""
    import torch

    path, points, mask = jeans_photo
    source = load_image(path)
    src = torch.from_numpy(np.asarray(source).copy()).permute(2, 0, 1).float() / 127.5 - 1
    reference = source_texture_patch(src, torch.from_numpy(mask)[None].float(), (16, 12))
    assert reference is not None and reference.shape == (1, 3, 16, 12)
    assert source_texture_patch(src, torch.zeros(1, *mask.shape), (16, 12)) is None  # no garment: nothing to keep

    def distance(out) -> float:
        image = torch.from_numpy(np.asarray(out.image).copy()).permute(2, 0, 1)[None].float() / 127.5 - 1
        target = torch.from_numpy(out.target_mask)[None, None].float()
        patch, _ = garment_patches(image, target, (16, 12))
        return float((patch.mean(dim=(2, 3)) - reference.mean(dim=(2, 3))).abs().mean())  # colour statistics

    raw = pipe(path, to="skirt", landmarks=[points], keep_texture=False)
    kept = pipe(path, to="skirt", landmarks=[points], refine_steps=15, refine_lr=0.1)
    assert distance(kept) < distance(raw)
    assert not np.array_equal(np.asarray(kept.image), np.asarray(raw.image))
    assert_only_edit_region_changed(kept, source)


def test_geometry_helpers():
    body = {"left_hip": (60.0, 100.0, 0.9), "right_hip": (40.0, 100.0, 0.9), "left_knee": (60.0, 150.0, 0.9),
            "right_knee": (40.0, 150.0, 0.9), "left_ankle": (60.0, 200.0, 0.9), "right_ankle": (40.0, 200.0, 0.9)}
    body["left_shoulder"], body["right_shoulder"] = (62.0, 20.0, 0.9), (38.0, 20.0, 0.9)
    assert garment_polygon(body, "jeans") is None  # no garment landmarks: the body keypoints are used
    trousers, outline = garment_region(body, "jeans", (100, 220))
    skirt, _ = garment_region(body, "skirt", (100, 220))
    shorts, _ = garment_region(body, "shorts", (100, 220))
    assert outline is None and trousers[90, 50] and not trousers[60, 50]  # from just above the hips
    assert trousers[190, 40] and trousers[190, 60] and not trousers[190, 50]  # two legs down to the ankles
    assert skirt[120, 50] and not skirt[190, 50]  # a skirt ends near the knees
    assert shorts[115, 40] and not shorts[150, 40]  # shorts end mid-thigh
    assert garment_region({"left_hip": (1, 1, 0.1)}, "skirt", (10, 10)) == (None, None)
    square = {"left_waistline": (60.0, 90.0, 1), "right_waistline": (40.0, 90.0, 1), "left_hem": (65.0, 150.0, 1),
              "right_hem": (35.0, 150.0, 1)}
    mask, outline = garment_region(square, "skirt", (100, 220))
    assert outline is not None and len(outline) == 4 and mask[120, 50] and not mask[160, 50]
    with pytest.raises(DesignGANError, match="no garment outline"):
        garment_polygon(body, "hat")
    x0, y0, x1, y1 = crop_box((10, 10, 50, 200), (400, 400), (300, 200))
    assert abs((x1 - x0) / (y1 - y0) - 2 / 3) < 0.02
    tex = tile_texture(Image.new("RGB", (30, 50), (255, 0, 0)), (48, 32))
    assert tex.shape == (3, 48, 32) and float(tex[0].min()) == 1.0 and float(tex[1].max()) == -1.0


def test_side_by_side_and_overlay(pipe, jeans_photo):
    path, points, _ = jeans_photo
    out = pipe(path, to="skirt", landmarks=[points])
    sheet = out.side_by_side(overlay=True)
    assert sheet.size == (out.image.width * 2, out.image.height)
    assert out.explain(height=103).height == 103
    overlay = np.asarray(out.landmark_overlay())
    assert not np.array_equal(overlay, np.asarray(out.source))
    buf = io.BytesIO()
    sheet.save(buf, format="PNG")
    assert buf.tell() > 0


def test_separable_alpha_matches_the_translator_composition():
    import torch

    from designgan.models import edit_alpha
    from designgan.pipeline import separable_edit_alpha

    g = torch.Generator().manual_seed(0)
    src = (torch.rand(2, 1, 37, 23, generator=g) > 0.93).float()
    tgt = torch.rand(2, 1, 37, 23, generator=g) * 0.6
    for dilate, feather in ((1, 1), (3, 2), (6, 9)):
        ref = edit_alpha(src, tgt, dilate=dilate, feather=feather)
        ours = separable_edit_alpha(src, tgt, dilate=dilate, feather=feather)
        assert torch.allclose(ours, ref, atol=1e-6) and torch.equal(ours > 0, ref > 0)


def test_people_in_wide_photos_are_searched_in_strips_and_merged():
    from designgan.pipeline import Person, merge_people, strip_offsets

    assert strip_offsets(550, 825) == []  # a portrait photo is read whole
    offsets = strip_offsets(1000, 400)
    strip = round(0.7 * 400)
    assert offsets[0] == 0 and offsets[-1] == 1000 - strip
    assert all(0 < b - a <= strip for a, b in itertools.pairwise(offsets))

    def person(cx: float, conf: float, found: bool = True) -> Person:
        pts = {"left_shoulder": (cx + 20, 100, 0.9), "right_shoulder": (cx - 20, 100, 0.9),
               "left_hip": (cx + 15, 200, 0.9), "right_hip": (cx - 15, 200, 0.9)}
        return Person(pts, found, conf)

    a, a2, b = person(200, 0.8), person(210, 0.9), person(700, 0.7)
    merged = merge_people([a, b, a2, person(450, 0.95, found=False)])
    assert merged == [a2, b]  # the two readings of person A merge into the more confident one
    chimera = person(450, 0.99)
    assert merge_people([a, b, chimera], only_near=[a, b]) == [a, b]
    nobody = person(100, 0.1, found=False)
    assert merge_people([nobody]) == [nobody]


def test_windowed_resampling_matches_full_upsampling():
    import torch
    import torch.nn.functional as F

    from designgan.pipeline import _resample

    t = torch.rand(3, 12, 8)
    box = (-5, 10, 35, 70)  # a crop 40x60 that starts left of the photo
    for mode in ("bicubic", "bilinear"):
        full = F.interpolate(t[None], size=(60, 40), mode=mode, align_corners=False)[0]
        window = (3, 20, 30, 61)
        part = _resample(t, box, window, mode)
        ref = full[:, 20 - 10:61 - 10, 3 + 5:30 + 5]
        assert part.shape == ref.shape and torch.allclose(part, ref, atol=1e-4)


def test_crop_box_is_not_clamped_to_the_photo():
    """The documented behaviour (issue 13: the old comment promised a clamp the code never did): the crop keeps
    the person centred at the model's aspect, and may extend past the photo, which crop_padded fills."""
    box = crop_box((50, 0, 500, 825), (550, 825), (132, 88))
    assert box == (-44, -66, 594, 891)
    assert (box[3] - box[1]) * 88 == pytest.approx((box[2] - box[0]) * 132, rel=0.01)


def test_translator_config_reads_only_what_inference_needs(run_dir):
    from designgan.config import read_yaml
    from designgan.pipeline import TranslatorConfig, run_config

    training = read_yaml(run_dir / "config.yaml")
    config = run_config(run_dir)
    assert config == TranslatorConfig.from_training_dict(training)
    assert config.size == tuple(training["data"]["size"]) and config.model.ngf == training["model"]["ngf"]
    saved = config.to_training_dict()
    assert set(saved) == {"data", "model", "loss"} and "root" not in saved["data"] and "lr" not in str(saved)
    assert TranslatorConfig.from_training_dict(saved) == config
    with pytest.raises(ConfigError, match=r"model\.ngf"):
        TranslatorConfig.from_training_dict({**training, "model": {**training["model"], "ngf": 0}})


def test_source_texture_comes_from_fabric_not_from_between_the_legs():
    """Trousers: the box centre is background between the legs; the reference must be the fabric only."""
    import torch

    image = torch.full((3, 120, 80), 0.9)  # light background
    garment = torch.zeros(1, 120, 80)
    garment[:, 10:110, 15:65] = 1
    garment[:, 45:110, 35:45] = 0  # the gap between the legs, below the crotch
    image[:, garment[0] > 0.5] = torch.tensor([-0.8, -0.6, 0.3])[:, None]  # denim
    reference = source_texture_patch(image, garment, (48, 32))
    assert reference is not None and reference.shape == (1, 3, 48, 32)
    assert torch.allclose(reference, torch.tensor([-0.8, -0.6, 0.3])[None, :, None, None].expand(1, 3, 48, 32),
                          atol=1e-4)


def test_only_models_that_paint_the_prior_way_reconstruct(run_dir):
    """Self-reconstruction (eval.reconstruction) takes the rendered prior or a painter, not a GAN translator."""
    from designgan.eval.reconstruction import repainter_for

    with pytest.raises(DataError, match="cannot repaint"):
        repainter_for(str(run_dir), ("jeans", "skirt"))


def test_the_shipped_prior_reconstructs():
    from designgan.eval.reconstruction import repainter_for

    assert callable(repainter_for("jeans2skirt", ("jeans", "skirt")))  # the bundled prior


def test_the_shipped_parts_saved_as_a_pipeline_reload_on_their_own_with_the_same_result(tmp_path):
    """from_bundled names the five bundled parts explicitly; saved with save_pretrained, the folder reloads on its
    own, each weights file byte-identical to the shipped one, and translates a bundled example the same."""
    from designgan.pipeline import WEIGHTS_DIR
    from designgan.showcase import example_photos

    photo = load_image(next(p for p in example_photos() if p.stem == "ccp_1045"))  # jeans
    bundled = DesignGANPipeline.from_bundled(to="skirt", precision="fp32", device="cpu")
    named = DesignGANPipeline.from_pretrained("jeans2skirt", precision="fp32", device="cpu")
    saved = DesignGANPipeline.from_pretrained(bundled.save_pretrained(tmp_path / "whole"), precision="fp32",
                                              device="cpu")
    for part, shipped in (("landmarks/landmarks", "landmarks"), ("masker/segmenter", "segmenter"),
                          ("garment_classifier/garment_judge", "garment_judge")):
        assert (tmp_path / "whole" / f"{part}.safetensors").read_bytes() == \
            (WEIGHTS_DIR / f"{shipped}.safetensors").read_bytes(), part
    a, b, c = (p(photo, to="skirt") for p in (bundled, named, saved))
    assert a.model == b.model == "jeans2skirt" and c.model == str(tmp_path / "whole")
    assert np.array_equal(np.asarray(a.image), np.asarray(b.image))
    assert np.array_equal(np.asarray(a.image), np.asarray(c.image)) and np.array_equal(a.source_mask, c.source_mask)
