"""The GPU training path, run on the CPU: packed data, on-device augmentation, DiffAugment, time budgets,
continuing from exported weights, and the rehearsal of scripts/train_on_device.sh (so the GPU run cannot fail on a
typo or a missing file)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from designgan.errors import ConfigError, DataError
from designgan.hardware import resolve_precision
from designgan.models.augment import diff_augment, parse_policy
from designgan.train.checkpoint import export_discriminators, latest_checkpoint
from designgan.train.dataset import build_dataset
from designgan.train.loop import train
from designgan.train.pack import PackedBatches, pack_dataset, read_pack

from .conftest import tiny_config
from .painter_fixtures import write_synthetic_pack

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pack_file(train_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = tiny_config(train_data, Path("unused")).data
    out = tmp_path_factory.mktemp("packs") / "jeans_skirt.pt"
    summary = pack_dataset(config, out, progress=False)
    assert summary["a"] > 0 and summary["b"] > 0
    return out


def test_pack_holds_what_the_folder_loader_reads(train_data, pack_file, tmp_path):
    config = tiny_config(train_data, tmp_path / "run")
    pack = read_pack(pack_file)
    folder = build_dataset(config.data)
    assert pack["domains"]["a"]["keys"] == [r.key for r in folder.domain_a.base.records]
    assert pack["size"] == [round(s * config.data.preload_scale) for s in config.data.size]
    # Same photo, same masks: the packed copy decodes to (nearly) the folder loader's preloaded copy.
    config.data.pack = pack_file
    packed = PackedBatches(config.data, torch.device("cpu"))
    cached = folder.domain_a.cache[0]
    reference = cached["image"].as_subclass(torch.Tensor).float()
    assert (packed.domain_a.images[0].float() - reference).abs().mean() < 6  # JPEG at quality 85
    assert torch.equal(packed.domain_a.masks[0], cached["masks"].as_subclass(torch.Tensor))


def test_packed_batches_crop_masks_and_landmarks_together(train_data, pack_file, tmp_path):
    config = tiny_config(train_data, tmp_path / "run")
    config.data.pack = pack_file
    config.data.scale = (1.0, 1.0)  # full frame: only the aspect jitter and the mirror remain
    packed = PackedBatches(config.data, torch.device("cpu"))
    items = [(i % len(packed.domain_a), i % len(packed.domain_b), 1000 + 7 * i) for i in range(4)]
    a, b = packed.batch(items, torch.contiguous_format)
    h, w = config.data.size
    assert a.image.shape == (4, 3, h, w) and a.heatmaps.shape == (4, 6, h, w) and b.garment.shape == (4, 1, h, w)
    assert a.image.min() >= -1 and a.image.max() <= 1 and set(a.garment.unique().tolist()) <= {0.0, 1.0}
    # A pure function of the seeds: the same items give the same batch (exact resume).
    again, _ = packed.batch(items, torch.contiguous_format)
    assert torch.equal(a.image, again.image) and torch.equal(a.heatmaps, again.heatmaps)
    # Each hip heatmap peaks on the garment (the fake landmarks put the hips at the garment's top).
    for i in range(4):
        for channel in (0, 1):
            heat = a.heatmaps[i, channel]
            if heat.max() > 0.5:
                y, x = divmod(int(heat.argmax()), w)
                near = a.garment[i, 0, max(0, y - 3): y + 4, max(0, x - 3): x + 4]
                assert near.any(), (i, channel, y, x)


def test_packed_mirror_swaps_left_and_right(train_data, pack_file, tmp_path):
    config = tiny_config(train_data, tmp_path / "run")
    config.data.pack, config.data.scale = pack_file, (1.0, 1.0)
    packed = PackedBatches(config.data, torch.device("cpu"))
    seeds = range(40)
    flips = [bool(packed._draw([s], (10, 10))[0, 4]) for s in seeds]
    assert any(flips) and not all(flips)
    seed_plain, seed_flip = flips.index(False), flips.index(True)
    plain = packed._side(packed.domain_a, [0], [seed_plain], torch.contiguous_format)
    mirrored = packed._side(packed.domain_a, [0], [seed_flip], torch.contiguous_format)
    # In the mirrored sample the *left* hip (channel 0) sits where the *right* hip (1) of the plain one is mirrored.
    w = config.data.size[1]
    x_left_mirrored = int(mirrored.heatmaps[0, 0].amax(dim=0).argmax())
    x_right_plain = int(plain.heatmaps[0, 1].amax(dim=0).argmax())
    assert abs(x_left_mirrored - (w - 1 - x_right_plain)) <= 2


def test_pack_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_pack(tmp_path / "missing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a pack")
    with pytest.raises(DataError, match=r"bad\.pt"):
        read_pack(bad)


def test_diff_augment_moves_attention_with_the_image_and_keeps_gradients():
    torch.manual_seed(0)
    image = torch.zeros(2, 3, 32, 24, requires_grad=True)
    attention = torch.zeros(2, 2, 32, 24)
    attention[:, :, 10:14, 8:12] = 1
    img = image.detach().clone()
    img[:, :, 10:14, 8:12] = 1
    img.requires_grad_(True)
    out, att = diff_augment(img, attention, parse_policy("translation"))
    # The bright square and its attention moved together.
    assert torch.equal((out[:, 0] > 0.5), (att[:, 0] > 0.5))
    out.sum().backward()
    assert img.grad is not None and img.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="blur"):
        parse_policy("color,blur")


def test_training_from_a_pack_with_a_time_budget_and_diffaug(train_data, pack_file, tmp_path):
    config = tiny_config(train_data, tmp_path / "run", steps=1000, max_minutes=0.02, checkpoint_every=1000)
    config.data.pack = pack_file
    config.loss.diffaug = "color,translation,cutout"
    result = train(config.validate())
    assert 0 < result.step < 1000  # the budget (1.2 s of training), not the step count, ended it
    checkpoint = latest_checkpoint(result.run_dir)
    assert checkpoint is not None and checkpoint.name == f"step_{result.step:08d}"
    state = torch.load(checkpoint / "state.pt", weights_only=True)
    assert state["trained_seconds"] >= 1.2
    assert (result.run_dir / "dataset.json").is_file() and (result.run_dir / "run.json").is_file()
    # Continue from it: exported discriminators beside the generators are picked up by train.init_from.
    d_file = export_discriminators(result.run_dir, tmp_path / "model.discriminators.safetensors")
    flat = load_file(str(checkpoint / "model.safetensors"))
    g_file = tmp_path / "model.safetensors"
    from safetensors.torch import save_file

    save_file({k[2:]: v.half() for k, v in flat.items() if k.startswith("G.")}, str(g_file))
    assert set(load_file(str(d_file))) == {k[2:] for k in flat if k.startswith("D.")}
    follow = tiny_config(train_data, tmp_path / "follow", steps=1, init_from=g_file)
    follow.data.pack = pack_file
    assert train(follow.validate()).step == 1
    start = load_file(str(latest_checkpoint(tmp_path / "follow") / "model.safetensors"))
    # One Adam step moves each weight by at most ~lr: the run started from the given weights, not from scratch.
    delta = (start["D.D_A.scales.0.stem.0.0.weight"] - flat["D.D_A.scales.0.stem.0.0.weight"]).abs().max()
    assert delta < 5 * config.optim.lr


def test_precision_auto_follows_the_hardware(monkeypatch, tmp_path, train_data):
    monkeypatch.setenv("DESIGNGAN_CPU_BF16", "0")
    assert resolve_precision("auto", torch.device("cpu")) == "fp32"
    monkeypatch.setenv("DESIGNGAN_CPU_BF16", "1")
    assert resolve_precision("auto", torch.device("cpu")) == "bf16"
    assert resolve_precision("fp32", torch.device("cpu")) == "fp32"
    with pytest.raises(ConfigError, match="precision"):
        resolve_precision("fp8", torch.device("cpu"))
    config = tiny_config(train_data, tmp_path / "run")
    config.train.max_minutes = -1.0
    with pytest.raises(ConfigError, match=r"train\.max_minutes"):
        config.validate()


def test_device_script_rehearsal_writes_what_the_gpu_run_writes(tmp_path):
    """DESIGNGAN_REHEARSAL=1 runs scripts/train_on_device.sh's whole path on the CPU: preflight, bench, the
    painter run, export; the files must be what a GPU run brings back, within the transfer limits."""
    packs = tmp_path / "packs"
    packs.mkdir()
    write_synthetic_pack(packs / "painter_ccp.pt")  # the default run trains the garment painter (issue 29)
    # A checkout as the GPU machine gets it: no data/ folder (only the packs travel), nothing installed.
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copytree(REPO / "scripts", checkout / "scripts")
    shutil.copytree(REPO / "configs", checkout / "configs")
    (checkout / "src").symlink_to(REPO / "src")
    out = tmp_path / "out"
    env = {**os.environ, "DESIGNGAN_REHEARSAL": "1", "OUT": str(out), "PACK_DIR": str(packs),
           "PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(checkout / "scripts" / "train_on_device.sh")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(["results.tar.gz", "jeans2skirt_painter.safetensors", "pants2skirt_painter.safetensors",
                            "painter.checkpoint.safetensors"])
    assert len(files) <= 8 and all((out / f).stat().st_size <= 16 * 2**20 for f in files)
    import tarfile

    with tarfile.open(out / "results.tar.gz") as tar:
        names = set(tar.getnames())
    assert {"./jeans2skirt_painter.json", "./device.log", "./painter.log", "./painter.log.jsonl"} <= names
    # The exported painter loads as a translator (the sidecar comes from the tarball).
    with tarfile.open(out / "results.tar.gz") as tar:
        tar.extract("./jeans2skirt_painter.json", out, filter="data")
    from designgan.pipeline import DesignGANPipeline

    pipe = DesignGANPipeline.from_pretrained(out / "jeans2skirt_painter.safetensors", precision="fp32")
    assert pipe.categories == ("jeans", "skirt")
    assert type(pipe.generators["G_AB"]).__name__ == "PainterTranslator"


def test_frame_pack_puts_the_garment_in_the_upright_frame(train_data, tmp_path, pack_file):
    config = tiny_config(train_data, tmp_path / "run")
    config.data.frame, config.data.size = "lower", (48, 24)
    config.data.pack = tmp_path / "frame.pt"
    summary = pack_dataset(config.data, config.data.pack, progress=False)
    assert summary["frame"] == "lower" and summary["a"] + len(summary["skipped"]) > 0
    packed = PackedBatches(config.validate().data, torch.device("cpu"))
    # The fake landmarks put the hips at the garment's top: in the frame the garment starts near hip_y.
    from designgan.landmarks.frame import FrameSpec

    masks = packed.domain_a.masks[:, 0].float()
    rows = masks.amax(dim=2)  # (N, H): which rows hold garment
    first = rows.argmax(dim=1).float() / masks.shape[1]
    assert (first - FrameSpec().hip_y).abs().max() < 0.15
    # A whole-photo pack is refused for frame training, and the other way round.
    config.data.pack = pack_file
    with pytest.raises(DataError, match="frame"):
        PackedBatches(config.data, torch.device("cpu"))
    config.data.pack = None
    with pytest.raises(ConfigError, match=r"data\.frame"):
        config.validate()


def test_a_frame_model_translates_through_the_pipeline_and_leaves_the_rest(train_data, tmp_path):
    """Inference of a garment-frame model: the photo goes into the frame by the person's landmarks, the output
    comes back into the photo, and every pixel outside the edit region keeps its bytes."""
    import numpy as np
    from PIL import Image

    from designgan.pipeline import DesignGANPipeline

    config = tiny_config(train_data, tmp_path / "run", steps=1, checkpoint_every=1)
    config.data.frame, config.data.size, config.data.pack = "lower", (48, 24), tmp_path / "frame.pt"
    pack_dataset(config.data, config.data.pack, progress=False)
    train(config.validate())
    pipe = DesignGANPipeline.from_pretrained(tmp_path / "run", precision="fp32")
    photo = Image.new("RGB", (300, 450), (90, 120, 150))
    points = {"left_hip": (170.0, 200.0, 0.9), "right_hip": (130.0, 200.0, 0.9),
              "left_knee": (172.0, 300.0, 0.9), "right_knee": (128.0, 300.0, 0.9),
              "left_ankle": (175.0, 400.0, 0.9), "right_ankle": (125.0, 400.0, 0.9),
              "left_shoulder": (180.0, 80.0, 0.9), "right_shoulder": (120.0, 80.0, 0.9)}
    mask = np.zeros((450, 300), dtype=bool)
    mask[200:400, 120:180] = True
    out = pipe(photo, to="skirt", landmarks=[points], garment_masks=[mask], keep_texture=False)
    edit = out.people[0]
    assert edit.frame is not None
    # The frame's footprint covers waist to ankles of this person.
    x0, y0, x1, y1 = edit.box
    assert y0 < 200 < 400 < y1 and x0 < 125 and x1 > 175
    unchanged = np.asarray(out.image)[out.alpha == 0]
    assert (out.alpha > 0).any() and np.array_equal(unchanged, np.asarray(photo)[out.alpha == 0])
