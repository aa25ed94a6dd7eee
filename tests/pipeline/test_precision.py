"""Precision and device choice (``precision: auto``) and the written-out texture refinement of the pipeline."""

from __future__ import annotations

import pytest
import torch

from designgan import hardware
from designgan.errors import ConfigError
from designgan.losses.style import garment_patches, inverse_centre_weight, reference_style_loss
from designgan.pipeline import DesignGANPipeline, patch_operator, refine_texture

from .conftest import tiny_parts

CPU = torch.device("cpu")


@pytest.fixture
def cpu_with(monkeypatch):
    """Pretend the CPU reports the given feature flags (and no DESIGNGAN_CPU_BF16 override is set)."""
    monkeypatch.delenv("DESIGNGAN_CPU_BF16", raising=False)

    def fake(*flags: str) -> None:
        monkeypatch.setattr(hardware, "cpu_flags", lambda: frozenset({"avx2", "fma", *flags}))

    return fake


@pytest.mark.parametrize(("flags", "expected"), [
    ((), "fp32"),
    (("avx512f", "avx512_vnni"), "fp32"),  # Cascade Lake: VNNI is int8, not bf16 -> bf16 autocast was 2.4x slower
    (("avx512f", "avx512_bf16"), "bf16"),  # AMD Zen 4 / Cooper Lake
    (("amx_bf16", "amx_tile"), "bf16"),  # Sapphire Rapids and later
])
def test_auto_is_bf16_only_on_cpus_with_native_bf16(cpu_with, flags, expected):
    cpu_with(*flags)
    assert hardware.resolve_precision("auto", CPU) == expected
    assert hardware.resolve_precision("fp32", CPU) == "fp32" and hardware.resolve_precision("bf16", CPU) == "bf16"


def test_env_override_forces_the_cpu_answer(cpu_with, monkeypatch):
    cpu_with("amx_bf16")
    monkeypatch.setenv("DESIGNGAN_CPU_BF16", "0")
    assert hardware.resolve_precision("auto", CPU) == "fp32"
    cpu_with()
    monkeypatch.setenv("DESIGNGAN_CPU_BF16", "1")
    assert hardware.resolve_precision("auto", CPU) == "bf16"
    monkeypatch.setenv("DESIGNGAN_CPU_BF16", "yes")  # not 0/1: the flags decide
    assert hardware.resolve_precision("auto", CPU) == "fp32"


def test_cuda_auto_follows_the_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert hardware.resolve_precision("auto", torch.device("cuda")) == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert hardware.resolve_precision("auto", torch.device("cuda")) == "fp32"


def test_unknown_precision_is_a_clear_error(run_dir):
    with pytest.raises(ConfigError, match="precision"):
        hardware.resolve_precision("fp16", CPU)
    with pytest.raises(Exception, match="precision must be"):
        DesignGANPipeline.from_pretrained(run_dir, precision="fp16")


@pytest.mark.parametrize(("override", "precision", "dtype"), [("0", "fp32", torch.float32),
                                                              ("1", "bf16", torch.bfloat16)])
def test_pipeline_auto_precision(run_dir, pipeline_dir, jeans_photo, monkeypatch, override, precision, dtype):
    """auto -> fp32 generator weights and a plain fp32 landmark network without native bf16; bf16 with it."""
    monkeypatch.setenv("DESIGNGAN_CPU_BF16", override)
    pipe = DesignGANPipeline.from_pretrained(run_dir, device="cpu", **tiny_parts())
    assert pipe.precision_choice == "auto" and pipe.precision == precision
    assert all(p.dtype == dtype for g in pipe.generators.values() for p in g.parameters())
    assert f"precision auto -> {precision} (forced by DESIGNGAN_CPU_BF16={override})" in pipe.describe()
    assert "device cpu" in pipe.describe()
    loaded = DesignGANPipeline.from_pretrained(pipeline_dir, device="cpu")  # its landmark network from a file
    assert loaded.landmarks.bf16 is (precision == "bf16")
    path, points, _ = jeans_photo
    out = pipe(path, to="skirt", landmarks=[points], keep_texture=False)
    assert out.edit_region.any()
    explicit = DesignGANPipeline.from_pretrained(run_dir, precision="fp32", device="cpu")
    assert explicit.precision_choice == explicit.precision == "fp32"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_pipeline_runs_on_cuda(run_dir, jeans_photo):
    path, points, _ = jeans_photo
    pipe = DesignGANPipeline.from_pretrained(run_dir, device="cuda")
    assert pipe.precision == "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    assert next(pipe.generators["G_AB"].parameters()).is_cuda
    out = pipe(path, to="skirt", landmarks=[points])
    assert out.edit_region.any()


# ---------------------------------------------------------------------------------------------------------------
# Texture refinement: the written-out gradient equals autograd + torch.optim.Adam
# ---------------------------------------------------------------------------------------------------------------


def _blob_mask(h: int, w: int, box: tuple[int, int, int, int]) -> torch.Tensor:
    y, x = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    x0, y0, x1, y1 = box
    cy, cx, ry, rx = (y0 + y1) / 2, (x0 + x1) / 2, (y1 - y0) / 2, (x1 - x0) / 2
    return ((((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2) <= 1).float()[None, None]


@pytest.mark.parametrize(("box", "size"), [((10, 20, 50, 110), (48, 32)),  # box > patch: k = 3 fine samples
                                           ((30, 40, 45, 60), (16, 12)),  # small garment
                                           ((0, 0, 88, 132), (48, 32))])  # touching every border
def test_patch_operator_is_the_garment_patch(box, size):
    torch.manual_seed(0)
    mask = _blob_mask(132, 88, box)
    image = torch.rand(1, 3, 132, 88) * 2 - 1
    expected, _ = garment_patches(image, mask, size)
    op = patch_operator(mask, size)
    got = (op @ image.reshape(3, -1).t()).t().reshape(1, 3, *size)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def _autograd_refine(base, mask, reference, weight, steps, lr, noise):
    """The refinement as first written: autograd through the style loss, torch.optim.Adam."""
    residual = noise.clone().requires_grad_(True)
    opt = torch.optim.Adam([residual], lr=lr)
    for _ in range(steps):
        loss = reference_style_loss(reference, (base + residual * mask).clamp(-1, 1), mask, weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (base + residual.detach() * mask).clamp(-1, 1)


@pytest.mark.parametrize("saturated", [False, True])
def test_refine_texture_matches_autograd_and_adam(saturated):
    torch.manual_seed(1)
    mask = _blob_mask(66, 44, (8, 10, 40, 60))
    base = torch.rand(1, 3, 66, 44) * 2 - 1
    if saturated:  # pixels at the clamp limits: the clamp's gradient gate matters
        base = (base * 1.5).clamp(-1, 1)
    reference = torch.rand(1, 3, 24, 16) * 2 - 1
    weight = inverse_centre_weight((24, 16), 0.2, 2.0)
    noise = torch.randn(base.shape) * 1e-3
    expected = _autograd_refine(base, mask, reference, weight, 20, 0.05, noise)
    got = refine_texture(base, mask, reference, weight, 20, 0.05, noise)
    torch.testing.assert_close(got, expected, atol=2e-5, rtol=0)
    outside = mask.expand_as(base) == 0
    assert torch.equal(got[outside], base.clamp(-1, 1)[outside])  # only the garment pixels move
    assert reference_style_loss(reference, got, mask, weight) < reference_style_loss(reference, base, mask, weight)


def test_inference_thread_default(monkeypatch):
    from designgan.pipeline import files as pipeline_cli  # where translate's default lives

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    for cpus, expected in ((1, 1), (2, 1), (16, 8), (32, 16)):
        monkeypatch.setattr(pipeline_cli.os, "sched_getaffinity", lambda _pid, n=cpus: set(range(n)), raising=False)
        assert pipeline_cli.inference_threads() == expected
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the user's choice wins
    assert pipeline_cli.inference_threads() == torch.get_num_threads()
