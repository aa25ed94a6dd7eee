"""Least-squares GAN losses (Mao et al., 2017) over one or several PatchGAN score maps."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def _maps(scores: torch.Tensor | Sequence[torch.Tensor]) -> Sequence[torch.Tensor]:
    return [scores] if isinstance(scores, torch.Tensor) else scores


def lsgan_d_loss(real_scores: torch.Tensor | Sequence[torch.Tensor],
                 fake_scores: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
    """Discriminator side: 0.5 * (E[(D(real) - 1)^2] + E[D(fake)^2]), averaged over scales."""
    real, fake = _maps(real_scores), _maps(fake_scores)
    terms = [((r.float() - 1) ** 2).mean() + (f.float() ** 2).mean() for r, f in zip(real, fake, strict=True)]
    return 0.5 * torch.stack(terms).mean()


def lsgan_g_loss(fake_scores: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
    """Generator side: E[(D(G(x)) - 1)^2], averaged over scales."""
    return torch.stack([((f.float() - 1) ** 2).mean() for f in _maps(fake_scores)]).mean()
