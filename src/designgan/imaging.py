"""Small image-composition helpers shared by the previews, the showcase and the translate grids."""

from __future__ import annotations

from PIL import Image


def fit_height(image: Image.Image, height: int) -> Image.Image:
    """``image`` scaled to ``height`` pixels, aspect kept."""
    if image.height == height:
        return image
    return image.resize((max(1, round(image.width * height / image.height)), height), Image.BILINEAR)


def contact_sheet(rows: list[list[Image.Image]], height: int,
                  background: tuple[int, int, int] = (0, 0, 0)) -> Image.Image:
    """Rows of images, each scaled to ``height``, pasted left to right and top to bottom."""
    scaled = [[fit_height(im, height) for im in row] for row in rows if row]
    sheet = Image.new("RGB", (max(sum(t.width for t in row) for row in scaled), height * len(scaled)), background)
    for y, row in enumerate(scaled):
        x = 0
        for tile in row:
            sheet.paste(tile, (x, y * height))
            x += tile.width
    return sheet
