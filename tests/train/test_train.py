import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from designgan.errors import ConfigError, DataError
from designgan.train.checkpoint import latest_checkpoint, model_state
from designgan.train.config import load_train_config
from designgan.train.dataset import StepSampler, build_dataset
from designgan.train.loop import lr_factor, run_progress, train
from designgan.train.pool import ImagePool

from .conftest import tiny_config


def test_config_rejects_unknown_keys_and_bad_landmarks(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("loss:\n  styel: 1.0\n")
    with pytest.raises(ConfigError, match=r"loss\.styel"):
        load_train_config(path)
    with pytest.raises(ConfigError, match="unknown landmark 'left_tail'"):
        load_train_config(None, ["data.heatmap_names=[left_tail]"])


@pytest.mark.parametrize("name", ["jeans2skirt_ccp", "pants2skirt_ccp", "cpu_small", "cyclegan", "no_style",
                                  "no_skin"])
def test_shipped_configs_load(name):
    config = load_train_config(Path(__file__).resolve().parents[2] / "configs" / f"{name}.yaml")
    assert config.train.steps > 0
    if name == "cyclegan":
        assert config.attention_channels == 0 and config.loss.style == 0 and config.loss.skin == 0
    if name == "no_style":
        assert config.loss.style == 0 and config.loss.skin > 0
    if name == "no_skin":
        assert config.loss.skin == 0 and config.loss.style > 0


def test_lr_schedule_constant_then_linear():
    assert lr_factor(0.0, 0.5) == lr_factor(0.49, 0.5) == 1.0
    assert lr_factor(0.75, 0.5) == pytest.approx(0.5)
    assert lr_factor(1.0, 0.5) == 0.0 and lr_factor(1.2, 0.5) == 0.0
    assert lr_factor(0.9, 1.0) == 1.0  # decay_start 1: constant


def test_run_progress_follows_the_time_budget_when_it_is_further_along():
    assert run_progress(50, 100, 0.0, None) == 0.5
    assert run_progress(10, 100, 30.0, 1.0) == pytest.approx(0.5)  # half the minute spent, a tenth of the steps
    assert run_progress(90, 100, 6.0, 1.0) == pytest.approx(0.9)  # steps further along: they count


def test_step_sampler_is_a_pure_function_of_step_and_splits_ranks():
    full = StepSampler(5, 3, batch_size=2, steps=10, seed=1)
    resumed = StepSampler(5, 3, batch_size=2, steps=10, start=6, seed=1)
    assert list(full)[6:] == list(resumed)
    r0 = StepSampler(5, 3, batch_size=1, steps=4, seed=1, rank=0, world_size=2)
    r1 = StepSampler(5, 3, batch_size=1, steps=4, seed=1, rank=1, world_size=2)
    assert [b[0][2] for b in r0] != [b[0][2] for b in r1]  # different samples / augmentations per rank
    # Each epoch visits every image of the larger domain once.
    epoch = [ia for batch in StepSampler(5, 3, batch_size=5, steps=1, seed=3) for ia, _, _ in batch]
    assert sorted(epoch) == [0, 1, 2, 3, 4]


def test_image_pool_fills_then_swaps_reproducibly():
    def run():
        pool = ImagePool(size=2, seed=7)
        outs = [pool.query(torch.full((1, 1, 1, 1), float(i)), None)[0].item() for i in range(12)]
        return outs, pool
    outs, pool = run()
    assert outs[:2] == [0.0, 1.0]  # filling: returns the new image
    assert any(o != i for i, o in enumerate(outs))  # later: sometimes an older one
    assert outs == run()[0]
    clone = ImagePool(size=2, seed=0)
    clone.load_state_dict(pool.state_dict())
    assert clone.query(torch.ones(1, 1, 1, 1) * 99, None)[0].item() == pool.query(torch.ones(1, 1, 1, 1) * 99,
                                                                                  None)[0].item()


def test_dataset_renders_heatmaps_where_the_landmarks_are(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path)
    config.data.flip = False
    config.data.scale = (1.0, 1.0)
    dataset = build_dataset(config.data)
    sample = dataset[(0, 0, 5)]
    a = sample["a"]
    assert a["image"].shape == (3, 48, 32) and a["image"].min() >= -1 and a["image"].max() <= 1
    assert a["garment"].shape == (1, 48, 32) and a["garment"].sum() > 0
    assert a["heatmaps"].shape == (6, 48, 32) and a["heatmaps"].amax() == pytest.approx(1.0, abs=0.05)
    # Hips sit at the top of the garment: the hip heatmaps peak inside the garment's top rows.
    ys = torch.nonzero(a["garment"][0])[:, 0]
    hip_y = a["heatmaps"][0].amax(dim=1).argmax()
    assert ys.min() - 3 <= hip_y <= ys.min() + 0.3 * (ys.max() - ys.min())
    # Deterministic per seed.
    assert torch.equal(dataset[(0, 0, 5)]["a"]["image"], a["image"])


def test_dataset_errors_name_the_file(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path)
    config.data.landmarks_file = tmp_path / "missing.jsonl"
    with pytest.raises(DataError, match=r"missing\.jsonl"):
        build_dataset(config.data)


def test_training_runs_logs_and_checkpoints(train_data, tmp_path):
    result = train(tiny_config(train_data, tmp_path / "run", steps=3, checkpoint_every=2))
    assert result.step == 3
    assert {"loss/gan", "loss/cycle", "loss/identity", "loss/style", "loss/skin", "loss/d_a", "loss/d_b"} <= set(
        result.history[-1])
    assert all(math.isfinite(v) for h in result.history for v in h.values())
    run = tmp_path / "run"
    assert (run / "config.yaml").is_file() and (run / "samples" / "step_00000002.png").is_file()
    assert any((run / "tb").iterdir())
    ckpt = latest_checkpoint(run)
    assert ckpt.name == "step_00000003"
    weights = load_file(str(ckpt / "model.safetensors"))
    assert any(k.startswith("G.G_AB.") for k in weights) and any(k.startswith("D.D_B.") for k in weights)


def test_resume_continues_exactly(train_data, tmp_path):
    straight = train(tiny_config(train_data, tmp_path / "a", steps=4))
    train(tiny_config(train_data, tmp_path / "b", steps=4, stop_after=2))
    resumed = train(tiny_config(train_data, tmp_path / "b", steps=4), resume=True)
    assert resumed.step == 4
    s1 = model_state({"G": straight.generators, "D": straight.discriminators})
    s2 = model_state({"G": resumed.generators, "D": resumed.discriminators})
    assert s1.keys() == s2.keys()
    assert all(torch.equal(s1[k], s2[k]) for k in s1)
    assert straight.history[-1]["loss/g_total"] == resumed.history[-1]["loss/g_total"]


def test_resume_without_checkpoint_is_a_clear_error(train_data, tmp_path):
    with pytest.raises(DataError, match="no checkpoint"):
        train(tiny_config(train_data, tmp_path / "empty"), resume=True)


def test_a_fresh_run_never_overwrites_an_existing_one(train_data, tmp_path):
    train(tiny_config(train_data, tmp_path / "run", steps=1))
    with pytest.raises(DataError, match="--resume"):
        train(tiny_config(train_data, tmp_path / "run", steps=1))


def test_cyclegan_baseline_runs_on_the_same_loop(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path / "cg", steps=1)
    config.model.generator, config.model.discriminator = "cyclegan_resnet", "patchgan"
    config.loss.style = config.loss.skin = 0.0
    result = train(config)
    assert "style" not in str(result.history[-1]) and result.history[-1]["loss/cycle"] > 0


def test_instagan_baseline_runs_on_the_same_loop_with_its_context_loss(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path / "ig", steps=1)
    config.model.generator, config.model.discriminator = "instagan_generator", "instagan_discriminator"
    config.data.landmarks = "none"
    config.loss.style = config.loss.skin = 0.0
    config.loss.context, config.loss.compose = 10.0, False
    result = train(config.validate())
    last = result.history[-1]
    assert last["loss/context"] > 0 and last["loss/cycle"] > 0 and "loss/style" not in last
    assert type(result.generators.G_AB).__name__ == "InstaGANGenerator"


@pytest.mark.slow
def test_two_process_ddp_ends_with_identical_weights(train_data, tmp_path):
    worker = Path(__file__).with_name("ddp_worker.py")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(worker),
           str(train_data), str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0 = load_file(str(tmp_path / "rank0.safetensors"))
    r1 = load_file(str(tmp_path / "rank1.safetensors"))
    assert all(torch.equal(r0[k], r1[k]) for k in r0)
    # And training moved them: the rank-0 checkpoint differs from a fresh init with the same seed.
    torch.manual_seed(0)
    from designgan.train.cycle import Generators
    fresh = model_state({"G": Generators(tiny_config(train_data, tmp_path))})
    assert any(not torch.equal(fresh[k], r0[k]) for k in fresh)


def test_training_without_landmarks_uses_the_mask_alone(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path / "nolm", steps=1)
    config.data.landmarks = "none"
    config.loss.gram = 0.5
    assert config.attention_channels == 1
    sample = build_dataset(config.data)[(0, 0, 1)]["a"]
    assert sample["heatmaps"].shape[0] == 0
    result = train(config)
    assert result.generators.G_AB.attention_channels == 1 and math.isfinite(result.history[-1]["loss/g_total"])
    assert result.history[-1]["loss/gram"] >= 0


def test_texture_conditioned_training(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path / "tex", steps=2)
    config.model.texture_channels = 3
    config.loss.texture_prob = 1.0
    result = train(config)
    assert result.generators.G_AB.texture_channels == 3
    assert all(math.isfinite(result.history[-1][k]) for k in ("loss/style", "loss/cycle", "loss/g_total"))


def test_garment_attention_drawn_from_landmarks_like_the_pipeline(train_data, tmp_path):
    config = tiny_config(train_data, tmp_path / "lm", steps=1)
    config.data.garment_attention = "landmarks"
    config.data.flip = False
    dataset = build_dataset(config.data)
    config_mask = tiny_config(train_data, tmp_path / "m")
    config_mask.data.flip = False
    drawn = dataset[(0, 0, 3)]["a"]["garment"]
    gt = build_dataset(config_mask.data)[(0, 0, 3)]["a"]["garment"]
    assert drawn.shape == gt.shape and drawn.sum() > 0 and not torch.equal(drawn, gt)
    # The drawn region covers most of the real garment (the cache's hips/knees/ankles sit on it).
    assert (drawn * gt).sum() / gt.sum() > 0.5
    assert math.isfinite(train(config).history[-1]["loss/g_total"])
    with pytest.raises(ConfigError, match="garment_attention"):
        load_train_config(None, ["data.garment_attention=landmarks", "data.landmarks=none"])


def test_ctrl_c_finishes_the_step_checkpoints_and_resume_continues(train_data, tmp_path):
    import os
    import signal
    import threading
    import time

    run = tmp_path / "run"
    config = tiny_config(train_data, run, steps=500, checkpoint_every=1, log_every=100, image_every=1000)

    def interrupt_once_running() -> None:
        deadline = time.time() + 60
        while not (run / "checkpoints" / "latest").exists() and time.time() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN under nohup / a background job
    thread = threading.Thread(target=interrupt_once_running)
    thread.start()
    result = train(config)
    thread.join()
    assert 1 <= result.step < 500
    assert latest_checkpoint(run).name == f"step_{result.step:08d}"
    assert signal.getsignal(signal.SIGINT) is before  # the caller's handler restored
    resumed = train(tiny_config(train_data, run, steps=result.step + 1), resume=True)
    assert resumed.step == result.step + 1
