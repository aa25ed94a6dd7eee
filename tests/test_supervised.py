"""The supervised trainers' shared loop: exact resume (mid-epoch, dropout and augmentation randomness included),
the time budget ending the schedule, a finished run staying finished, and judge checkpoints of the older format."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from designgan.supervised import Schedule, SupervisedLoop

DATA_X = torch.linspace(-1, 1, 40).reshape(20, 2)
DATA_Y = DATA_X @ torch.tensor([[1.5], [-0.5]]) + 0.3
SCHEDULE = Schedule(epochs=3, batch_size=4, lr=0.05, warmup_steps=2, lr_floor=0.1, ema_decay=0.9)


class Interrupted(Exception):
    pass


def make_loop(checkpoint: Path | None, schedule: Schedule = SCHEDULE) -> SupervisedLoop:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.3), nn.ReLU(), nn.Linear(8, 1))
    opt = torch.optim.AdamW(model.parameters(), lr=schedule.lr)
    return SupervisedLoop(model, opt, schedule, torch.arange(len(DATA_X)), torch.Generator().manual_seed(0),
                          checkpoint=checkpoint, config={"note": "test"}, log=lambda msg: None)


def batch_loss_of(loop: SupervisedLoop, stop_at: int | None = None):
    calls = [0]

    def batch_loss(index: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, dict[str, float]]:
        if calls[0] == stop_at:
            raise Interrupted  # a killed process: only what was saved survives
        calls[0] += 1
        noise = 0.05 * torch.randn(len(index), 2, generator=gen)  # augmentation: the loop's generator
        pred = loop.model(DATA_X[index] + noise)  # dropout: torch's generator
        loss = ((pred - DATA_Y[index]) ** 2).mean()
        return loss, {"worst": float((pred - DATA_Y[index]).detach().abs().max())}

    return batch_loss


def untimed(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in entry.items() if k not in ("seconds", "minutes")} for entry in history]


def test_a_run_stopped_mid_epoch_and_resumed_ends_exactly_like_an_uninterrupted_one(tmp_path):
    straight = make_loop(None)
    reference = straight.run(batch_loss_of(straight))
    assert [e["epoch"] for e in reference] == [1, 2, 3] and reference[-1]["progress"] == 1.0
    assert {"loss", "worst", "lr"} <= set(reference[0])

    schedule = Schedule(**{**SCHEDULE.__dict__, "checkpoint_minutes": 1e-12})  # save after every step
    first = make_loop(tmp_path / "last.pt", schedule)
    with pytest.raises(Interrupted):
        first.run(batch_loss_of(first, stop_at=7))  # epoch 2 (5 steps an epoch), its third step
    torch.manual_seed(123)  # whatever the process did meanwhile
    resumed = make_loop(tmp_path / "last.pt", schedule)
    assert resumed.resume() and (resumed.epoch, resumed.next_step) == (1, 2)
    history = resumed.run(batch_loss_of(resumed))
    for a, b in ((straight.model, resumed.model), (straight.ema, resumed.ema)):
        for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
            assert torch.equal(x, y)
    assert untimed(history) == untimed(reference)


def test_the_time_budget_ends_the_schedule_and_a_finished_run_stays_finished(tmp_path):
    schedule = Schedule(**{**SCHEDULE.__dict__, "epochs": 50, "max_minutes": 1e-9, "warmup_steps": 0})
    loop = make_loop(tmp_path / "last.pt", schedule)
    history = loop.run(batch_loss_of(loop))
    assert len(history) == 1 and history[0]["progress"] == 1.0 and loop.out_of_time
    assert loop.opt.param_groups[0]["lr"] == pytest.approx(SCHEDULE.lr * SCHEDULE.lr_floor)  # the cosine's end
    weights = [t.clone() for t in loop.model.state_dict().values()]
    again = make_loop(tmp_path / "last.pt", schedule)
    assert again.resume()
    assert again.run(batch_loss_of(again, stop_at=0)) == history  # not one more step
    assert all(torch.equal(a, b) for a, b in zip(weights, again.model.state_dict().values(), strict=True))
    more = make_loop(tmp_path / "last.pt", Schedule(**{**schedule.__dict__, "max_minutes": 60.0}))
    assert more.resume() and not more.out_of_time  # given more time, it goes on


def test_a_judge_checkpoint_of_the_older_format_resumes_at_the_next_epoch(tmp_path):
    loop = make_loop(None)
    old = {"model": loop.model.state_dict(), "ema": loop.ema.state_dict(), "opt": loop.opt.state_dict(),
           "generator": loop.gen.get_state(), "epoch": 0, "trained_s": 1.0,
           "history": [{"epoch": 1, "loss": 0.5, "lr": 0.05, "progress": 0.33, "seconds": 1.0}], "config": {}}
    torch.save(old, tmp_path / "last.pt")
    resumed = make_loop(tmp_path / "last.pt")
    assert resumed.resume() and (resumed.epoch, resumed.next_step) == (1, 0) and not resumed.out_of_time
    assert [e["epoch"] for e in resumed.run(batch_loss_of(resumed))] == [1, 2, 3]
