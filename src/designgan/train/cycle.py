"""The two halves of a DesignGAN training step as modules: both generators, and both discriminators.

Each half runs in one ``forward`` call so that ``DistributedDataParallel`` sees exactly one forward per backward.
Domain A is X (e.g. jeans) and domain B is Y (e.g. skirt); ``G_AB`` translates A -> B.

A sample of a domain is the pair (image, garment mask) plus its landmark heatmaps. The attention stack a
generator or discriminator reads is ``cat(garment mask, heatmaps)``. A translated image keeps the person's pose,
so its heatmaps are the source's, and its garment mask is the predicted target mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from designgan import losses as L
from designgan import models
from designgan.models import compose, edit_alpha, garment_texture
from designgan.models.augment import diff_augment, parse_policy
from designgan.models.texture import garment_square_boxes
from designgan.train.config import LossConfig, TrainConfig


@dataclass
class Side:
    """One domain's batch: image [-1, 1], garment mask, skin mask, heatmaps."""

    image: torch.Tensor
    garment: torch.Tensor
    skin: torch.Tensor
    heatmaps: torch.Tensor

    def attention(self, mask: torch.Tensor | None = None) -> torch.Tensor:
        return torch.cat([self.garment if mask is None else mask, self.heatmaps], dim=1)


@dataclass
class Translation:
    """One generator pass: the raw output, the composed image, the predicted mask and the attention it carries."""

    image: torch.Tensor
    mask: torch.Tensor | None
    attention: torch.Tensor | None


def build_generator(config: TrainConfig, into: str = "b") -> nn.Module:
    """The generator of a training config translating into domain ``into``
    (:func:`designgan.models.build_generator`)."""
    names = config.data.heatmap_names if config.data.landmarks != "none" else []
    return models.build_generator(config.model, config.attention_channels, names, into)  # type: ignore[arg-type]


def build_discriminator(config: TrainConfig) -> nn.Module:
    """The discriminator of a training config (:func:`designgan.models.build_discriminator`)."""
    return models.build_discriminator(config.model, config.attention_channels)


class Generators(nn.Module):
    """G_AB and G_BA; ``forward`` runs translation, reconstruction and identity and returns the generator loss."""

    def __init__(self, config: TrainConfig) -> None:
        super().__init__()
        self.G_AB = build_generator(config, into="b")
        self.G_BA = build_generator(config, into="a")
        self.loss_config = config.loss
        self.uses_attention = self.G_AB.attention_channels > 0
        self.has_masks = self.G_AB.has_mask_head
        self.texture_channels = getattr(self.G_AB, "texture_channels", 0)
        self.register_buffer("style_weight", L.inverse_centre_weight(
            tuple(config.loss.style_size), config.loss.style_floor, config.loss.style_power), persistent=False)

    def translate(self, g: nn.Module, image: torch.Tensor, mask: torch.Tensor | None,
                  heatmaps: torch.Tensor, texture: torch.Tensor | None = None) -> Translation:
        """Run ``g`` on (image, mask, heatmaps) and compose the result into the input outside the edit region."""
        attention = torch.cat([mask, heatmaps], dim=1) if self.uses_attention else None
        out = g(image, attention, texture) if self.texture_channels else g(image, attention)
        if not self.has_masks:
            return Translation(out.image, None, None)
        pred = out.mask.to(image.dtype)
        result = out.image
        if self.loss_config.compose:
            alpha = edit_alpha(mask, pred, dilate=self.loss_config.dilate, feather=self.loss_config.feather)
            result = compose(image, out.image, alpha)
        return Translation(result, pred, torch.cat([pred, heatmaps], dim=1))

    def forward(self, a: Side, b: Side, discriminators: Discriminators) -> tuple[torch.Tensor, dict, dict]:
        """Generator loss, its terms (floats for logging) and the fakes the discriminator step needs."""
        cfg: LossConfig = self.loss_config
        tex = self._textures(a, b) if self.texture_channels else {}
        fake_b = self.translate(self.G_AB, a.image, a.garment, a.heatmaps, tex.get("ab"))
        fake_a = self.translate(self.G_BA, b.image, b.garment, b.heatmaps, tex.get("ba"))
        # Reconstruction and identity keep each image's own fabric.
        rec_a = self.translate(self.G_BA, fake_b.image, fake_b.mask, a.heatmaps, tex.get("own_a"))
        rec_b = self.translate(self.G_AB, fake_a.image, fake_a.mask, b.heatmaps, tex.get("own_b"))
        masks = self.has_masks
        terms: dict[str, torch.Tensor] = {}
        terms["gan"] = (L.lsgan_g_loss(discriminators.score("D_B", fake_b.image, fake_b.attention))
                        + L.lsgan_g_loss(discriminators.score("D_A", fake_a.image, fake_a.attention)))
        terms["cycle"] = (L.cycle_loss(rec_a.image, a.image, rec_a.mask, a.garment if masks else None, cfg.mask)
                          + L.cycle_loss(rec_b.image, b.image, rec_b.mask, b.garment if masks else None, cfg.mask))
        if cfg.identity > 0:
            idt_b = self.translate(self.G_AB, b.image, b.garment, b.heatmaps, tex.get("own_b"))
            idt_a = self.translate(self.G_BA, a.image, a.garment, a.heatmaps, tex.get("own_a"))
            terms["identity"] = (
                L.identity_loss(idt_b.image, b.image, idt_b.mask, b.garment if masks else None, cfg.mask)
                + L.identity_loss(idt_a.image, a.image, idt_a.mask, a.garment if masks else None, cfg.mask))
        if masks and cfg.style > 0:
            terms["style"] = self._style(a, b, fake_b, tex.get("use_ab")) + self._style(b, a, fake_a, tex.get("use_ba"))
        if masks and cfg.gram > 0:
            terms["gram"] = self._gram(a.image, a.garment, fake_b) + self._gram(b.image, b.garment, fake_a)
        if masks and cfg.skin > 0:
            terms["skin"] = self._skin(a, fake_b) + self._skin(b, fake_a)
        if masks and cfg.context > 0:  # InstaGAN's context-preserving term
            terms["context"] = (L.context_loss(fake_b.image, a.image, a.garment, fake_b.mask)
                                + L.context_loss(fake_a.image, b.image, b.garment, fake_a.mask))
        weights = {"gan": cfg.gan, "cycle": cfg.cycle, "identity": cfg.identity, "style": cfg.style,
                   "skin": cfg.skin, "gram": cfg.gram, "context": cfg.context}
        total = sum(weights[name] * value for name, value in terms.items())
        fakes = {"fake_a": fake_a, "fake_b": fake_b, "rec_a": rec_a, "rec_b": rec_b}
        return total, terms, fakes

    def _textures(self, a: Side, b: Side) -> dict[str, torch.Tensor]:
        """Texture inputs: each image's own fabric, and for the translations, with probability
        ``loss.texture_prob`` per sample, the other domain's fabric instead (trained with random fabric crops)."""
        offset = tuple(torch.rand(2).tolist())
        own_a, valid_a = garment_texture(a.image, a.garment, offset=offset)
        own_b, valid_b = garment_texture(b.image, b.garment, offset=offset)
        n = a.image.shape[0]
        use_ab = (torch.rand(n) < self.loss_config.texture_prob).to(a.image.device) & valid_b
        use_ba = (torch.rand(n) < self.loss_config.texture_prob).to(a.image.device) & valid_a
        cl = a.image.is_contiguous(memory_format=torch.channels_last)
        fmt = torch.channels_last if cl else torch.contiguous_format

        def pick(use: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return torch.where(use[:, None, None, None], x, y).contiguous(memory_format=fmt)

        return {"own_a": own_a.contiguous(memory_format=fmt), "own_b": own_b.contiguous(memory_format=fmt),
                "ab": pick(use_ab, own_b, own_a), "ba": pick(use_ba, own_a, own_b), "use_ab": use_ab, "use_ba": use_ba}

    def _style(self, source: Side, other: Side, fake: Translation, use_other: torch.Tensor | None) -> torch.Tensor:
        """L_style of one direction; where ``use_other``, the reference is the other sample's fabric."""
        size = tuple(self.loss_config.style_size)
        if use_other is None:
            return L.style_loss(source.image, source.garment, fake.image, fake.mask, size, self.style_weight)
        own, valid_own = L.garment_patches(source.image.detach(), source.garment, size)
        squares, valid_other = garment_square_boxes(other.garment)
        fabric = L.crop_resize(other.image.detach(), squares, size)
        out, valid_out = L.garment_patches(fake.image, fake.mask, size)
        reference = torch.where(use_other[:, None, None, None], fabric, own)
        valid = valid_out & torch.where(use_other, valid_other, valid_own)
        return L.weighted_patch_loss(reference, out, self.style_weight, valid)

    def _gram(self, source: torch.Tensor, source_mask: torch.Tensor, fake: Translation) -> torch.Tensor:
        size = tuple(self.loss_config.style_size)
        patch_a, valid_a = L.garment_patches(source.detach(), source_mask, size)
        patch_b, valid_b = L.garment_patches(fake.image, fake.mask, size)
        return L.gram_texture_loss(patch_a, patch_b, valid=valid_a & valid_b)

    def _skin(self, source: Side, fake: Translation) -> torch.Tensor:
        cfg = self.loss_config
        swatch = None
        if cfg.skin_swatch is not None:
            swatch = torch.tensor(cfg.skin_swatch, device=source.image.device) * 2 - 1
        region = L.exposed_region(source.garment, fake.mask)
        # Visible skin outside what the edit may repaint is the reference.
        reference, valid = L.skin_reference_colour(source.image, source.skin, exclude=source.garment, fallback=swatch)
        # Emphasise the joints the paper samples skin patches at (knees, ankles, ...): 1 + their heatmaps.
        weight = 1 + source.heatmaps.sum(dim=1, keepdim=True).clamp(max=1) if source.heatmaps.shape[1] else None
        return L.skin_loss(fake.image, region, reference, valid, weight)


class Discriminators(nn.Module):
    """D_A and D_B; ``forward`` returns the discriminator loss on real samples and (pooled) fakes."""

    def __init__(self, config: TrainConfig) -> None:
        super().__init__()
        self.D_A = build_discriminator(config)
        self.D_B = build_discriminator(config)
        self.augment = parse_policy(config.loss.diffaug)

    def score(self, name: str, image: torch.Tensor, attention: torch.Tensor | None) -> torch.Tensor:
        """Discriminator ``name``'s scores for (image, attention), after the differentiable augmentation that
        every discriminator input gets (real and fake, in both steps) when ``loss.diffaug`` is set."""
        if self.augment:
            if attention is None:
                image, _ = diff_augment(image, image[:, :0], self.augment)
            else:
                image, attention = diff_augment(image, attention, self.augment)
        return getattr(self, name)(image, attention)

    def forward(self, a: Side, b: Side, fake_a: tuple[torch.Tensor, torch.Tensor | None],
                fake_b: tuple[torch.Tensor, torch.Tensor | None]) -> tuple[torch.Tensor, dict]:
        loss_a = L.lsgan_d_loss(self.score("D_A", a.image, a.attention()), self.score("D_A", *fake_a))
        loss_b = L.lsgan_d_loss(self.score("D_B", b.image, b.attention()), self.score("D_B", *fake_b))
        return loss_a + loss_b, {"d_a": loss_a, "d_b": loss_b}
