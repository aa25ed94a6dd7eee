"""Property-based checks: any size, mode, format or corruption gives an RGB image or one clear DataError."""

import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from designgan.errors import DataError
from designgan.io import MIN_SIDE, load_image

MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"]
FORMATS = {"PNG": ".png", "TIFF": ".tif", "JPEG": ".jpg", "BMP": ".bmp", "WEBP": ".webp"}


def _make(mode: str, w: int, h: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    if mode == "I;16":
        return Image.fromarray(rng.integers(0, 65535, (h, w), dtype=np.uint16))
    if mode == "I":
        return Image.fromarray(rng.integers(0, 70000, (h, w)).astype(np.int32))
    if mode == "F":
        return Image.fromarray(rng.random((h, w), dtype=np.float32))
    return Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).convert(mode)


def _encodable(mode: str, fmt: str) -> bool:
    if fmt == "JPEG":
        return mode in ("L", "RGB", "CMYK")
    if fmt in ("BMP", "WEBP"):
        return mode in ("1", "L", "P", "RGB", "RGBA") if fmt == "BMP" else mode in ("RGB", "RGBA")
    if fmt == "PNG":
        return mode not in ("CMYK", "F")
    return True


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mode=st.sampled_from(MODES), fmt=st.sampled_from(sorted(FORMATS)), w=st.integers(1, 48),
       h=st.integers(1, 48), seed=st.integers(0, 1000), orientation=st.sampled_from([1, 3, 6, 8]))
def test_any_image_loads_as_rgb_or_fails_clearly(tmp_path, mode, fmt, w, h, seed, orientation):
    if not _encodable(mode, fmt):
        return
    img = _make(mode, w, h, seed)
    path = tmp_path / f"img_{mode.replace(';', '')}_{w}x{h}{FORMATS[fmt]}"
    kwargs = {}
    if fmt in ("JPEG", "PNG", "TIFF", "WEBP") and orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif
    img.save(path, format=fmt, **kwargs)
    try:
        out = load_image(path)
    except DataError as exc:
        assert min(w, h) < MIN_SIDE and str(path) in str(exc) and "\n" not in str(exc)
        return
    assert out.mode == "RGB"
    with Image.open(path) as reread:  # not every format stores EXIF; expect what the file really says
        rotated = reread.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    assert out.size == ((h, w) if rotated else (w, h))


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 2000), junk=st.binary(max_size=64), fmt=st.sampled_from(["JPEG", "PNG"]))
def test_truncated_or_junk_files_fail_clearly(tmp_path, cut, junk, fmt):
    buf = io.BytesIO()
    _make("RGB", 64, 64, 0).save(buf, format=fmt)
    data = buf.getvalue()
    payload = data[: min(cut, len(data) - 1)] + junk
    path = tmp_path / f"bad{FORMATS[fmt]}"
    path.write_bytes(payload)
    try:
        out = load_image(path)
    except DataError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
    else:  # a few bytes short of a PNG/JPEG end marker can still decode fully; then it must be whole
        assert out.size == (64, 64) and out.mode == "RGB"


def test_decompression_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("1", (9000, 9000)).save(path)  # tiny file, 81 Mpx once decoded
    try:
        load_image(path)
    except DataError as exc:
        assert "limit" in str(exc) and str(path) in str(exc)
    else:
        raise AssertionError("a 81 Mpx image must be refused")
