"""Train the presence judge (issue 27, people not shapes): does the garment classifier's frame show a person?

Positives are the garment judge's CCP training frames; negatives CCP backgrounds and pictures without people
(:mod:`designgan.eval.garment_judge_presence`). The pictures here: drawn in code (scripts/no_person_photos.py,
seeds 1000+ to train and 2000+ held out; the validation set uses 100+ and the done-when set 0-6), procedural
textures (multi-scale noise in random palettes, some smeared along a direction like fur, grass or wood grain), and
graphics shipped in installed packages that are neither people nor animals nor any done-when / validation picture,
animals drawn in code (:func:`animal`: furred bodies, maned heads, legs standing on rock or grass, the shapes the
landmark network half-reads as a person) and, with ``--wheel``, the sample pictures shipped in a downloaded
scikit-image wheel (:data:`WHEEL_PICTURES`: a cat, a horse's silhouette, grass, gravel, bricks, coffee, a rocket,
motorcycles; read from the wheel file, nothing installed; no person among them).

    pip download --no-deps scikit-image==0.26.0 -d /tmp/skw
    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_presence.py --out runs/presence \\
        [--wheel /tmp/skw/scikit_image-0.26.0-*.whl] [--export src/designgan/weights/garment_presence.safetensors]
        [--set key=value ...]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from designgan.config import load_config
from designgan.eval.garment_judge_presence import train_presence
from designgan.eval.garment_judge_train import GarmentJudgeTrainConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from no_person_photos import KINDS, _site, drawn

# graphics from installed packages: charts, logos, icons (no people, no animals, none of no_person_photos' sets)
PACKAGE_GRAPHICS = ("networkx/drawing/tests/baseline/*.png", "gradio/media_assets/images/hf-logo_transpng.png")
# scikit-image's sample pictures without a person (its astronaut and cameraman are left out)
WHEEL_PICTURES = ("chelsea.png", "horse.png", "grass.png", "gravel.png", "brick.png", "coffee.png", "rocket.jpg",
                  "motorcycle_left.png", "motorcycle_right.png", "color.png", "coins.png", "moon.png")
SYSTEM_GRAPHICS = ("/usr/share/icons/Adwaita/512x512/devices/*.png", "/usr/share/doc/nodejs/contributing/doc_img/*.png")


def texture(seed: int, size: tuple[int, int] = (512, 768)) -> Image.Image:
    """Multi-scale noise in a random palette of 2-4 colours; half of them smeared along a random direction."""
    rng = np.random.default_rng(seed)
    w, h = size
    field = np.zeros((h, w))
    for octave in range(5):  # value noise: coarse to fine
        cells = 2 ** (octave + 2)
        coarse = rng.random((cells, max(2, cells * w // h)))
        field += np.asarray(Image.fromarray((coarse * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC),
                            dtype=np.float64) / 255.0 * 0.5 ** octave
    field = (field - field.min()) / max(np.ptp(field), 1e-6)
    palette = rng.integers(0, 256, (int(rng.integers(2, 5)), 3)).astype(np.float64)
    stops = np.linspace(0, 1, len(palette))
    rgb = np.stack([np.interp(field, stops, palette[:, c]) for c in range(3)], axis=-1)
    rgb += rng.normal(0, 12, rgb.shape)  # fine grain
    if rng.random() < 0.5:  # smeared along a direction (fur, grass, grain): a box blur along rotated rows
        angle, length = float(rng.uniform(0, 180)), int(rng.integers(8, 40))
        big = np.asarray(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).rotate(angle, expand=True),
                         dtype=np.float64)
        summed = np.cumsum(np.pad(big, ((0, 0), (length, 0), (0, 0)), mode="edge"), axis=1)
        big = (summed[:, length:] - summed[:, :-length]) / length
        turned = Image.fromarray(np.clip(big, 0, 255).astype(np.uint8)).rotate(-angle, expand=True)
        left, top = (turned.width - w) // 2 + length, (turned.height - h) // 2 + length  # inside the blurred edge
        inner = turned.crop((left, top, left + w - 2 * length, top + h - 2 * length)).resize((w, h), Image.BICUBIC)
        rgb = np.asarray(inner, dtype=np.float64) + rng.normal(0, 6, (h, w, 3))
    img = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    return img.convert("RGB")


def animal(seed: int, size: tuple[int, int] = (512, 768)) -> Image.Image:
    """A furred four-legged animal drawn in code on a textured ground: a body and a maned head filled with smeared
    fur texture (:func:`texture`, tawny, brown, grey or spotted), legs with paws, often seen from the front with the
    head high, as the landmark network mistakes them for a person's torso and legs."""
    rng = np.random.default_rng(seed)
    w, h = size
    ground_tint = np.array([rng.uniform(90, 200), rng.uniform(80, 180), rng.uniform(50, 140)])  # rock, grass, sand
    back = np.asarray(texture(seed + 50_000, size).convert("L"), dtype=np.float64)[..., None] / 255.0
    img = Image.fromarray(np.clip((0.5 + back) * ground_tint[None, None], 0, 255).astype(np.uint8))
    fur = np.asarray(texture(seed + 60_000, size).convert("L"), dtype=np.float64)[..., None] / 255.0
    tint = np.array([rng.uniform(150, 230), rng.uniform(100, 170), rng.uniform(40, 110)]) * rng.uniform(0.5, 1.1)
    fur_rgb = (0.4 + fur) * tint[None, None]
    if rng.random() < 0.3:  # spots
        spots = Image.new("L", size, 0)
        ds = ImageDraw.Draw(spots)
        for _ in range(200):
            x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(4, 12)
            ds.ellipse([x - r, y - r, x + r, y + r], fill=255)
        fur_rgb *= 1 - 0.8 * (np.asarray(spots, dtype=np.float64) / 255.0)[..., None]
    fur = Image.fromarray(np.clip(fur_rgb, 0, 255).astype(np.uint8))
    mask = Image.new("L", size, 0)
    d = ImageDraw.Draw(mask)
    cx, ground = rng.uniform(0.3, 0.7) * w, rng.uniform(0.8, 1.0) * h
    body_w, body_h = rng.uniform(0.35, 0.9) * w, rng.uniform(0.2, 0.4) * h
    body_y = ground - rng.uniform(0.25, 0.45) * h - body_h / 2
    d.ellipse([cx - body_w / 2, body_y - body_h / 2, cx + body_w / 2, body_y + body_h / 2], fill=255)
    for k in range(int(rng.integers(2, 5))):  # legs with paws
        lx = cx - body_w / 3 + k * body_w / 4 + rng.normal(0, 10)
        lw = rng.uniform(0.04, 0.09) * w
        d.polygon([(lx - lw / 2, body_y), (lx + lw / 2, body_y), (lx + lw / 2.5, ground), (lx - lw / 2.5, ground)],
                  fill=255)
        d.ellipse([lx - lw * 0.7, ground - lw * 0.6, lx + lw * 0.7, ground + lw * 0.3], fill=255)
    head_x = cx + rng.uniform(-0.3, 0.3) * body_w
    head_r, head_y = rng.uniform(0.1, 0.2) * w, body_y - body_h / 2 - rng.uniform(0.0, 0.15) * h
    mane = rng.uniform(1.0, 1.6)  # a mane or a plain head
    d.ellipse([head_x - head_r * mane, head_y - head_r * mane, head_x + head_r * mane, head_y + head_r * mane],
              fill=255)
    d.line([(cx + body_w / 2 * rng.choice([-1, 1]), body_y), (cx + body_w * 0.7 * rng.choice([-1, 1]), ground)],
           fill=255, width=int(rng.integers(6, 16)))  # a tail
    img.paste(fur, (0, 0), mask.filter(ImageFilter.GaussianBlur(2)))
    face = ImageDraw.Draw(img)
    for ex in (-0.35, 0.35):  # eyes and a nose
        face.ellipse([head_x + ex * head_r - 6, head_y - 0.2 * head_r - 4, head_x + ex * head_r + 6,
                      head_y - 0.2 * head_r + 4], fill=(30, 25, 10))
    face.polygon([(head_x - 0.15 * head_r, head_y + 0.25 * head_r), (head_x + 0.15 * head_r, head_y + 0.25 * head_r),
                  (head_x, head_y + 0.4 * head_r)], fill=(60, 30, 30))
    return img


def wheel_pictures(wheel: Path) -> list[tuple[str, Image.Image]]:
    """:data:`WHEEL_PICTURES` read from a scikit-image wheel file (a zip; nothing is installed)."""
    with zipfile.ZipFile(wheel) as zf:
        names = {Path(n).name: n for n in zf.namelist() if n.startswith("skimage/data/")}
        return [(f"skimage {name}", Image.open(io.BytesIO(zf.read(names[name]))).convert("RGB"))
                for name in WHEEL_PICTURES if name in names]


def graphics() -> list[tuple[str, Image.Image]]:
    out = []
    for pattern in PACKAGE_GRAPHICS:
        package, _, rel = pattern.partition("/")
        root = _site(package)
        if root is not None:
            out += [(f"{package} {p.name}", p) for p in sorted(root.glob(rel))]
    for pattern in SYSTEM_GRAPHICS:
        folder, _, glob = pattern.rpartition("/")
        out += [(p.name, p) for p in sorted(Path(folder).glob(glob))]
    return [(name, Image.alpha_composite(Image.new("RGBA", Image.open(p).size, (255, 255, 255, 255)),
                                         Image.open(p).convert("RGBA")).convert("RGB")) for name, p in out]


def pictures(seeds: range, with_graphics: bool) -> list[tuple[str, Image.Image]]:
    out = [(f"drawn {kind} (seed {s})", drawn(kind, s)) for s in seeds for kind in KINDS]
    out += [(f"texture (seed {s})", texture(s)) for s in seeds for _ in range(2)]
    out += [(f"animal (seed {s}{k})", animal(10 * s + k)) for s in seeds for k in range(3)]
    if with_graphics:
        out += graphics()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccp", type=Path, default=Path("../shared/datasets/ccp"))
    parser.add_argument("--out", type=Path, default=Path("runs/presence"))
    parser.add_argument("--config", type=Path, default=Path("configs/garment_judge_presence.yaml"))
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--landmarks-cache", type=Path, default=Path("runs/garment_judge2/ccp_landmarks.jsonl"))
    parser.add_argument("--export", type=Path, default=None)
    parser.add_argument("--per-seed", type=int, default=12, help="drawn pictures of each kind to train on")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--wheel", type=Path, default=None, help="a downloaded scikit-image wheel: train also on "
                        "its sample pictures without people")
    args = parser.parse_args()
    config = load_config(GarmentJudgeTrainConfig, args.config, args.overrides)
    train = pictures(range(1000, 1000 + args.per_seed), with_graphics=True)
    train += wheel_pictures(args.wheel) if args.wheel is not None else []
    held = pictures(range(2000, 2003), with_graphics=False)
    scores = train_presence(args.ccp, args.out, config, train, held, args.landmarks_cache, export_to=args.export,
                            resume=args.resume)
    print(json.dumps({k: v for k, v in scores.items() if k != "wrong"}, indent=1))
    print("wrong:", scores["wrong"])


if __name__ == "__main__":
    main()
