"""The judge's training loop on the committed CCP slice: a tiny model, one epoch, checkpoint, resume, export,
fine-tuning from exported weights."""

from __future__ import annotations

import json

import pytest

from designgan.errors import ConfigError
from designgan.eval.judge import load_weights
from designgan.eval.judge_train import JudgeTrainConfig, class_weights, train_judge

TINY = {"backbone": "regnetx_002", "fpn_channels": 8, "input_height": 64, "input_width": 44, "batch_size": 3,
        "epochs": 2, "warmup_steps": 1, "eval_every": 1, "bf16": False}


def test_train_resume_export_and_finetune(ccp_mini, tmp_path):
    out = tmp_path / "run"
    scores = train_judge(ccp_mini, out, JudgeTrainConfig(**TINY), log=lambda msg: None)
    assert scores == {}  # the committed slice holds no held-out photo (no id divisible by 10)
    history = json.loads((out / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2] and history[-1]["progress"] == 1.0
    _, meta = load_weights(out / "judge.safetensors")
    assert meta["train_photos"] == 6 and meta["model"]["backbone"] == "regnetx_002"
    before = (out / "judge.safetensors").read_bytes()
    logs: list[str] = []
    train_judge(ccp_mini, out, JudgeTrainConfig(**TINY), resume=True, log=logs.append)
    assert any("resumed" in m for m in logs) and json.loads((out / "history.json").read_text()) == history
    assert (out / "judge.safetensors").read_bytes() == before  # a finished run is not trained further

    logs.clear()
    train_judge(ccp_mini, tmp_path / "ft", JudgeTrainConfig(**(TINY | {"epochs": 1}),
                                                            init_weights=str(out / "judge.safetensors")),
                log=logs.append)
    assert any("starting from" in m for m in logs)
    with pytest.raises(ConfigError, match="init_weights"):
        train_judge(ccp_mini, tmp_path / "bad", JudgeTrainConfig(**(TINY | {"fpn_channels": 16}),
                                                                 init_weights=str(out / "judge.safetensors")),
                    log=lambda msg: None)


def test_class_weights_favour_rare_classes_within_bounds():
    import numpy as np

    w = class_weights(np.array([0.9, 0.05, 0.04, 0.01, 0.0]), power=0.5).numpy()
    assert w[0] < w[1] < w[3] and w[4] == 1.0
    assert w.min() >= 0.25 and w.max() <= 4.0
