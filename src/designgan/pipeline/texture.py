"""The new garment's texture: the fabric as a generator input, and test-time refinement with the style loss.

A generator trained with ``texture_channels`` reads the fabric tiled over the canvas (:func:`tile_texture`); for
any generator, :func:`refine_texture` runs a few steps of test-time refinement with the paper's style loss against
the fabric, or against the person's own source garment (:func:`source_texture_patch`).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from PIL import Image

from designgan.losses.style import crop_grid, crop_resize, mask_boxes
from designgan.models.texture import garment_square_boxes, tile


def tile_texture(fabric: Image.Image, size: tuple[int, int], tile_height: float = 0.25,
                 offset: tuple[float, float] = (0.0, 0.0)) -> torch.Tensor:
    """A fabric photo tiled over a (3, h, w) canvas in [-1, 1]: the generator's texture conditioning input.

    The fabric's central square (the largest one) becomes one tile ``tile_height * h`` pixels high, repeated from
    ``offset`` (fractions of a tile) by :func:`designgan.models.texture.tile`, the function training tiles garment
    patches with (training cuts its tiles from the garments in the batch, not from a fabric photo).
    """
    h, _ = size
    side = min(fabric.size)
    left, top = (fabric.width - side) // 2, (fabric.height - side) // 2
    tile_px = max(2, round(tile_height * h))
    square = fabric.crop((left, top, left + side, top + side)).resize((tile_px, tile_px), Image.BILINEAR)
    patch = torch.from_numpy(np.asarray(square, dtype=np.uint8).copy()).permute(2, 0, 1).float() / 127.5 - 1
    return tile(patch[None], size, offset)[0]


def fabric_patch(fabric: Image.Image, size: tuple[int, int]) -> torch.Tensor:
    """The fabric as a style reference patch (1, 3, h, w) in [-1, 1]: its centre crop at the patch's aspect."""
    h, w = size
    fw, fh = fabric.size
    scale = min(fw / w, fh / h)
    cw, ch = max(1, round(w * scale)), max(1, round(h * scale))
    left, top = (fw - cw) // 2, (fh - ch) // 2
    patch = fabric.crop((left, top, left + cw, top + ch)).resize((w, h), Image.BILINEAR)
    return torch.from_numpy(np.asarray(patch, dtype=np.uint8).copy()).permute(2, 0, 1)[None].float() / 127.5 - 1


def source_texture_patch(image: torch.Tensor, garment: torch.Tensor, size: tuple[int, int]) -> torch.Tensor | None:
    """The source garment's own texture as a style reference patch (1, 3, h, w): the fabric square at the top
    centre of the garment (:func:`designgan.models.texture.garment_square_boxes`, the square training cuts fabric
    from: the hips, which trousers and skirts cover alike) tiled over the patch, two tiles high. (The centre of
    the garment's box, used before, falls between the legs of trousers: background, not fabric.)
    ``image``: (3, H, W) in [-1, 1]; ``garment``: (1, H, W) mask. None when the garment is too small to sample."""
    if int((garment > 0.5).sum()) < 16:
        return None
    squares, _ = garment_square_boxes(garment[None].float())
    side = max(2, round(size[0] / 2))
    square = crop_resize(image[None].float(), squares, (side, side))
    return tile(square, size).clamp(-1, 1)


def patch_operator(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The garment patch of :func:`designgan.losses.style.garment_patches` as a sparse (h*w, H*W) COO matrix.

    ``mask``: (1, 1, H, W). The patch is a fixed linear function of the image (the box comes from the mask alone):
    bilinear samples (``grid_sample``, border padding, ``align_corners=False``) on a grid ``k`` times finer than
    the patch, averaged over k x k. Row ``i`` holds the weights of patch pixel ``i`` over the image pixels
    (row-major).
    """
    _, _, height, width = mask.shape
    h, w = size
    boxes, _ = mask_boxes(mask)
    grid, k = crop_grid(boxes, (height, width), size)
    gx, gy = grid[0, ..., 0].reshape(-1).cpu(), grid[0, ..., 1].reshape(-1).cpu()
    # grid_sample's unnormalisation and border clamp, then its four bilinear taps (an out-of-range tap has weight 0)
    ix = (((gx + 1) * width - 1) / 2).clamp(0, width - 1)
    iy = (((gy + 1) * height - 1) / 2).clamp(0, height - 1)
    x0, y0 = ix.floor(), iy.floor()
    tx, ty = ix - x0, iy - y0
    x0i, y0i = x0.long(), y0.long()
    x1i, y1i = (x0i + 1).clamp(max=width - 1), (y0i + 1).clamp(max=height - 1)
    cols = torch.cat([y0i * width + x0i, y0i * width + x1i, y1i * width + x0i, y1i * width + x1i])
    values = torch.cat([(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty]) / (k * k)
    # sample (r, c) of the fine grid belongs to patch pixel (r // k, c // k)
    r = torch.arange(h * k).repeat_interleave(w * k) // k
    c = torch.arange(w * k).repeat(h * k) // k
    rows = (r * w + c).repeat(4)
    return torch.sparse_coo_tensor(torch.stack([rows, cols]), values, (h * w, height * width),
                                   check_invariants=False).coalesce()


def refine_texture(base: torch.Tensor, mask: torch.Tensor, reference: torch.Tensor, weight: torch.Tensor,
                   steps: int, lr: float, noise: torch.Tensor, betas: tuple[float, float] = (0.9, 0.999),
                   eps: float = 1e-8) -> torch.Tensor:
    """Test-time texture refinement of one output: ``clamp(base + residual * mask)`` with the residual (started at
    ``noise``) fitted by ``steps`` Adam steps to the style loss
    (:func:`designgan.losses.style.reference_style_loss`) against ``reference``.

    The same optimisation as autograd + ``torch.optim.Adam`` on that loss (a test compares them), with the
    gradient written out: the garment patch is a fixed sparse linear map of the image (:func:`patch_operator`),
    and only the garment pixels move (elsewhere the residual is multiplied by 0, so its gradient is 0 and Adam
    leaves it at the noise). Each step is two small sparse products and a few element-wise operations on the
    garment pixels instead of a graph of small ops over the whole image.
    ``base``: (1, 3, H, W) in [-1, 1]; ``mask``: (1, 1, H, W) in {0, 1}; ``reference``: (1, 3, h, w).
    """
    _, c, height, width = base.shape
    h, w = reference.shape[-2:]
    device = base.device
    flat = base.reshape(c, -1).t()  # (H*W, C): the layout the sparse products want
    inside_mask = mask.reshape(-1) > 0.5
    where = torch.nonzero(inside_mask).squeeze(1)
    op = patch_operator(mask, (h, w))
    rows, cols = op.indices()
    values = op.values()
    # The pixels outside the garment are constant: their share of the patch is computed once.
    position = torch.full((height * width,), -1, dtype=torch.long)
    position[where.cpu()] = torch.arange(where.numel())
    moving = position[cols] >= 0
    fixed = torch.sparse_coo_tensor(torch.stack([rows[~moving], cols[~moving]]), values[~moving],
                                    op.shape, check_invariants=False).to(device)
    constant = fixed @ flat.clamp(-1, 1) if bool((~moving).any()) else torch.zeros(h * w, c, device=device)
    op_m = torch.sparse_coo_tensor(torch.stack([rows[moving], position[cols[moving]]]), values[moving],
                                   (h * w, where.numel()), check_invariants=False).coalesce()
    with warnings.catch_warnings():  # CSR (25x faster products than COO here) is "beta" in torch and says so
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        op_mt = op_m.t().coalesce().to_sparse_csr().to(device)
        op_m = op_m.to_sparse_csr().to(device)
    x0 = flat.index_select(0, where)
    target = reference.float().reshape(c, -1).t().to(device) - constant
    # d loss / d patch = weight * (patch - ref) / (h * w)  (the loss is 1/2 * sum_c mean_ij weight * diff^2)
    scale = (weight.reshape(-1, 1) / (h * w)).float().to(device)
    residual = noise.reshape(c, -1).t().index_select(0, where).to(device)
    exp_avg, exp_avg_sq = torch.zeros_like(residual), torch.zeros_like(residual)
    beta1, beta2 = betas
    for step in range(1, steps + 1):
        x = x0 + residual
        inside = (x >= -1) & (x <= 1)  # clamp passes the gradient only here
        grad = (op_mt @ (scale * (op_m @ x.clamp(-1, 1) - target))).mul_(inside)
        # torch.optim.Adam's update (no weight decay, no amsgrad)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        denom = (exp_avg_sq.sqrt() / math.sqrt(1 - beta2 ** step)).add_(eps)
        residual.addcdiv_(exp_avg, denom, value=-lr / (1 - beta1 ** step))
    out = base.reshape(c, -1).t().clone()
    out[where] = x0 + residual
    return out.clamp_(-1, 1).t().reshape(1, c, height, width)
