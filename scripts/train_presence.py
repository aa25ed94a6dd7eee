"""Train the presence judge (issue 27, people not shapes): does the garment classifier's frame show a person?

Positives are the garment judge's CCP training frames; negatives CCP backgrounds and pictures without people
(:mod:`designgan.eval.garment_judge_presence`). The pictures here: drawn in code (scripts/no_person_photos.py,
seeds 1000+ to train and 2000+ held out; the validation set uses 100+ and the done-when set 0-6), procedural
textures (multi-scale noise in random palettes, some smeared along a direction like fur, grass or wood grain), and
graphics shipped in installed packages that are neither people nor animals nor any done-when / validation picture.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/train_presence.py --out runs/presence \\
        [--export src/designgan/weights/garment_presence.safetensors] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from designgan.config import load_config
from designgan.eval.garment_judge_presence import train_presence
from designgan.eval.garment_judge_train import GarmentJudgeTrainConfig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from no_person_photos import KINDS, _site, drawn

# graphics from installed packages: charts, logos, icons (no people, no animals, none of no_person_photos' sets)
PACKAGE_GRAPHICS = ("networkx/drawing/tests/baseline/*.png", "gradio/media_assets/images/hf-logo_transpng.png")
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
    args = parser.parse_args()
    config = load_config(GarmentJudgeTrainConfig, args.config, args.overrides)
    train = pictures(range(1000, 1000 + args.per_seed), with_graphics=True)
    held = pictures(range(2000, 2003), with_graphics=False)
    scores = train_presence(args.ccp, args.out, config, train, held, args.landmarks_cache, export_to=args.export,
                            resume=args.resume)
    print(json.dumps({k: v for k, v in scores.items() if k != "wrong"}, indent=1))
    print("wrong:", scores["wrong"])


if __name__ == "__main__":
    main()
