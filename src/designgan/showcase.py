"""`make demo`: run each shipped part of the pipeline on the bundled example photos and say what is missing."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image
from rich.console import Console

from designgan.imaging import contact_sheet
from designgan.io import ai_edit_metadata, load_image, save_png

console = Console(stderr=True)
ROW_HEIGHT = 412
# what each bundled example wears (assets/examples/README.md), so the demo translates it to the other category
EXAMPLE_GARMENTS = {"ccp_1005": "skirt", "ccp_1012": "skirt", "ccp_1045": "jeans", "ccp_1065": "jeans"}


def example_photos() -> list[Path]:
    folder = resources.files("designgan") / "assets" / "examples"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".jpg"))


def example_fabric(size: int = 256) -> Image.Image:
    """A tartan swatch drawn in code (no third-party picture to license): the demo's bundled fabric."""
    yy, xx = np.mgrid[0:size, 0:size]
    base = np.zeros((size, size, 3), dtype=np.float32)
    base[:] = (34, 70, 40)  # dark green ground
    for period, width, colour in ((64, 14, (150, 30, 40)), (64, 4, (230, 200, 80)), (32, 2, (20, 20, 60))):
        band_x = ((xx % period) < width)[..., None]
        band_y = ((yy % period) < width)[..., None]
        # Woven look: vertical and horizontal bands each show through on alternate twill diagonals.
        twill = (((xx + yy) // 2) % 2 == 0)[..., None]
        base = np.where(band_x & twill, colour, base)
        base = np.where(band_y & ~twill, colour, base)
    return Image.fromarray(base.astype(np.uint8))



def example_fabrics() -> list[Path]:
    folder = resources.files("designgan") / "assets" / "fabrics"
    if not folder.is_dir():
        return []
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".jpg", ".png")))


def run_showcase(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    photos = example_photos()
    images = [load_image(p) for p in photos]
    console.print(f"[green]read {len(photos)} bundled example photos[/] ({', '.join(p.name for p in photos)})")
    overlays = _landmarks(images, photos, out)
    translations = _translations(images, photos, out)
    rows = [images] + ([overlays] if overlays else []) + translations
    # The sheet holds AI edits as soon as it holds a translation, so it carries the same marking.
    meta = ai_edit_metadata("bundled models", "example garments", "other categories") if translations else None
    save_png(contact_sheet(rows, ROW_HEIGHT), out / "showcase.png", meta)
    console.print(f"[bold]wrote {out / 'showcase.png'}[/] (rows: photos"
                  f"{', landmarks' if overlays else ''}{', translations' if translations else ''})")


def _landmarks(images: list[Image.Image], photos: list[Path], out: Path) -> list[Image.Image]:
    from designgan.landmarks.predict import DEFAULT_WEIGHTS, LandmarkPredictor
    from designgan.landmarks.viz import draw_landmarks

    if not DEFAULT_WEIGHTS.is_file():
        console.print("[yellow]landmark model: not shipped in this checkout[/] - no landmark overlay")
        return []
    predictor = LandmarkPredictor.load()
    overlays = []
    for photo, image, result in zip(photos, images, predictor.predict_many(images), strict=True):
        overlay = draw_landmarks(image, result.array())
        save_png(overlay, out / f"{photo.stem}_landmarks.png")
        state = "person found" if result.person_found else "NO PERSON FOUND"
        console.print(f"  landmarks {photo.name}: {state} (confidence {result.person_confidence:.2f})")
        overlays.append(overlay)
    console.print(f"[green]landmark network ran on {len(images)} photos[/] -> {out}/*_landmarks.png")
    return overlays


def _translations(images: list[Image.Image], photos: list[Path], out: Path) -> list[list[Image.Image]]:
    """One row per bundled model (each photo wearing one of its categories to the other; an empty cell for the
    others, which it would refuse), plus the first model with a fabric."""
    from designgan.landmarks.garment_family import family_of
    from designgan.pipeline import DesignGANPipeline, bundled_models

    models = bundled_models()
    if not models:
        console.print("[yellow]translator: no trained model is shipped[/] - no garment translation; train one "
                      "with `designgan train --config configs/cpu_compare/designgan.yaml` and run "
                      "`designgan translate ... --model runs/cpu_compare/designgan`")
        return []
    # A fabric photo from assets/fabrics if one is bundled, else the tartan swatch drawn in code.
    fabric_files = example_fabrics()[:1]
    fabric_name, fabric = (fabric_files[0].stem, load_image(fabric_files[0])) if fabric_files else \
        ("tartan", example_fabric())
    rows = []
    for k, name in enumerate(models):
        pipe = DesignGANPipeline.from_pretrained(name)
        a, b = pipe.spec.domains
        for texture, suffix in [(None, "")] + ([(fabric, f"_{fabric_name}")] if k == 0 else []):
            row = []
            for photo, image in zip(photos, images, strict=True):
                worn = family_of(EXAMPLE_GARMENTS.get(photo.stem, b))
                if worn not in (family_of(a), family_of(b)):  # not this model's garment: it would refuse it
                    row.append(Image.new("RGB", image.size))  # an empty cell keeps the sheet's columns
                    continue
                target = a if worn == family_of(b) else b  # each photo to the model's other category
                result = pipe(image, to=target, texture=texture)
                save_png(result.image, out / f"{photo.stem}_{name}_to_{target}{suffix}.png", result.metadata())
                row.append(result.image)
            rows.append(row)
        console.print(f"[green]translated {len(images)} photos with '{name}'[/]"
                      + (f" (with and without the {fabric_name} fabric)" if k == 0 else ""))
    return rows
