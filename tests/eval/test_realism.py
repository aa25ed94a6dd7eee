"""The realism encoder (the second feature space of KID): embeddings, NT-Xent, training on the committed CCP slice
(resume, export, load), kid_realism in the evaluation summary, and the missing-weights message."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from designgan.errors import DataError, DesignGANError
from designgan.eval.realism import (
    INPUT_SIZE,
    RealismConfig,
    RealismEncoder,
    RealismNet,
    load_weights,
    photo_tensor,
)
from designgan.eval.realism_train import (
    RealismTrainConfig,
    make_views,
    nt_xent,
    realism_split,
    train_realism,
)

# tiny and fast: 5 training photos and 7 held out (ids divisible by 2) of the committed slice; 2 steps an epoch
TINY = {"widths": (8, 8, 16, 16), "projection_dim": 8, "batch_size": 2, "epochs": 3, "warmup_steps": 1,
        "heldout_modulo": 2, "checkpoint_minutes": 0.0}


def _photos(n: int) -> list[Image.Image]:
    rng = np.random.default_rng(0)
    sizes = [(550, 825), (300, 400), (100, 120)]
    return [Image.fromarray(rng.integers(0, 256, (sizes[i % 3][1], sizes[i % 3][0], 3), dtype=np.uint8))
            for i in range(n)]


def test_encoder_embeds_photos_of_any_size_to_unit_vectors():
    torch.manual_seed(0)
    encoder = RealismEncoder(RealismNet(RealismConfig()))
    photos = _photos(5)
    assert photo_tensor(photos).shape == (5, 3, *INPUT_SIZE) and photo_tensor(photos).dtype == torch.uint8
    emb = encoder.embed(photos)
    assert emb.shape == (5, 256) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(emb[0], emb[1])  # different photos, different embeddings
    np.testing.assert_allclose(encoder.embed(photos[:2]), emb[:2], atol=1e-5)  # no batch dependence (GroupNorm)
    assert encoder.embed([]).shape == (0, 256)


def test_nt_xent_is_low_for_matching_twins_and_chance_for_noise():
    n, d = 8, 16
    base = torch.eye(d)[:n]  # orthogonal photos, each view identical to its twin
    loss, hits = nt_xent(torch.cat([base, base]), temperature=0.1)
    assert loss.item() < 1e-3 and hits.mean().item() == 1.0
    z = torch.nn.functional.normalize(torch.randn(2 * n, d, generator=torch.Generator().manual_seed(0)), dim=1)
    noise, _ = nt_xent(z, temperature=1e6)  # all similarities equal: log(2n - 1)
    assert noise.item() == pytest.approx(math.log(2 * n - 1), rel=1e-4)


def test_views_are_augmented_in_range_and_reproducible():
    photos = torch.randint(0, 256, (3, 3, 40, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    config = RealismTrainConfig()
    a = make_views(photos, torch.Generator().manual_seed(1), config)
    b = make_views(photos, torch.Generator().manual_seed(1), config)
    c = make_views(photos, torch.Generator().manual_seed(2), config)
    assert a.shape == (3, 3, 40, 28) and a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.allclose(a, photos.float() / 255, atol=0.05)


def test_loss_decreases_when_overfitting_a_few_photos():
    torch.manual_seed(0)
    photos = torch.randint(0, 256, (6, 3, 32, 24), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    config = RealismTrainConfig(widths=(8, 16), projection_dim=8)
    model = RealismNet(RealismConfig(widths=config.widths, projection_dim=8, input_height=32, input_width=24))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    views = torch.cat([make_views(photos, gen, config), make_views(photos, gen, config)])
    losses = []
    for _ in range(40):
        loss, _ = nt_xent(model.project(views), config.temperature)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_split_holds_out_ids_divisible_by_the_modulo(ccp_mini):
    from designgan.data import CCP

    train, held = realism_split(CCP(ccp_mini), 2)
    assert held == ["0002", "0006", "0016", "0026", "1006", "1012", "1572"] and "1005" in train and "0001" in train
    assert not set(train) & set(held) and len(train) + len(held) == 12
    with pytest.raises(DataError, match="heldout_modulo"):
        realism_split(CCP(ccp_mini), 1)


def test_train_resume_exactly_and_export(ccp_mini, tmp_path):
    config = RealismTrainConfig(**TINY)
    meta = train_realism(ccp_mini, tmp_path / "whole", config, export_to=tmp_path / "w.safetensors",
                         progress=False, log=lambda msg: None)
    assert meta["train_photos"] == 5 and meta["heldout_photos"] == 7 and meta["steps"] == 6
    history = json.loads((tmp_path / "whole" / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3] and all("heldout_retrieval" in h for h in history)

    class Stop(Exception):
        pass

    def stop_at_epoch_two(msg: str) -> None:  # interrupted before epoch 2's checkpoint is written
        if msg.startswith('{"epoch": 2'):
            raise Stop

    with pytest.raises(Stop):
        train_realism(ccp_mini, tmp_path / "cut", config, progress=False, log=stop_at_epoch_two)
    logs: list[str] = []
    train_realism(ccp_mini, tmp_path / "cut", config, resume=True, progress=False, log=logs.append)
    assert any("resumed" in m for m in logs) and not any("before training" in m for m in logs)
    resumed = json.loads((tmp_path / "cut" / "history.json").read_text())
    assert [h["loss"] for h in resumed] == [h["loss"] for h in history]
    assert (tmp_path / "cut" / "realism.safetensors").read_bytes() == \
        (tmp_path / "whole" / "realism.safetensors").read_bytes()

    encoder = RealismEncoder.load(tmp_path / "w.safetensors")
    assert encoder.meta["steps"] == 6 and encoder.meta["model"]["widths"] == [8, 8, 16, 16]
    emb = encoder.embed(_photos(2))
    assert emb.shape == (2, 16)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)


def test_missing_weights_is_one_line_naming_the_file(tmp_path):
    path = tmp_path / "nowhere" / "realism.safetensors"
    with pytest.raises(DesignGANError) as info:
        RealismEncoder.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    path.parent.mkdir()
    path.write_bytes(b"")
    with pytest.raises(DesignGANError, match=r"realism\.json"):  # weights without their sidecar
        load_weights(path)


def test_eval_skips_kid_realism_only_when_the_default_weights_are_missing(tmp_path, capsys):
    from designgan.eval.cli import _realism_encoder

    assert _realism_encoder(None, default=tmp_path / "realism.safetensors") is None  # a checkout shipping none
    err = capsys.readouterr().err.strip()
    assert err.startswith("warning: kid_realism skipped") and str(tmp_path) in err and "\n" not in err
    with pytest.raises(DataError, match=r"other\.safetensors"):  # weights named on the command line must load
        _realism_encoder(tmp_path / "other.safetensors")


def test_shipped_weights_load_small_and_trained():
    from designgan.eval.realism import DEFAULT_WEIGHTS

    encoder = RealismEncoder.load()
    assert DEFAULT_WEIGHTS.stat().st_size < 5 * 2**20
    assert encoder.embedding_dim == 256 and encoder.meta["steps"] > 0 and encoder.meta["heldout_photos"] > 150
    # chance is 1 / 209; the untrained network already retrieves 0.11 (random features keep global colour)
    assert encoder.meta["heldout_retrieval"] > 0.3


def test_summarise_reports_kid_realism_beside_kid():
    from designgan.eval.metrics import kid
    from designgan.eval.runner import RealismEmbeddings, summarise

    rng = np.random.default_rng(0)
    rows = [{"success": 1.0}, {"success": 0.0}] * 5
    judge_real = rng.normal(size=(20, 8))
    real = rng.normal(size=(20, 4))
    same = RealismEmbeddings(outputs=rng.normal(size=(10, 4)), sources=rng.normal(size=(10, 4)) + 3,
                             real_target=real)
    summary = summarise(rows, rng.normal(size=(10, 8)), rng.normal(size=(10, 8)), judge_real, kid_subsets=5,
                        realism=same)
    assert summary["kid_realism"]["n"] == 10 and summary["kid_realism"]["n_real"] == 20
    # the sources were shifted away from the real photos in this space only: far larger there, not in kid
    assert summary["kid_realism_source_reference"]["mean"] > 10 * abs(summary["kid_realism"]["mean"])
    assert summary["kid"]["mean"] != summary["kid_realism"]["mean"]
    # the unit embeddings are scaled by sqrt(d) so the cubic kernel sees cosine similarities
    expected, _ = kid(same.outputs * 2.0, real * 2.0, subsets=5)
    assert summary["kid_realism"]["mean"] == pytest.approx(expected, abs=1e-6)
    plain = summarise(rows, rng.normal(size=(10, 8)), rng.normal(size=(10, 8)), judge_real, kid_subsets=5)
    assert plain["kid_realism"] is None and plain["kid"]["n"] == 10


def test_evaluate_embeds_outputs_with_the_realism_encoder(mini_dataset):
    from designgan.data import TwoDomainData
    from designgan.eval.judge import Judge
    from designgan.eval.judge_model import JudgeModelConfig, create_judge_model
    from designgan.eval.report import markdown_table
    from designgan.eval.runner import RealPhotos, evaluate, judge_real_photos

    torch.manual_seed(0)
    judge = Judge(create_judge_model(JudgeModelConfig(backbone="regnetx_002", fpn_channels=16, input_height=64,
                                                      input_width=44)), bf16=False)
    encoder = RealismEncoder(RealismNet(RealismConfig(widths=(8, 16))))
    data = TwoDomainData.open(mini_dataset)
    records = data.records(split="test", domain="a")[:2]
    reals = judge_real_photos(judge, data.records(split="test", domain="b"), progress=False, domain="skirt",
                              realism=encoder)
    assert reals.realism is not None and reals.realism.shape == (len(reals.embeddings), 16)

    def translate(image):
        return image.transpose(Image.FLIP_LEFT_RIGHT), np.ones(image.size[::-1], bool)

    result = evaluate(translate, records, "skirt", judge, reals, progress=False, kid_subsets=2, realism=encoder)
    assert result.summary["kid_realism"]["n"] == 2
    assert result.summary["kid_realism"]["n_real"] == len(reals.realism)
    assert "self-supervised features" in markdown_table({"m": result.summary})
    with pytest.raises(DataError, match="realism embeddings"):
        evaluate(translate, records, "skirt", judge, RealPhotos(reals.embeddings, reals.recognised,
                                                                 reals.shape_recognised),
                 progress=False, realism=encoder)
