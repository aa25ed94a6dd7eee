import math

import pytest
import torch

from designgan.train.schedule import budget_progress, ema_update, warmup_cosine


def test_warmup_is_linear_then_cosine_falls_to_the_floor():
    assert warmup_cosine(0, 0.0, warmup_steps=10, floor=0.02) == pytest.approx(0.1)
    assert warmup_cosine(9, 0.0, warmup_steps=10, floor=0.02) == pytest.approx(1.0)
    assert warmup_cosine(10, 0.0, warmup_steps=10, floor=0.02) == pytest.approx(1.0)
    assert warmup_cosine(500, 0.5, warmup_steps=10, floor=0.02) == pytest.approx(0.02 + 0.98 * 0.5)
    assert warmup_cosine(900, 1.0, warmup_steps=10, floor=0.02) == pytest.approx(0.02)
    assert warmup_cosine(999, 3.0, warmup_steps=10, floor=0.02) == pytest.approx(0.02)  # clamped past the end


def test_budget_progress_follows_whichever_of_steps_and_time_is_further():
    assert budget_progress(50, 100, trained_seconds=0.0, max_minutes=0) == 0.5
    assert budget_progress(50, 100, trained_seconds=60.0, max_minutes=10) == 0.5  # time: 0.1, steps ahead
    assert budget_progress(10, 100, trained_seconds=300.0, max_minutes=10) == 0.5  # slow machine: time ahead
    assert math.isfinite(budget_progress(0, 0, 0.0, 0))


def test_ema_update_moves_floats_and_copies_integer_buffers():
    model, ema = torch.nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    with torch.no_grad():
        model.weight.fill_(2.0)
    model.num_batches_tracked.fill_(7)
    ema_update(ema, model, decay=0.75)
    assert torch.allclose(ema.weight, torch.full((3,), 1.25))  # 0.75 * 1 + 0.25 * 2
    assert int(ema.num_batches_tracked) == 7
