import inspect

import pytest
import torch

from designgan.errors import ConfigError
from designgan.models import (
    ModelConfig,
    build_discriminator,
    build_generator,
    compose,
    create_model,
    edit_alpha,
    list_models,
    model_card,
)


def _inputs(b=2, h=37, w=26, a=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    image = torch.rand(b, 3, h, w, generator=g) * 2 - 1
    attention = torch.rand(b, a, h, w, generator=g)
    return image, attention


def test_registry_lists_and_rejects_unknown():
    assert {"designgan_generator", "designgan_discriminator", "cyclegan_resnet", "patchgan"} <= set(list_models())
    assert set(list_models("generator")) >= {"designgan_generator", "cyclegan_resnet"}
    assert "patchgan" not in list_models("generator")
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        create_model("nope")


def test_cards_say_what_each_model_takes_and_gives():
    ours, cyclegan = model_card("designgan_generator"), model_card("cyclegan_resnet")
    assert ours.attention and ours.mask_head and ours.texture
    assert not (cyclegan.attention or cyclegan.mask_head or cyclegan.texture)
    assert model_card("designgan_discriminator").attention and not model_card("patchgan").attention
    # every option a card lists is one its factory really takes
    for name in list_models():
        model = create_model(name)
        params = set(inspect.signature(type(model).__init__).parameters) - {"self"}
        assert set(model_card(name).options) <= params, name


@pytest.mark.parametrize("name, argument", [("cyclegan_resnet", "attention_channels"),
                                            ("cyclegan_resnet", "texture_channels"),
                                            ("patchgan", "n_scales"), ("designgan_generator", "ndf")])
def test_factories_refuse_arguments_they_cannot_use(name, argument):
    with pytest.raises(ValueError, match=f"model '{name}' does not take '{argument}'"):
        create_model(name, **{argument: 1})


def test_build_from_config_follows_the_cards():
    cyclegan = ModelConfig(generator="cyclegan_resnet", discriminator="patchgan", ngf=8, n_blocks=1, ndf=8)
    assert not cyclegan.takes_attention and not cyclegan.mask_head
    assert build_generator(cyclegan, attention=0).has_mask_head is False
    assert build_discriminator(cyclegan, attention=0).attention_channels == 0
    ours = ModelConfig(ngf=8, n_blocks=1, ndf=8, texture_channels=3)
    g = build_generator(ours, attention=4)
    assert g.attention_channels == 4 and g.texture_channels == 3 and g.has_mask_head
    assert build_discriminator(ours, attention=0).attention_channels == 1  # at least the garment mask
    with pytest.raises(ConfigError, match=r"model\.texture_channels.*takes no texture"):
        ModelConfig(generator="cyclegan_resnet", texture_channels=3).validate()
    with pytest.raises(ConfigError, match="unknown generator 'patchgan'"):
        ModelConfig(generator="patchgan").validate()


@pytest.mark.parametrize("shared", [False, True])
def test_generator_outputs_image_and_mask_at_input_size(shared):
    image, attention = _inputs()
    g = create_model("designgan_generator", attention_channels=5, ngf=8, n_blocks=1, shared_encoder=shared)
    out = g(image, attention)
    assert out.image.shape == image.shape
    assert out.mask_logits.shape == (2, 1, 37, 26)
    assert out.image.abs().max() <= 1
    assert ((out.mask >= 0) & (out.mask <= 1)).all()


def test_generator_uses_the_garment_region():
    # The garment encoder sees image * mask: changing pixels under the mask must change the output there.
    image, attention = _inputs(b=1)
    g = create_model("designgan_generator", attention_channels=5, ngf=8, n_blocks=1).eval()
    attention[:, 0] = 0
    attention[:, 0, 10:20, 5:15] = 1
    with torch.no_grad():
        base = g(image, attention).image
        attention2 = attention.clone()
        attention2[:, 0] = 0
        other = g(image, attention2).image
    assert not torch.allclose(base, other)


def test_generator_rejects_wrong_attention_channels():
    image, attention = _inputs(a=3)
    g = create_model("designgan_generator", attention_channels=5, ngf=8, n_blocks=1)
    with pytest.raises(ValueError, match="expected 5 attention channels"):
        g(image, attention)


def test_texture_conditioned_generator_needs_texture():
    image, attention = _inputs(a=2)
    g = create_model("designgan_generator", attention_channels=2, ngf=8, n_blocks=1, texture_channels=3)
    assert g(image, attention, texture=torch.rand(2, 3, 37, 26)).image.shape == image.shape
    with pytest.raises(ValueError, match="texture"):
        g(image, attention)


def test_discriminator_is_weighted_by_heatmaps():
    image, attention = _inputs(b=1, h=64, w=48)
    d = create_model("designgan_discriminator", attention_channels=5, ndf=8, n_scales=2).eval()
    with torch.no_grad():
        scores = d(image, attention)
        assert len(scores) == 2 and scores[0].shape[:2] == (1, 1) and scores[1].numel() < scores[0].numel()
        moved = attention.clone()
        moved[:, 1:] = moved[:, 1:].roll(10, dims=-1)  # same mask, heatmaps elsewhere
        assert not torch.allclose(scores[0], d(image, moved)[0])


def test_reference_cyclegan_models():
    image, _ = _inputs(b=1, h=64, w=48)
    g = create_model("cyclegan_resnet", ngf=8, n_blocks=2)
    out = g(image)
    assert out.image.shape == image.shape and out.mask_logits is None
    # 70x70 PatchGAN: 3 stride-2 convs then two stride-1 4x4 convs.
    d = create_model("patchgan", ndf=8)
    assert d(torch.zeros(1, 3, 256, 256))[0].shape == (1, 1, 30, 30)
    odd = torch.zeros(1, 3, 75, 49)
    assert g(odd).image.shape == odd.shape


def test_reference_cyclegan_parameter_count():
    # ResNet-9 ngf 64 has 11.378M parameters in the official implementation.
    g = create_model("cyclegan_resnet")
    assert sum(p.numel() for p in g.parameters()) == 11_378_179


def test_edit_alpha_is_exactly_zero_away_from_the_masks():
    source = torch.zeros(1, 1, 40, 30)
    source[:, :, 10:20, 10:20] = 1
    target = torch.zeros(1, 1, 40, 30)
    target[:, :, 25:30, 5:8] = 0.9
    alpha = edit_alpha(source, target, dilate=2, feather=2)
    assert alpha[0, 0, 12, 12] == 1 and alpha[0, 0, 27, 6] == 1
    # Support is the union dilated by dilate + feather = 4 px.
    assert alpha[0, 0, 5, 15] == 0 and alpha[0, 0, 6, 15] > 0
    assert alpha[0, 0, 0:5].eq(0).all()


def test_compose_copies_input_outside_edit_region_bit_for_bit():
    image, attention = _inputs(b=2, h=48, w=32)
    g = create_model("designgan_generator", attention_channels=5, ngf=8, n_blocks=1)
    source_mask = torch.zeros(2, 1, 48, 32)
    source_mask[:, :, 20:30, 8:24] = 1
    attention[:, :1] = source_mask
    out = g(image, attention)
    target_mask = torch.zeros_like(source_mask)
    target_mask[:, :, 30:40, 10:20] = 0.8  # e.g. a predicted skirt below the source garment
    alpha = edit_alpha(source_mask, target_mask, dilate=2, feather=2)
    composed = compose(image, out.image, alpha)
    outside = (alpha == 0).expand_as(image)
    assert outside.any()
    assert torch.equal(composed[outside], image[outside])
    inside = (alpha == 1).expand_as(image)
    assert torch.equal(composed[inside], out.image[inside])
    composed.mean().backward()  # gradients reach the generator through the edit region
    assert g.image_head[1].weight.grad.abs().sum() > 0


def test_bf16_channels_last_forward_backward():
    image, attention = _inputs(b=1, h=32, w=24)
    g = create_model("designgan_generator", attention_channels=5, ngf=8, n_blocks=1)
    g = g.to(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = g(image.contiguous(memory_format=torch.channels_last), attention)
    (out.image.float().mean() + out.mask_logits.float().mean()).backward()
    assert all(p.grad is not None for p in g.parameters() if p.requires_grad)


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("channels_last", [False, True])
def test_fast_instance_norm_matches_torch(batch, channels_last):
    from torch import nn

    from designgan.models.layers import InstanceNorm

    x = torch.randn(batch, 8, 9, 7) * 3 + 1
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    grad = torch.randn(batch, 8, 9, 7)  # contiguous, unlike x: the mixed-layout case
    y1, y2 = InstanceNorm(8)(x1), nn.InstanceNorm2d(8)(x2)
    assert torch.allclose(y1, y2, atol=1e-5)
    if channels_last:
        assert y1.is_contiguous(memory_format=torch.channels_last)
    y1.backward(grad)
    y2.backward(grad)
    assert torch.allclose(x1.grad, x2.grad, atol=1e-4)


def test_texture_tile_matches_the_pipeline_format():
    import numpy as np
    from PIL import Image

    from designgan.models import tile
    from designgan.pipeline import tile_texture

    rng = np.random.default_rng(0)
    fabric = rng.integers(0, 256, (10, 10, 3), dtype=np.uint8)  # one tile for a 40-px-high canvas (0.25)
    patch = torch.from_numpy(fabric).permute(2, 0, 1).float()[None] / 127.5 - 1
    for offset in [(0.0, 0.0), (0.3, 0.7)]:
        ours = tile(patch, (40, 26), offset)[0]
        theirs = tile_texture(Image.fromarray(fabric), (40, 26), offset=offset)
        assert torch.allclose(ours, theirs, atol=1e-6)


def test_garment_texture_comes_from_the_garment():
    from designgan.models import garment_texture

    image = -torch.ones(1, 3, 40, 30)
    mask = torch.zeros(1, 1, 40, 30)
    mask[:, :, 10:38, 6:24] = 1  # trousers: fabric colour 0.5, with a gap between the legs below the hips
    image[:, :, 10:38, 6:24] = 0.5
    mask[:, :, 20:38, 13:17] = 0
    image[:, :, 20:38, 13:17] = -1
    texture, valid = garment_texture(image, mask)
    assert valid.all() and texture.shape == (1, 3, 40, 30)
    assert torch.allclose(texture, torch.full_like(texture, 0.5), atol=1e-5)


@pytest.mark.parametrize("channels_last", [False, True])
def test_accelerator_instance_norm_path_matches_torch_in_values_and_gradients(channels_last):
    """The path InstanceNorm takes off the CPU (a fixed number of kernels, whatever the batch)."""
    from torch import nn

    from designgan.models.layers import _instance_norm_stats

    x = torch.randn(5, 8, 9, 7) * 3 + 1
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    grad = torch.randn(5, 8, 9, 7)
    y1, y2 = _instance_norm_stats(x1, 1e-5), nn.InstanceNorm2d(8)(x2)
    assert torch.allclose(y1, y2, atol=1e-5)
    y1.backward(grad)
    y2.backward(grad)
    assert torch.allclose(x1.grad, x2.grad, atol=1e-4)
    # bf16 in, bf16 out (statistics in fp32).
    assert _instance_norm_stats(x.bfloat16(), 1e-5).dtype == torch.bfloat16
