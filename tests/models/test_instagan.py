"""InstaGAN (written from the paper): instance-order invariance, masks per instance, the context loss."""

from __future__ import annotations

import torch

from designgan.losses import context_loss
from designgan.models.instagan import InstaGANDiscriminator, InstaGANGenerator


def instances() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    image = torch.randn(2, 3, 45, 30)
    masks = torch.zeros(2, 2, 45, 30)
    masks[:, 0, 10:30, 5:20] = 1
    masks[1, 1, 5:9, 3:9] = 1  # a second instance in the second sample only
    return image, masks


def test_generator_is_invariant_to_the_order_of_instances_and_translates_each():
    image, masks = instances()
    g = InstaGANGenerator(attention_channels=2, ngf=8, n_blocks=2).eval()
    out, swapped = g(image, masks), g(image, masks.flip(1))
    assert out.image.shape == (2, 3, 45, 30) and out.instance_logits.shape == (2, 2, 45, 30)
    assert torch.allclose(out.image, swapped.image, atol=1e-5)
    assert torch.allclose(out.instance_logits, swapped.instance_logits.flip(1), atol=1e-5)
    # The union mask is the per-pixel maximum of the instances' masks.
    assert torch.equal(out.mask_logits[:, 0], out.instance_logits.amax(dim=1))
    # An absent instance (all zeros) adds nothing: one instance == the same instance plus an empty channel.
    one = InstaGANGenerator(attention_channels=1, ngf=8, n_blocks=2).eval()
    one.load_state_dict(g.state_dict())
    first = image[:1], masks[:1]
    assert torch.allclose(one(first[0], first[1][:, :1]).image, g(*first).image, atol=1e-5)


def test_discriminator_reads_image_and_pooled_masks():
    image, masks = instances()
    d = InstaGANDiscriminator(attention_channels=2, ndf=8)
    scores = d(image, masks)
    assert len(scores) == 1 and scores[0].shape[:2] == (2, 1)
    assert torch.allclose(d(image, masks)[0], d(image, masks.flip(1))[0], atol=1e-5)
    assert not torch.allclose(d(image, masks)[0], d(image, torch.zeros_like(masks))[0])


def test_context_loss_counts_only_what_changes_outside_both_garments():
    source = torch.zeros(1, 3, 10, 10)
    a = torch.zeros(1, 1, 10, 10)
    a[..., 2:5, 2:5] = 1
    b = torch.zeros(1, 1, 10, 10)
    b[..., 6:8, 6:8] = 1
    inside = source.clone()
    inside[..., 2:5, 2:5] = 1
    inside[..., 6:8, 6:8] = 1
    assert context_loss(inside, source, a, b) == 0  # changes only inside a or b' are free
    outside = source.clone()
    outside[..., 0, 0] = 1
    assert context_loss(outside, source, a, b) > 0
