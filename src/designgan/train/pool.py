"""Image history pool (Shrivastava et al., 2017): the discriminator also sees older fakes, which damps oscillation.

Stores (image, attention) pairs because the discriminator judges a fake together with its attention. Uses its
own seeded generator, and its state (contents + RNG) is checkpointed, so a resumed run draws the same fakes.
"""

from __future__ import annotations

from typing import Any

import torch


class ImagePool:
    def __init__(self, size: int = 50, seed: int = 0) -> None:
        self.size = size
        self.items: list[tuple[torch.Tensor, torch.Tensor | None]] = []
        self.generator = torch.Generator().manual_seed(seed)

    def query(self, images: torch.Tensor, attention: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Per sample: fill the pool first; then with p=0.5 return a stored pair (storing the new one instead)."""
        if self.size == 0:
            return images, attention
        out_images, out_attention = [], []
        for i in range(images.shape[0]):
            image = images[i : i + 1].detach()
            att = attention[i : i + 1].detach() if attention is not None else None
            # Items stay on the training device (a GPU step would otherwise copy every fake to the host and back).
            if len(self.items) < self.size:
                self.items.append((image, att))
            elif torch.rand((), generator=self.generator) < 0.5:
                j = int(torch.randint(0, self.size, (), generator=self.generator))
                old_image, old_att = self.items[j]
                self.items[j] = (image, att)
                image = old_image.to(images.device)
                att = None if old_att is None else old_att.to(images.device)
            out_images.append(image)
            out_attention.append(att)
        merged_att = torch.cat(out_attention) if attention is not None else None
        return torch.cat(out_images), merged_att

    def state_dict(self) -> dict[str, Any]:
        items = [(image.cpu(), None if att is None else att.cpu()) for image, att in self.items]
        return {"items": items, "rng": self.generator.get_state(), "size": self.size}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.items = list(state["items"])
        self.generator.set_state(state["rng"])
        self.size = state["size"]
