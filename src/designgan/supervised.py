"""The loop the supervised trainers share: the landmark network (:mod:`designgan.landmarks.train`), the garment
parser judge (:mod:`designgan.eval.judge_train`), the garment judge (:mod:`designgan.eval.garment_judge_train`) and
the self-supervised realism encoder (:mod:`designgan.eval.realism_train`, whose "labels" are its own photos).

:class:`SupervisedLoop` runs epochs of shuffled batches under a warm-up + cosine learning rate that ends by a
wall-clock budget (:mod:`designgan.models.schedule`), keeps EMA weights, writes one history entry per epoch (with
held-out scores every few epochs) and saves an atomic checkpoint at each epoch end and, on a slow shared CPU,
mid-epoch too. Resuming from a checkpoint is exact: the weights, the optimiser, the shuffled order of the epoch
in progress and both random generators (the augmentation's and torch's, which dropout draws from) are restored,
so a run stopped and resumed ends with the same weights as one that was not.

What differs between trainers stays with them: the data, the loss of one batch (:data:`BatchLoss`), the held-out
evaluation, the export.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from designgan.config import to_dict
from designgan.io import atomic_path
from designgan.models.schedule import budget_progress, ema_update, warmup_cosine

# The loss of one batch (sample indices, the loop's random generator for augmentation), and per-batch figures to
# average into the epoch's history entry (e.g. training accuracy).
BatchLoss = Callable[[torch.Tensor, torch.Generator], tuple[torch.Tensor, dict[str, float]]]
# Held-out scores of the EMA weights, merged into the epoch's history entry.
Evaluate = Callable[[nn.Module], dict[str, Any]]



def run_record(config: Any, history: list[dict], trained_s: float) -> dict[str, Any]:
    """What every supervised run writes into its weights' sidecar about itself: its settings, the epochs done and
    the minutes trained."""
    return {"train_config": to_dict(config), "epochs_done": len(history), "train_minutes": round(trained_s / 60, 1)}

@dataclass(frozen=True)
class Schedule:
    """How long and how fast: the settings every supervised trainer's config has."""

    epochs: int
    batch_size: int
    lr: float
    warmup_steps: int
    lr_floor: float  # the cosine ends at this fraction of ``lr``
    ema_decay: float
    max_minutes: float = 0.0  # training-time budget: the cosine ends, and training stops, by then (0 = none)
    eval_every: int = 1  # held-out scores every this many epochs, and after the last
    checkpoint_minutes: float = 0.0  # also save mid-epoch this often (0 = at epoch ends only)

    @classmethod
    def from_config(cls, config: Any, lr_floor: float) -> Schedule:
        """The schedule of a trainer config carrying these settings under the same names (all of ours do)."""
        return cls(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr,
                   warmup_steps=config.warmup_steps, lr_floor=lr_floor, ema_decay=config.ema_decay,
                   max_minutes=config.max_minutes, eval_every=config.eval_every,
                   checkpoint_minutes=config.checkpoint_minutes)


class SupervisedLoop:
    """Training state (model, EMA copy, optimiser, position, history) and the loop that advances it.

    ``pool`` holds the sample indices one epoch visits (repeats oversample); each epoch shuffles it with
    ``generator``. With ``checkpoint`` None nothing is saved and nothing can be resumed.
    """

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, schedule: Schedule, pool: torch.Tensor,
                 generator: torch.Generator, checkpoint: Path | None = None, config: dict | None = None,
                 log: Callable[[str], None] = print):
        self.model, self.opt, self.schedule, self.pool, self.gen = model, optimizer, schedule, pool, generator
        self.ema = copy.deepcopy(model).eval()
        self.checkpoint, self.config, self.log = checkpoint, config or {}, log
        self.steps_per_epoch = max(1, len(pool) // schedule.batch_size)
        self.total_steps = self.steps_per_epoch * schedule.epochs
        self.epoch, self.next_step, self.order = 0, 0, None  # position: the epoch in progress and its next step
        self.history: list[dict] = []
        self.trained_s = 0.0  # time spent in training steps (not evaluating or saving): what the budget counts
        # the time budget is spent (the epochs' end is checked on its own, so a resumed run may be given more)
        self.out_of_time = False
        self._epoch_stats: dict[str, list[float]] = {}  # per-batch figures of the epoch in progress

    @classmethod
    def for_run(cls, model: nn.Module, optimizer: torch.optim.Optimizer, config: Any, pool: torch.Tensor,
                out_dir: Path, lr_floor: float, log: Callable[[str], None] = print) -> SupervisedLoop:
        """The loop of a trainer run into ``out_dir``: its config (a dataclass with :class:`Schedule`'s fields and
        ``seed``) gives the schedule and the shuffling generator's seed and is recorded in the checkpoint,
        ``out_dir/last.pt``."""
        return cls(model, optimizer, Schedule.from_config(config, lr_floor), pool,
                   torch.Generator().manual_seed(config.seed), checkpoint=Path(out_dir) / "last.pt",
                   config=to_dict(config), log=log)

    # -- checkpoints ---------------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.checkpoint is None:
            return
        state = {"model": self.model.state_dict(), "ema": self.ema.state_dict(), "opt": self.opt.state_dict(),
                 "generator": self.gen.get_state(), "torch_rng": torch.get_rng_state(), "epoch": self.epoch,
                 "next_step": self.next_step, "order": self.order, "epoch_stats": self._epoch_stats,
                 "history": self.history, "trained_s": self.trained_s, "config": self.config}
        with atomic_path(self.checkpoint) as tmp:
            torch.save(state, tmp)

    def resume(self) -> bool:
        """Load the checkpoint when there is one; True when it was loaded."""
        if self.checkpoint is None or not self.checkpoint.is_file():
            return False
        ckpt = torch.load(self.checkpoint, map_location="cpu", weights_only=True)
        self.model.load_state_dict(ckpt["model"])
        self.ema.load_state_dict(ckpt["ema"])
        self.opt.load_state_dict(ckpt["opt"])
        self.gen.set_state(ckpt["generator"])
        self.history, self.trained_s = ckpt["history"], ckpt["trained_s"]
        if "next_step" in ckpt:
            self.epoch, self.next_step, self.order = ckpt["epoch"], ckpt["next_step"], ckpt["order"]
        else:  # a judge checkpoint from before this loop: saved at the end of epoch ``epoch``
            self.epoch, self.next_step, self.order = ckpt["epoch"] + 1, 0, None
        if "torch_rng" in ckpt:
            torch.set_rng_state(ckpt["torch_rng"])
        self._epoch_stats = ckpt.get("epoch_stats", {})
        # judged with this run's budget: a run resumed with more epochs or minutes goes on
        self.out_of_time = self.schedule.max_minutes > 0 and self.trained_s >= 60 * self.schedule.max_minutes
        self.log(f"resumed from {self.checkpoint} at epoch {self.epoch + 1}, step {self.next_step}")
        return True

    # -- the loop ------------------------------------------------------------------------------------------------

    def run(self, batch_loss: BatchLoss, evaluate: Evaluate | None = None) -> list[dict]:
        """Train until the last epoch or the time budget; returns the history (one entry per epoch run)."""
        s = self.schedule
        last_save = time.time()
        while not self.out_of_time and self.epoch < s.epochs:
            self.model.train()
            if self.order is None or len(self.order) != len(self.pool):  # a new epoch, or a resumed run
                # whose pool changed size (another oversampling): its order no longer fits, start the epoch over
                self.order = self.pool[torch.randperm(len(self.pool), generator=self.gen)]
                self.next_step, self._epoch_stats = 0, {}
            epoch_trained0, progress = self.trained_s, 0.0
            bar = tqdm(range(self.next_step, self.steps_per_epoch), desc=f"epoch {self.epoch + 1}/{s.epochs}",
                       leave=False)
            for step in bar:
                t_step = time.time()
                global_step = self.epoch * self.steps_per_epoch + step
                progress = budget_progress(global_step, self.total_steps, self.trained_s, s.max_minutes)
                for group in self.opt.param_groups:
                    group["lr"] = s.lr * warmup_cosine(global_step, progress, s.warmup_steps, floor=s.lr_floor)
                index = self.order[step * s.batch_size:(step + 1) * s.batch_size]
                loss, figures = batch_loss(index, self.gen)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                self.opt.step()
                ema_update(self.ema, self.model, s.ema_decay)
                for key, value in {"loss": loss.item(), **figures}.items():
                    self._epoch_stats.setdefault(key, []).append(float(value))
                bar.set_postfix(loss=f"{np.mean(self._epoch_stats['loss'][-20:]):.4g}")
                self.trained_s += time.time() - t_step
                self.next_step = step + 1
                if progress >= 1.0:
                    self.out_of_time = True
                    break
                if (s.checkpoint_minutes > 0 and self.next_step < self.steps_per_epoch
                        and time.time() - last_save > 60 * s.checkpoint_minutes):
                    # mid-epoch too (on a slow, shared CPU one epoch can take long); never after an epoch's last
                    # step, whose end (history entry, next epoch) is saved just below
                    self.save()
                    last_save = time.time()
            self._end_epoch(progress, self.trained_s - epoch_trained0, evaluate)
            self.save()
            last_save = time.time()
        return self.history

    def _end_epoch(self, progress: float, seconds: float, evaluate: Evaluate | None) -> None:
        last = self.out_of_time or self.epoch + 1 >= self.schedule.epochs
        entry: dict[str, Any] = {"epoch": self.epoch + 1}
        entry.update({k: float(f"{np.mean(v):.5g}") for k, v in self._epoch_stats.items()})
        entry.update({"lr": float(f"{self.opt.param_groups[0]['lr']:.5g}"),
                      "progress": 1.0 if last else round(min(1.0, progress), 4),
                      "seconds": round(seconds, 1), "minutes": round(self.trained_s / 60, 2)})
        if evaluate is not None and ((self.epoch + 1) % self.schedule.eval_every == 0 or last):
            entry.update(evaluate(self.ema))
        self.history.append(entry)
        self.log(json.dumps(entry))
        if self.next_step >= self.steps_per_epoch:  # a finished epoch; a time-budget stop mid-epoch stays in it
            self.epoch += 1
            self.order = None
