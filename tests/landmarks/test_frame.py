"""The lower-body garment frame: where the body lands, fallbacks and refusals, and resampling there and back."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from designgan.landmarks.frame import FrameSpec, apply, invert, leg_axis, lower_body_frame, warp

SPEC = FrameSpec(size=(152, 80))


def body(hip=(300.0, 400.0), ankle=(300.0, 760.0), half_width=40.0, conf=0.9) -> dict[str, tuple]:
    hx, hy = hip
    ax, ay = ankle
    return {"left_hip": (hx + half_width, hy, conf), "right_hip": (hx - half_width, hy, conf),
            "left_knee": ((hx + ax) / 2 + half_width, (hy + ay) / 2, conf),
            "right_knee": ((hx + ax) / 2 - half_width, (hy + ay) / 2, conf),
            "left_ankle": (ax + half_width, ay, conf), "right_ankle": (ax - half_width, ay, conf)}


def test_hips_and_ankles_land_where_the_spec_says():
    matrix, reason = lower_body_frame(body(), SPEC)
    assert matrix is not None and reason == ""
    h, w = SPEC.size
    hip, ankle = apply(matrix, np.array([[300.0, 400.0], [300.0, 760.0]]))
    assert hip == pytest.approx([(w - 1) / 2, SPEC.hip_y * h])
    assert ankle == pytest.approx([(w - 1) / 2, SPEC.ankle_y * h])


def test_a_tilted_body_is_turned_upright_and_scale_does_not_matter():
    angle = math.radians(20)
    length = 180.0
    hip = (500.0, 300.0)
    ankle = (hip[0] - length * math.sin(angle), hip[1] + length * math.cos(angle))
    matrix, _ = lower_body_frame(body(hip, ankle, half_width=10), SPEC)
    mapped = apply(matrix, np.array([hip, ankle]))
    assert mapped[0][0] == pytest.approx(mapped[1][0])  # straight below
    assert mapped[1][1] - mapped[0][1] == pytest.approx((SPEC.ankle_y - SPEC.hip_y) * SPEC.size[0])


def test_cut_at_the_knee_uses_the_knees_and_refusals_say_why():
    points = body()
    del points["left_ankle"], points["right_ankle"]
    matrix, _ = lower_body_frame(points, SPEC)
    ankle = apply(matrix, np.array([[300.0, 760.0]]))[0]  # knees at the middle: ankles placed twice as far
    assert ankle[1] == pytest.approx(SPEC.ankle_y * SPEC.size[0])
    no_hips = {k: v for k, v in body().items() if "hip" not in k}
    assert lower_body_frame(no_hips, SPEC) == (None, "hips not found")
    low = body(conf=0.1)
    assert lower_body_frame(low, SPEC)[0] is None
    lying = body(hip=(100.0, 400.0), ankle=(460.0, 420.0))
    matrix, reason = lower_body_frame(lying, SPEC)
    assert matrix is None and "tilted" in reason


def test_always_frames_every_pose_the_refusing_spec_refuses():
    # Clamp instead of refusal, hips at any confidence, legs from the torso: what the garment judge needs.
    always = FrameSpec(size=(160, 100), max_tilt_deg=25.0, always=True, leg_per_torso=(1.1, 2.4))
    lying = body(hip=(100.0, 400.0), ankle=(460.0, 420.0)) | {"left_shoulder": (-200.0, 380.0, 0.9),
                                                              "right_shoulder": (-200.0, 420.0, 0.9)}
    assert lower_body_frame(lying, SPEC)[0] is None
    hip, ankle = leg_axis(lying, always)
    assert math.degrees(math.atan2(-(ankle - hip)[0], (ankle - hip)[1])) == pytest.approx(-25.0)
    no_legs = {k: v for k, v in lying.items() if "hip" in k or "shoulder" in k}
    assert lower_body_frame(no_legs, SPEC) == (None, "neither ankles nor knees found")
    hip, ankle = leg_axis(no_legs, always)  # 1.5 torso lengths (300 px) along the torso's direction, clamped
    assert np.hypot(*(ankle - hip)) == pytest.approx(450.0)
    weak_hips = body(conf=0.9) | {"left_hip": (340.0, 400.0, 0.05)}
    assert lower_body_frame(weak_hips, SPEC) == (None, "hips not found")
    assert lower_body_frame(weak_hips, always)[0] is not None


def test_a_widened_spec_is_the_same_frame_with_more_around_it():
    wide = SPEC.widened(1.25)
    assert wide.size == (190, 100)
    small, _ = lower_body_frame(body(), SPEC)
    big, _ = lower_body_frame(body(), wide)
    assert big[:, :2] == pytest.approx(small[:, :2])  # same scale and rotation
    assert big[:, 2] - small[:, 2] == pytest.approx([10.0, 19.0])  # shifted by half the added columns and rows


def test_warp_into_the_frame_and_back_recovers_the_photo():
    torch.manual_seed(0)
    # A smooth photo (a blurred random field), so bilinear resampling there and back is nearly lossless.
    photo = torch.nn.functional.interpolate(torch.rand(1, 3, 40, 30), size=(800, 600), mode="bilinear",
                                            align_corners=False)
    matrix, _ = lower_body_frame(body(), FrameSpec(size=(304, 160)))
    frame = warp(photo, matrix, (304, 160))
    back = warp(frame, invert(matrix), (800, 600))
    # Compare inside the frame's footprint, away from its border.
    inside = warp(torch.ones(1, 1, 304, 160), invert(matrix), (800, 600), padding_mode="zeros") > 0.999
    inner = torch.nn.functional.max_pool2d((~inside).float(), 9, stride=1, padding=4) == 0
    assert inner.sum() > 10000
    assert (back - photo).abs()[inner.expand_as(photo)].mean() < 0.01


def test_downsampling_warp_prefilters_thin_stripes():
    stripes = torch.zeros(1, 1, 800, 600)
    stripes[..., ::2] = 1.0  # one-pixel stripes: their average is 0.5
    matrix, _ = lower_body_frame(body(), SPEC)  # scales down ~4.7x
    frame = warp(stripes, matrix, SPEC.size)
    assert frame.mean() == pytest.approx(0.5, abs=0.05) and frame.std() < 0.1
