import pytest
import torch

from designgan.landmarks.heatmaps import (
    decode_heatmaps,
    flip_heatmaps,
    from_heatmap_coords,
    render_gaussians,
    to_heatmap_coords,
)


def test_round_trip_is_sub_pixel():
    torch.manual_seed(0)
    pts = torch.rand(4, 5, 2) * torch.tensor([40.0, 60.0]) + 4  # inside a 48x68 map, away from the border
    maps = render_gaussians(pts, 68, 48, sigma=2.0)
    coords, conf = decode_heatmaps(maps, sigma=2.0)
    err = (coords - pts).norm(dim=-1)
    assert err.max() < 0.1, err.max()
    assert torch.allclose(conf, torch.ones_like(conf), atol=0.15)
    coarse, _ = decode_heatmaps(maps, refine=False)
    assert (coarse - pts).norm(dim=-1).mean() > 0.2  # argmax alone is not sub-pixel: refinement matters


def test_decoding_survives_flat_and_edge_maps():
    maps = torch.zeros(1, 2, 16, 12)
    maps[0, 1, 0, 0] = 1.0  # peak in a corner
    coords, conf = decode_heatmaps(maps)
    assert torch.isfinite(coords).all()
    assert conf[0, 0] == 0 and conf[0, 1] == 1
    assert coords[0, 1].tolist() == pytest.approx([0.0, 0.0], abs=1.0)


def test_coordinate_conversion_inverts():
    xy = torch.tensor([[3.25, 7.5]])
    assert torch.allclose(from_heatmap_coords(to_heatmap_coords(xy, 4), 4), xy)
    assert to_heatmap_coords(torch.tensor([0.5]), 2).item() == pytest.approx(0.0)  # centre of 2x2 input block


def test_flip_heatmaps_matches_flipped_points():
    w = 20
    pts = torch.tensor([[[3.0, 5.0], [12.0, 9.0], [7.0, 2.0]]])
    flip = [1, 0, 2]
    maps = render_gaussians(pts, 16, w, 1.5)
    mirrored_pts = pts.clone()
    mirrored_pts[..., 0] = w - 1 - pts[..., 0]
    predicted_on_mirror = render_gaussians(mirrored_pts[:, flip], 16, w, 1.5)
    assert torch.allclose(flip_heatmaps(predicted_on_mirror, flip), maps, atol=1e-6)
