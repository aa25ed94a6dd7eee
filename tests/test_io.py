import numpy as np
import pytest
from PIL import Image

from designgan.errors import DataError
from designgan.io import ai_edit_metadata, atomic_path, image_size, load_image, read_image_metadata, save_png


def _write(img: Image.Image, path, **kwargs):
    img.save(path, **kwargs)
    return path


@pytest.mark.parametrize("mode", ["L", "RGBA", "CMYK", "P", "I;16", "LA", "1", "F"])
def test_any_mode_becomes_rgb(tmp_path, mode):
    base = Image.fromarray(np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8))
    if mode == "I;16":
        img = Image.fromarray((np.arange(600).reshape(20, 30) * 100).astype(np.uint16))
    elif mode == "F":
        img = Image.fromarray(np.linspace(0, 1, 600, dtype=np.float32).reshape(20, 30))
    else:
        img = base.convert(mode)
    fmt = "TIFF" if mode in ("CMYK", "F") else "PNG"
    path = _write(img, tmp_path / f"x.{fmt.lower()}", format=fmt)
    out = load_image(path)
    assert out.mode == "RGB" and out.size == (30, 20)


def test_sixteen_bit_keeps_range(tmp_path):
    img = Image.fromarray(np.full((10, 10), 65535, dtype=np.uint16))
    out = np.asarray(load_image(_write(img, tmp_path / "w.png")))
    assert out.min() == 255


def test_exif_orientation_is_applied(tmp_path):
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    path = tmp_path / "rot.jpg"
    img.save(path, exif=exif)
    assert load_image(path).size == (20, 40)
    assert image_size(path) == (20, 40)


def test_bad_files_give_one_line_errors(tmp_path):
    good = tmp_path / "good.jpg"
    Image.new("RGB", (64, 64), (1, 2, 3)).save(good)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[:200])
    fake = tmp_path / "fake.png"
    fake.write_text("not an image at all")
    tiny = _write(Image.new("RGB", (1, 1)), tmp_path / "tiny.png")
    for path, needle in [(truncated, "not a readable image"), (fake, "not a readable image"),
                         (tiny, "smaller than"), (tmp_path / "missing.png", "file not found")]:
        with pytest.raises(DataError) as info:
            load_image(path)
        assert str(path) in str(info.value) and needle in str(info.value) and "\n" not in str(info.value)


def test_pixel_limit(tmp_path):
    path = _write(Image.new("L", (400, 300)), tmp_path / "big.png")
    with pytest.raises(DataError, match="above the limit"):
        load_image(path, max_pixels=100_000)


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.bin"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_png_carries_ai_edit_metadata(tmp_path):
    path = tmp_path / "o.png"
    save_png(Image.new("RGB", (8, 8)), path, ai_edit_metadata("jeans2skirt", "jeans", "skirt"))
    with Image.open(path) as img:
        text, xmp = img.text, img.info["xmp"]
    assert text["AI-Edit"] == "true" and text["DesignGAN-Edit"] == "jeans -> skirt"
    # the same XMP as JPEG and WebP: IPTC's digital-source type for an AI edit, and the description
    assert b"compositeWithTrainedAlgorithmicMedia" in xmp and b"from jeans to skirt" in xmp
    assert "XML:com.adobe.xmp" not in read_image_metadata(path)


def test_atomic_outputs_get_the_usual_file_mode(tmp_path):
    import os

    path = tmp_path / "mode.png"
    save_png(Image.new("RGB", (8, 8)), path)
    mask = os.umask(0)
    os.umask(mask)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~mask)
