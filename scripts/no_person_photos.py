"""Photos without people, for the "people, not shapes" checks (issue 27): drawn in code, and shipped in installed
wheels (Gradio's and Matplotlib's sample pictures, which sit in every environment with the app extra).

``drawn(kind, seed)`` draws a landscape, a still life of objects, a city skyline, an abstract pattern, a
texture of leaves, a seascape or a room interior (numpy + PIL, no file read). The validation set
(:func:`validation_photos`: drawn with seeds 100+, plus the package pictures below) chose the pipeline's person
score (scripts/person_score.py); the done-when set (:func:`done_when_photos`: seeds 0-6 plus the animal and tower
photos) is never used for choosing anything.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

KINDS = ("landscape", "still_life", "skyline", "pattern", "leaves", "seascape", "room")


def _site(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    return None if spec is None or spec.origin is None else Path(spec.origin).parent


def _package_photos(relative: dict[str, str]) -> list[tuple[str, Path]]:
    out = []
    for name, rel in relative.items():
        package, _, path = rel.partition("/")
        root = _site(package)
        if root is not None and (root / path).is_file():
            out.append((name, root / path))
    return out


# done-when photos from wheels: animals and a building (Gradio's media assets and test data)
DONE_WHEEL = {"gradio cheetah1.jpg": "gradio/media_assets/images/cheetah1.jpg",
              "gradio cheetah.jpg": "gradio/media_assets/images/cheetah.jpg",
              "gradio lion.jpg": "gradio/media_assets/images/lion.jpg",
              "gradio cheetah2.jpg": "gradio/test_data/cheetah2.jpg",
              "gradio tower.jpg": "gradio/media_assets/images/tower.jpg"}
# validation pictures from wheels: objects and drawings, no animals
VALIDATION_WHEEL = {"matplotlib Minduka_Present_Blue_Pack.png": "matplotlib/mpl-data/sample_data/"
                    "Minduka_Present_Blue_Pack.png",
                    "matplotlib logo2.png": "matplotlib/mpl-data/sample_data/logo2.png",
                    "gradio test_image.png": "gradio/test_data/test_image.png",
                    "gradio bus.png": "gradio/media_assets/images/bus.png"}


def drawn(kind: str, seed: int, size: tuple[int, int] = (512, 768)) -> Image.Image:
    """A photo-like picture of ``kind`` (:data:`KINDS`) without people, ``size`` = (width, height)."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = Image.new("RGB", size)
    d = ImageDraw.Draw(img)
    sky = rng.integers(90, 230, 3)
    for y in range(h):  # a vertical gradient as the ground of every kind
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(c * (1 - 0.6 * t)) for c in sky))
    if kind == "landscape":
        for k in range(3):  # ridges of hills
            base = h * (0.45 + 0.15 * k)
            xs = np.linspace(0, w, 12)
            ys = base + rng.normal(0, h * 0.05, 12)
            d.polygon([(0, h), *zip(xs.tolist(), ys.tolist(), strict=True), (w, h)],
                      fill=tuple(int(v) for v in rng.integers(30, 140, 3)))
        for _ in range(8):  # trees
            x, y = rng.uniform(0, w), rng.uniform(0.6 * h, 0.95 * h)
            r = rng.uniform(10, 40)
            d.rectangle([x - r / 6, y, x + r / 6, y + r * 1.5], fill=(70, 45, 20))
            d.ellipse([x - r, y - r * 1.5, x + r, y + r * 0.3], fill=(30, int(rng.integers(90, 160)), 40))
    elif kind == "still_life":
        d.rectangle([0, 0.65 * h, w, h], fill=(120, 80, 50))  # a table
        for _ in range(5):  # bottles, bowls, fruit
            x, wd, ht = rng.uniform(0.1 * w, 0.9 * w), rng.uniform(30, 90), rng.uniform(60, 260)
            colour = tuple(int(v) for v in rng.integers(20, 255, 3))
            if rng.random() < 0.5:
                d.rectangle([x - wd / 2, 0.68 * h - ht, x + wd / 2, 0.68 * h], fill=colour)
                d.rectangle([x - wd / 6, 0.68 * h - ht - 40, x + wd / 6, 0.68 * h - ht], fill=colour)
            else:
                d.ellipse([x - wd, 0.68 * h - wd, x + wd, 0.68 * h + wd / 3], fill=colour)
    elif kind == "skyline":
        x = 0.0
        while x < w:  # buildings with windows
            bw, bh = rng.uniform(40, 110), rng.uniform(0.2, 0.8) * h
            shade = int(rng.integers(40, 120))
            d.rectangle([x, h - bh, x + bw, h], fill=(shade, shade, shade + 20))
            for wy in np.arange(h - bh + 10, h - 10, 22):
                for wx in np.arange(x + 6, x + bw - 10, 16):
                    if rng.random() < 0.6:
                        d.rectangle([wx, wy, wx + 8, wy + 12], fill=(240, 220, 120))
            x += bw + rng.uniform(2, 12)
    elif kind == "pattern":
        for _ in range(40):
            x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
            r = rng.uniform(10, 120)
            colour = tuple(int(v) for v in rng.integers(0, 255, 3))
            shape = rng.integers(0, 3)
            if shape == 0:
                d.ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=colour)
            elif shape == 1:
                d.rectangle([x0 - r, y0 - r / 2, x0 + r, y0 + r / 2], fill=colour)
            else:
                d.polygon([(x0, y0 - r), (x0 + r, y0 + r), (x0 - r, y0 + r)], fill=colour)
    elif kind == "leaves":
        for _ in range(300):
            x0, y0, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(8, 30)
            g = int(rng.integers(60, 200))
            d.ellipse([x0 - r, y0 - r / 2.5, x0 + r, y0 + r / 2.5], fill=(int(g * 0.4), g, int(g * 0.3)))
    elif kind == "seascape":
        d.rectangle([0, 0.5 * h, w, h], fill=(20, 60, 120))
        for y in np.arange(0.5 * h, h, 9):  # waves
            d.line([(0, y), (w, y + rng.uniform(-4, 4))], fill=(60, 110, 170), width=2)
        d.ellipse([0.6 * w, 0.15 * h, 0.75 * w, 0.15 * h + 0.15 * w], fill=(250, 220, 120))  # sun
        d.polygon([(0.2 * w, 0.5 * h), (0.3 * w, 0.35 * h), (0.4 * w, 0.5 * h)], fill=(90, 80, 70))  # a rock
    elif kind == "room":
        d.rectangle([0, 0.7 * h, w, h], fill=(150, 110, 80))  # floor
        d.rectangle([0.1 * w, 0.15 * h, 0.45 * w, 0.45 * h], fill=(180, 210, 240))  # a window
        d.rectangle([0.55 * w, 0.45 * h, 0.95 * w, 0.75 * h], fill=(110, 40, 40))  # a sofa
        d.rectangle([0.55 * w, 0.35 * h, 0.95 * w, 0.5 * h], fill=(130, 50, 50))
        d.rectangle([0.2 * w, 0.55 * h, 0.35 * w, 0.8 * h], fill=(60, 40, 20))  # a lamp's stand
        d.polygon([(0.15 * w, 0.55 * h), (0.4 * w, 0.55 * h), (0.3 * w, 0.45 * h), (0.25 * w, 0.45 * h)],
                  fill=(240, 230, 200))
    else:
        raise ValueError(f"unknown kind {kind!r} (choose {', '.join(KINDS)})")
    noise = rng.normal(0, 6, (h, w, 3))  # sensor noise, so it is not flat colour
    arr = np.clip(np.asarray(img.filter(ImageFilter.GaussianBlur(1.2)), dtype=np.float64) + noise, 0, 255)
    return Image.fromarray(arr.astype(np.uint8))


def done_when_photos() -> list[tuple[str, Image.Image]]:
    """The 12 photos without people of the done-when table: 7 drawn (seeds 0-6), 5 from Gradio's wheel."""
    photos = [(f"drawn {kind} (seed {seed})", drawn(kind, seed)) for seed, kind in enumerate(KINDS)]
    photos += [(name, Image.open(path).convert("RGB")) for name, path in _package_photos(DONE_WHEEL)]
    return photos


def validation_photos(per_kind: int = 3) -> list[tuple[str, Image.Image]]:
    """Photos without people for choosing thresholds: drawn with seeds 100+ and objects from installed wheels."""
    photos = [(f"drawn {kind} (seed {100 + k})", drawn(kind, 100 + k)) for kind in KINDS for k in range(per_kind)]
    photos += [(name, Image.open(path).convert("RGB")) for name, path in _package_photos(VALIDATION_WHEEL)]
    return photos
