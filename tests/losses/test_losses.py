import pytest
import torch

from designgan.losses import (
    cycle_loss,
    exposed_region,
    garment_patches,
    gram_texture_loss,
    identity_loss,
    inverse_centre_weight,
    lsgan_d_loss,
    lsgan_g_loss,
    mask_boxes,
    reference_style_loss,
    skin_loss,
    skin_reference_colour,
    style_loss,
)


def test_lsgan_values():
    ones, zeros = torch.ones(2, 1, 4, 4), torch.zeros(2, 1, 4, 4)
    assert lsgan_d_loss(ones, zeros) == 0
    assert lsgan_d_loss(zeros, ones) == 1  # 0.5 * (1 + 1)
    assert lsgan_g_loss(ones) == 0 and lsgan_g_loss(zeros) == 1
    # Several scales are averaged.
    assert lsgan_g_loss([ones, zeros]) == pytest.approx(0.5)


def test_cycle_and_identity_act_on_image_and_mask():
    x, m = torch.zeros(1, 3, 8, 8), torch.zeros(1, 1, 8, 8)
    assert cycle_loss(x, x, m, m) == 0
    assert cycle_loss(x + 0.5, x, m, m) == pytest.approx(0.5)
    assert cycle_loss(x, x, m + 1, m, mask_weight=2.0) == pytest.approx(2.0)
    assert identity_loss(x, x + 1) == pytest.approx(1.0)  # no masks: image term only


def test_inverse_centre_weight_is_low_in_the_middle_high_at_the_border():
    w = inverse_centre_weight((33, 33), floor=0.1)
    assert w.mean() == pytest.approx(1.0)
    assert w[16, 16] < w[16, 0] and w[16, 0] == pytest.approx(w[0, 0])
    assert w[16, 16] == w.min() and w[0, 0] == w.max()


def test_mask_boxes_and_patches():
    mask = torch.zeros(2, 1, 20, 30)
    mask[0, :, 5:10, 10:20] = 1
    boxes, valid = mask_boxes(mask, margin=0.0)
    assert valid.tolist() == [True, False]
    assert boxes[0].tolist() == [10, 5, 20, 10]
    image = torch.zeros(2, 3, 20, 30)
    image[0, :, 5:10, 10:20] = 1
    patches, _ = garment_patches(image, mask, size=(8, 8), margin=0.0)
    assert patches.shape == (2, 3, 8, 8)
    assert torch.allclose(patches[0, :, 1:-1, 1:-1], torch.ones(3, 6, 6), atol=1e-5)  # bilinear edges blend


def test_style_loss_zero_for_same_texture_and_positive_otherwise():
    g = torch.Generator().manual_seed(0)
    texture = torch.rand(1, 3, 12, 8, generator=g)
    source = torch.zeros(1, 3, 40, 40)
    source[:, :, 4:16, 4:12] = texture
    output = torch.zeros(1, 3, 40, 40, requires_grad=True)
    src_mask = torch.zeros(1, 1, 40, 40)
    src_mask[:, :, 4:16, 4:12] = 1
    out_mask = torch.zeros(1, 1, 40, 40)
    out_mask[:, :, 20:32, 24:32] = 1
    # Same texture, different place: the patches match after crop + resize.
    moved = torch.zeros(1, 3, 40, 40)
    moved[:, :, 20:32, 24:32] = texture
    assert style_loss(source, src_mask, moved, out_mask, size=(12, 8), margin=0.0) < 1e-6
    loss = style_loss(source, src_mask, output, out_mask, size=(12, 8))
    assert loss > 0.01
    loss.backward()
    assert output.grad[:, :, 20:32, 24:32].abs().sum() > 0 and output.grad[:, :, :18].abs().sum() == 0
    # An empty output mask makes the sample invalid: the term is 0 but still differentiable.
    empty = style_loss(source, src_mask, output, torch.zeros_like(out_mask))
    assert empty == 0 and empty.requires_grad


def test_style_loss_weights_the_border_more():
    source = torch.zeros(1, 3, 32, 32)
    mask = torch.ones(1, 1, 32, 32)
    centre_error = source.clone()
    centre_error[:, :, 12:20, 12:20] = 1
    border_error = source.clone()
    border_error[:, :, :4, :16] = 1  # 64 px too, at the border
    assert style_loss(source, mask, border_error, mask, size=(32, 32)) > 2 * style_loss(
        source, mask, centre_error, mask, size=(32, 32))


def test_reference_style_and_gram_losses():
    ref = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    image = torch.zeros(1, 3, 32, 32)
    image[:, :, 8:24, 8:24] = ref
    mask = torch.zeros(1, 1, 32, 32)
    mask[:, :, 8:24, 8:24] = 1
    assert reference_style_loss(ref, image, mask, margin=0.0) < 1e-6
    assert gram_texture_loss(ref, ref) == 0
    assert gram_texture_loss(ref, ref.flip(-1).roll(3, -2)) < gram_texture_loss(ref, torch.zeros_like(ref))


def test_skin_reference_visible_skin_then_swatch_then_skip():
    image = torch.zeros(3, 3, 10, 10)
    image[0, 0] = 0.6
    skin = torch.zeros(3, 1, 10, 10)
    skin[0, :, :5] = 1  # person 0 shows skin; persons 1 and 2 do not
    colour, valid = skin_reference_colour(image, skin)
    assert valid.tolist() == [True, False, False]
    assert colour[0].tolist() == pytest.approx([0.6, 0.0, 0.0])
    swatch = torch.tensor([0.5, 0.2, 0.1])
    colour, valid = skin_reference_colour(image, skin, fallback=swatch)
    assert valid.all() and colour[1].tolist() == pytest.approx(swatch.tolist())
    # Skin inside the edit region is not a reference (it may be what the generator paints).
    colour, valid = skin_reference_colour(image, skin, exclude=skin)
    assert not valid.any()


def test_skin_loss_on_exposed_region_only():
    source_mask = torch.zeros(2, 1, 10, 10)
    source_mask[:, :, 2:10] = 1  # trousers
    target_mask = torch.zeros(2, 1, 10, 10)
    target_mask[:, :, 2:6] = 1  # skirt: rows 6..9 are exposed
    region = exposed_region(source_mask, target_mask)
    assert region.sum() == 2 * 40
    reference = torch.tensor([[0.5, 0.2, 0.1], [0.5, 0.2, 0.1]])
    output = torch.zeros(2, 3, 10, 10)
    output[:, :, 6:] = reference[0][:, None, None]
    valid = torch.tensor([True, True])
    assert skin_loss(output, region, reference, valid) == pytest.approx(0.0)
    output[:, :, :6] = 9.0  # outside the exposed region: ignored
    assert skin_loss(output, region, reference, valid) == pytest.approx(0.0)
    output[1, :, 6:] = 0  # sample 1 now wrong by |ref|^2 = 0.3
    assert skin_loss(output, region, reference, valid) == pytest.approx(0.3 / 4)
    assert skin_loss(output, region, reference, torch.tensor([True, False])) == pytest.approx(0.0)
