"""The garment painter (issue 29): shapes, the erased region, training by repainting on a tiny synthetic pack
(the loss falls; an interrupted run resumes exactly), and the exported model running in the pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from designgan.errors import ConfigError
from designgan.landmarks.schema import BODY_NAMES, LANDMARK_NAMES
from designgan.losses.painter import perceptual_distance, region_l1
from designgan.models import create_model
from designgan.models.painter import (
    BASE_CHANNELS,
    PainterNet,
    edit_region,
    kept_top,
    low_pass,
    near_wrists,
    paint,
    tiled_swatch,
)
from designgan.models.perceptual import RandomVGG
from designgan.models.prior_style import CROTCH, HAND_RADIUS
from designgan.train.painter_config import PainterConfig, load_painter_config
from designgan.train.painter_data import PainterBatches
from designgan.train.painter_loop import conditions, train_painter
from tests.parts import tiny_parts

from .painter_fixtures import LABELS, SIZE, synthetic_frame, write_synthetic_pack


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic_pack(tmp_path_factory.mktemp("painter") / "pack.pt")


def tiny_config(pack: Path, out: Path, **train: object) -> PainterConfig:
    overrides = [f"data.pack={pack}", f"data.pack_size={SIZE}", "data.size=[48, 32]", "data.validation_photos=2",
                 "model.ngf=8", "model.n_blocks=1", "model.perceptual_widths=[8, 16]", "loss.gan=0.1",
                 "loss.ndf=8", f"train.out_dir={out}", "train.batch_size=2", "train.progress=false",
                 "train.log_every=1", "train.image_every=2", "train.checkpoint_every=2", "train.precision=fp32"]
    overrides += [f"train.{k}={v}" for k, v in train.items()]
    return load_painter_config(None, ["kind=painter", *overrides])


def test_batches_region_and_network_shapes(pack):
    torch.manual_seed(0)
    names = list(BODY_NAMES)
    data = PainterBatches(pack, (48, 32), names, torch.device("cpu"))
    batch = data.batch([0, 1, 2], torch.Generator().manual_seed(1))
    assert batch["image"].shape == (3, 3, 48, 32) and batch["heatmaps"].shape == (3, len(names), 48, 32)
    again = data.batch([0, 1, 2], torch.Generator().manual_seed(1))
    assert torch.equal(batch["image"], again["image"])  # a pure function of the seed: exact resume
    assert tiled_swatch(batch["image"], batch["garment"]).shape == (3, 3, 48, 32)
    cond = conditions(batch, names, 1, torch.Generator().manual_seed(2))
    # the region holds the whole garment and the next photo's (but for the bags in front), and leaves the corners
    region, free = cond["region"], 1 - batch["occluder"]
    assert (region >= batch["garment"]).all() and (region >= batch["garment"].roll(1, 0) * free).all()
    assert region[:, :, :4, :3].sum() == 0 and 0.1 < region.mean() < 0.9
    net = PainterNet(BASE_CHANNELS + len(names), ngf=8, n_blocks=1)
    assert cond["stack"].shape == (3, BASE_CHANNELS + len(names), 48, 32)
    out = paint(net, cond["stack"], cond["start"], batch["image"], cond["region"])
    assert out.shape == batch["image"].shape
    assert torch.equal(out * (1 - cond["region"]), batch["image"] * (1 - cond["region"]))  # the photo outside


def test_untrained_painter_paints_the_start_and_never_adds_its_own_detail():
    """The frequency split: at initialisation the output is (nearly) the start image; whatever the network
    outputs, the output's detail is the start image's detail times a gate in [0, 1]."""
    torch.manual_seed(0)
    net = PainterNet(BASE_CHANNELS + 2, ngf=8, n_blocks=1)
    start = torch.rand(2, 3, 48, 32) * 2 - 1
    stack = torch.randn(2, BASE_CHANNELS + 2, 48, 32)
    image, region = torch.zeros(2, 3, 48, 32), torch.ones(2, 1, 48, 32)
    with torch.no_grad():
        out = paint(net, stack, start, image, region)
        assert (out - start).abs().mean() < 0.1
        for p in net.parameters():
            p.add_(torch.randn_like(p))  # any network
        y = net(stack)
        out = paint(net, stack, start, image, region)
    assert y.shape == (2, 4, 48, 32) and y[:, :3].abs().max() <= 2
    detail = out - low_pass(start + y[:, :3])
    gate = torch.sigmoid(y[:, 3:4])
    inside = (out.abs() < 0.999).all(dim=1, keepdim=True).expand_as(out)  # clamping aside
    assert torch.allclose(detail[inside], (gate * (start - low_pass(start)))[inside], atol=1e-5)


def test_a_few_steps_lower_the_repainting_loss(pack):
    torch.manual_seed(0)
    names = list(BODY_NAMES)
    batch = PainterBatches(pack, (48, 32), names, torch.device("cpu")).batch([0, 1, 2, 3], augment=False)
    cond = conditions(batch, names, 0, None)
    net, vgg = PainterNet(BASE_CHANNELS + len(names), ngf=8, n_blocks=1), RandomVGG((8, 16))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)

    def loss() -> torch.Tensor:
        out = paint(net, cond["stack"], cond["start"], batch["image"], cond["region"])
        return region_l1(out, batch["image"], cond["region"]) + perceptual_distance(vgg, out, batch["image"])

    first = loss().item()
    for _ in range(25):
        opt.zero_grad()
        loss().backward()
        opt.step()
    assert loss().item() < 0.8 * first


def test_training_resumes_exactly_and_exports_a_translator(pack, jeans_photo, tmp_path):
    whole = train_painter(tiny_config(pack, tmp_path / "whole", steps=4))
    assert whole.step == 4 and any("val/psnr" in h for h in whole.history)
    assert (tmp_path / "whole" / "samples" / "step_00000004.png").is_file()
    cut = tmp_path / "cut"
    train_painter(tiny_config(pack, cut, steps=4, stop_after=2))
    resumed = train_painter(tiny_config(pack, cut, steps=4), resume=True)
    assert resumed.step == 4
    a = load_file(str(tmp_path / "whole" / "checkpoints" / "step_00000004" / "model.safetensors"))
    b = load_file(str(cut / "checkpoints" / "step_00000004" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)

    from designgan.painter_cli import export_painter
    from designgan.pipeline import DesignGANPipeline

    written = export_painter(tmp_path / "whole", tmp_path / "painter.safetensors", ("jeans", "skirt"),
                             ("trousers", "skirt"))
    # the other components: tiny untrained ones, with the photo's landmarks given (tests/conftest.py)
    pipe = DesignGANPipeline.from_pretrained(written, **tiny_parts(), precision="fp32", device="cpu")
    assert pipe.categories == ("jeans", "skirt")
    assert type(pipe.generators["G_AB"]).__name__ == "PainterTranslator"
    path, points, _ = jeans_photo
    photo = Image.open(path).convert("RGB")
    out = pipe(photo, to="skirt", landmarks=[points])
    assert out.image.size == photo.size
    changed = np.abs(np.asarray(out.image, np.int16) - np.asarray(photo, np.int16)).max(axis=2) > 0
    assert changed.any() and not (changed & ~out.edit_region).any()  # only the edit region changes

    from designgan.eval.reconstruction import repainter_for

    assert callable(repainter_for(str(written), ("jeans", "skirt")))  # self-reconstruction takes a painter


def test_translator_keeps_the_photo_outside_the_region():
    names = list(BODY_NAMES)
    model = create_model("painter", target_family="skirt", heatmap_names=names, attention_channels=1 + len(names),
                         ngf=8, n_blocks=1)
    image, labels, points = synthetic_frame(0)  # jeans
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 127.5 - 1
    from designgan.landmarks.heatmaps import render_gaussians

    index = [LANDMARK_NAMES.index(n) for n in names]
    xy = torch.from_numpy(points[index, :2])[None]
    heat = render_gaussians(xy, SIZE, SIZE, sigma=2.0) * torch.from_numpy(points[index, 2] > 0.3).float()[None, :,
                                                                                                          None, None]
    garment = torch.from_numpy(labels == LABELS.index("jeans")).float()[None, None]
    with torch.no_grad():
        out = model(x, torch.cat([garment, heat], dim=1), skin=torch.full((1, 3), float("nan")))
    drawn = torch.sigmoid(model.prior(x, torch.cat([garment, heat], dim=1)).mask_logits)
    region = edit_region(garment, drawn, torch.zeros_like(garment))
    assert out.image.shape == x.shape and out.mask_logits.shape == (1, 1, SIZE, SIZE)
    assert torch.equal(out.image * (1 - region), x * (1 - region))  # shoes, background: the photo's own
    assert region[0, 0, -2:].sum() == 0  # below the ankles nothing is repainted
    assert (torch.sigmoid(out.mask_logits) > 0.5).float().mean() > 0.05  # the prior drew a skirt


def test_config_errors_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"data\.size"):
        load_painter_config(None, ["data.size=[50, 32]"])
    with pytest.raises(ConfigError, match=r"loss\.gan"):
        load_painter_config(None, ["loss.gan=-1"])
    with pytest.raises(ConfigError, match=r"unknown config key 'model\.ndf'"):
        load_painter_config(None, ["model.ndf=3"])


def test_train_command_runs_and_resumes_a_painter_config(pack, tmp_path):
    from typer.testing import CliRunner

    from designgan.cli import app

    config = tmp_path / "painter.yaml"
    config.write_text(f"kind: painter\ndata:\n  pack: {pack}\n  pack_size: {SIZE}\n  size: [48, 32]\n"
                      "model:\n  ngf: 8\n  n_blocks: 1\n  perceptual_widths: [8]\n"
                      f"train:\n  out_dir: {tmp_path / 'run'}\n  steps: 3\n  stop_after: 2\n  batch_size: 2\n"
                      "  progress: false\n  precision: fp32\n")
    runner = CliRunner()
    first = runner.invoke(app, ["train", "--config", str(config)])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["train", "--config", str(config)])  # the folder holds a run: resume it or move
    assert again.exit_code != 0 and "--resume" in str(again.exception or again.output)
    resumed = runner.invoke(app, ["train", "--resume", str(tmp_path / "run"), "--set", "train.stop_after=null"])
    assert resumed.exit_code == 0, resumed.output
    assert (tmp_path / "run" / "checkpoints" / "step_00000003").is_dir()


def test_edit_region_is_the_old_garment_grown_and_the_new_layout_less_what_is_kept():
    h = w = 64
    source, layout, protect = (torch.zeros(1, 1, h, w) for _ in range(3))
    source[..., 10:30, 20:40] = 1  # the old garment
    layout[..., 25:60, 24:36] = 1  # the new one reaches further down
    protect[..., 12:16, 22:26] = 1  # a hand over the old garment
    region = edit_region(source, layout, protect)
    assert region[..., 15:30, 30].eq(1).all() and region[..., 50:60, 30].eq(1).all()
    grow = 2  # GROW_REGION h at 64 px
    assert region[..., 20, 40 - 1 + grow].item() == 1 and region[..., 20, 40 + grow + 1].item() == 0
    assert region[..., 12:16, 22:26].sum() == 0  # the hand stays photo pixels
    assert region[..., 62:, :].sum() == 0 and region[..., :, :10].sum() == 0  # shoes, background: never erased


def test_near_wrists_finds_only_the_hands_the_landmarks_saw():
    names = list(BODY_NAMES)
    h = w = 64
    from designgan.landmarks.heatmaps import render_gaussians

    xy = torch.zeros(1, len(names), 2)
    for n, point in {"left_hip": (36, 20), "right_hip": (28, 20), "left_knee": (36, 40), "right_knee": (28, 40),
                     "left_wrist": (50, 22)}.items():
        xy[0, names.index(n)] = torch.tensor(point, dtype=torch.float32)
    seen = torch.tensor([n in ("left_hip", "right_hip", "left_knee", "right_knee", "left_wrist") for n in names])
    heat = render_gaussians(xy, h, w, sigma=1.5) * seen.float()[None, :, None, None]
    hands = near_wrists(torch.ones(1, 1, h, w), heat, names)
    assert hands[0, 0, 22, 50] == 1 and hands[0, 0, 22, 14] == 0  # the right wrist was not seen
    assert 0 < hands.sum() <= 3.15 * (HAND_RADIUS * h + 1) ** 2


def test_training_region_keeps_bags_and_hands_and_does_not_hug_the_garment(pack):
    names = list(BODY_NAMES)
    data = PainterBatches(pack, (48, 32), names, torch.device("cpu"))
    with_bag = [i for i in range(len(data)) if data.batch([i], augment=False)["occluder"].sum() > 0]
    assert with_bag, "the synthetic pack draws bags"
    batch = data.batch([with_bag[0], 0, 1], augment=False)
    cond = conditions(batch, names, 0, None)
    region, garment = cond["region"], batch["garment"]
    assert (region * batch["occluder"]).sum() == 0  # the bag is kept
    assert (region >= torch.maximum(garment, garment.roll(1, 0)) * (1 - batch["occluder"])).all()
    assert (region * (1 - garment)).sum() > 0  # the region reaches where the garment is not
    g = torch.Generator().manual_seed(3)
    net = PainterNet(BASE_CHANNELS + len(names), ngf=8, n_blocks=1)
    out = paint(net, cond["stack"], cond["start"], batch["image"], region)
    assert torch.equal(out * batch["occluder"], batch["image"] * batch["occluder"])
    assert conditions(batch, names, 1, g)["region"].shape == region.shape


def test_kept_top_reaches_the_crotch_for_skirts_and_the_hip_line_for_trousers():
    names = list(BODY_NAMES)
    _, _, points = synthetic_frame(0)
    from designgan.landmarks.heatmaps import render_gaussians

    index = [LANDMARK_NAMES.index(n) for n in names]
    heat = render_gaussians(torch.from_numpy(points[index, :2])[None], SIZE, SIZE, sigma=2.0) * torch.from_numpy(
        points[index, 2] > 0.3).float()[None, :, None, None]
    garment = torch.ones(1, 1, SIZE, SIZE)
    skirt = kept_top(heat, names, garment, garment, CROTCH)
    trousers = kept_top(heat, names, garment, garment, 0.0)
    assert (skirt >= trousers).all() and skirt.sum() > trousers.sum() > 0
    both = kept_top(heat.expand(2, -1, -1, -1), names, garment.expand(2, -1, -1, -1), garment,
                    torch.tensor([CROTCH, 0.0]))
    assert torch.equal(both[0], skirt[0]) and torch.equal(both[1], trousers[0])


def test_translator_keeps_the_hands_over_the_new_garment():
    names = list(BODY_NAMES)
    model = create_model("painter", target_family="skirt", heatmap_names=names, attention_channels=1 + len(names),
                         ngf=8, n_blocks=1)
    image, labels, points = synthetic_frame(0)
    image = image.copy()
    index = [LANDMARK_NAMES.index(n) for n in names]
    wrist = points[LANDMARK_NAMES.index("left_wrist"), :2].round().astype(int)
    rows, cols = slice(wrist[1], wrist[1] + 3), slice(wrist[0] - 4, wrist[0] - 1)
    image[rows, cols] = (200, 150, 120)  # a hand at the jeans' side
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 127.5 - 1
    from designgan.landmarks.heatmaps import render_gaussians

    heat = render_gaussians(torch.from_numpy(points[index, :2])[None], SIZE, SIZE, sigma=2.0) * torch.from_numpy(
        points[index, 2] > 0.3).float()[None, :, None, None]
    garment = torch.from_numpy(labels == LABELS.index("jeans")).float()[None, None]
    attention = torch.cat([garment, heat], dim=1)
    hand = torch.zeros(1, 1, SIZE, SIZE)
    hand[..., rows, cols] = 1
    drawn = torch.sigmoid(model.prior(x, attention).mask_logits)
    assert (edit_region(garment, drawn, torch.zeros_like(garment)) * hand).sum() > 0  # else nothing to keep
    with torch.no_grad():
        out = model(x, attention, skin=torch.full((1, 3), float("nan")))
    assert torch.equal(out.image * hand, x * hand)
