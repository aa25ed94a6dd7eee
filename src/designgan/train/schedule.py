"""Moved to :mod:`designgan.models.schedule` (the landmark trainer, below :mod:`designgan.train`, uses it too)."""

from designgan.models.schedule import budget_progress, ema_update, warmup_cosine

__all__ = ["budget_progress", "ema_update", "warmup_cosine"]
