"""Reading user images safely and writing files atomically.

Every image the project reads from a user goes through :func:`load_image` (pixel limit against decompression
bombs, EXIF orientation, any mode to RGB) and every file it writes goes through an atomic helper, so an error
or a kill never leaves a half-written output behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, PngImagePlugin

import designgan
from designgan.errors import DataError

MAX_PIXELS = 50_000_000  # ~7000 x 7000: far above any photo we process, far below a decompression bomb
MIN_SIDE = 8
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif")


def load_image(path: str | Path, *, max_pixels: int = MAX_PIXELS, min_side: int = MIN_SIDE) -> Image.Image:
    """Open ``path`` as an upright 8-bit RGB image, or raise :class:`DataError` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                w, h = img.size
                if w * h > max_pixels:
                    raise DataError(f"{path}: image is {w}x{h} = {w * h} pixels, above the limit of {max_pixels}")
                orientation = exif_orientation(img)  # read before load(): PIL drops a TIFF's EXIF on load
                img.load()
                if img.format == "TIFF" and img.size == (w, h):
                    orientation = 1  # PIL's TIFF reader already applied the orientation while loading
                rgb = to_rgb(_upright(img, orientation))
    except DataError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DataError(f"{path}: image is larger than the pixel limit of {max_pixels}") from None
    except Exception as exc:  # PIL raises many types for corrupt data; all mean the same to the user
        raise DataError(f"{path}: not a readable image ({type(exc).__name__}: {exc})") from None
    if min(rgb.size) < min_side:
        raise DataError(f"{path}: image is {rgb.size[0]}x{rgb.size[1]}, smaller than {min_side} px on a side")
    return rgb


def image_size(path: str | Path) -> tuple[int, int]:
    """Upright (width, height) of an image file from its header, without decoding the pixels."""
    try:
        with Image.open(path) as img:
            w, h = img.size
            return (h, w) if exif_orientation(img) in (5, 6, 7, 8) else (w, h)
    except Exception as exc:
        raise DataError(f"{path}: not a readable image ({type(exc).__name__}: {exc})") from None


_TRANSPOSES = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT], 3: [Image.Transpose.ROTATE_180], 4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE], 6: [Image.Transpose.ROTATE_270], 7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_90],
}


def exif_orientation(img: Image.Image) -> int:
    """EXIF orientation (1-8) of an opened, not yet loaded image; 1 when absent or malformed."""
    try:
        value = int(img.getexif().get(0x0112, 1))
    except Exception:  # a malformed EXIF block is not worth refusing the photo for
        return 1
    return value if value in _TRANSPOSES else 1


def _upright(img: Image.Image, orientation: int) -> Image.Image:
    for op in _TRANSPOSES.get(orientation, []):
        img = img.transpose(op)
    return img


def to_rgb(img: Image.Image) -> Image.Image:
    """Any PIL mode (greyscale, 16-bit, RGBA, CMYK, palette) to 8-bit RGB; transparency composited on white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        hi = 65535.0 if img.mode.startswith("I;16") or arr.max() > 255 else 255.0
        img = Image.fromarray(np.clip(arr / hi * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    elif img.mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        img = Image.fromarray(np.clip(arr * (255.0 if arr.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        background.alpha_composite(img.convert("RGBA"))
        return background.convert("RGB")
    return img.convert("RGB")


def load_mask(path: str | Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """A binary mask PNG as a bool array; ``size`` (w, h) checks it matches its image."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: mask file not found")
    try:
        with Image.open(path) as img:
            img.load()
            arr = np.asarray(img.convert("L")) > 127
    except Exception as exc:
        raise DataError(f"{path}: not a readable mask ({type(exc).__name__}: {exc})") from None
    if size is not None and (arr.shape[1], arr.shape[0]) != tuple(size):
        raise DataError(f"{path}: mask is {arr.shape[1]}x{arr.shape[0]} but its image is {size[0]}x{size[1]}")
    return arr


@contextlib.contextmanager
def atomic_path(path: str | Path, create_parent: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``, on error deleted.

    ``create_parent=False``: a missing folder is an error (``FileNotFoundError``) rather than made again, so a
    command whose output folder was deleted while it ran reports it instead of writing into a new empty folder.
    """
    path = Path(path)
    if create_parent:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes files owner-only; outputs get the usual mode
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def check_output_dir(path: str | Path, what: str = "output folder", create: bool = False) -> Path:
    """Check, before any work, that ``path`` can be the folder outputs go into (``create``: make it now).

    A :class:`DataError` naming the path when it is a file or a device, lies under a file, or cannot be written.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise DataError(f"{path}: exists and is not a folder (it cannot be the {what})")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise DataError(f"{path}: cannot be the {what}: {existing} is a file, not a folder")
    try:
        if create:
            path.mkdir(parents=True, exist_ok=True)
        probe_dir = path if path.is_dir() else existing
        if path.is_dir():
            fd, probe = tempfile.mkstemp(prefix=".designgan-write-test.", dir=probe_dir)
            os.close(fd)
            os.unlink(probe)
        elif not os.access(probe_dir, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        raise DataError(f"{path}: cannot write the {what} there ({exc.strerror or exc})") from None
    return path


def check_output_file(path: str | Path, what: str = "output file") -> Path:
    """Check, before any work, that a file can be written (atomically, by renaming) at ``path``.

    Refuses a folder, a device or other special file (``/dev/null`` would be replaced), and an unwritable folder.
    """
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give a file name for the {what} (e.g. {path / 'out.png'})")
    if path.exists() and not path.is_file():
        raise DataError(f"{path}: not a regular file; give a file name for the {what}")
    check_output_dir(path.parent, f"folder of the {what}")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def chmod_like_umask(path: str | Path) -> None:
    """Give a folder made by ``tempfile.mkdtemp`` (always 0700) the mode a plain ``mkdir`` would have given it."""
    os.chmod(path, 0o777 & ~_umask())


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json_atomic(path: str | Path, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2) + "\n")


def ai_edit_metadata(model: str, source: str, target: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The text chunks every edited image carries, marking it as AI-generated."""
    meta = {
        "Software": f"DesignGAN {designgan.__version__}",
        "AI-Edit": "true",
        "DesignGAN-Model": model,
        "DesignGAN-Edit": f"{source} -> {target}",
        "Description": f"AI-edited image: garment changed from {source} to {target} by DesignGAN",
    }
    meta.update(extra or {})
    return meta


def save_png(img: Image.Image | np.ndarray, path: str | Path, metadata: dict[str, str] | None = None,
             compress_level: int = 6, create_parent: bool = True) -> None:
    """Write a PNG atomically, with optional text metadata (``compress_level`` 0-9 trades size for speed): text
    chunks, and the same XMP packet JPEG and WebP get (IPTC ``DigitalSourceType``), in the ``XML:com.adobe.xmp``
    iTXt chunk where readers of PNG look for XMP."""
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    info = PngImagePlugin.PngInfo()
    for key, value in (metadata or {}).items():
        info.add_text(key, str(value))
    if metadata:
        info.add_itxt("XML:com.adobe.xmp", metadata_xmp(metadata).decode(), zip=False)
    with atomic_path(path, create_parent=create_parent) as tmp:
        img.save(tmp, format="PNG", pnginfo=info, compress_level=compress_level)


# Output formats translate can write, by the suffix of the file name.
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
_EXIF_IMAGE_DESCRIPTION, _EXIF_SOFTWARE, _EXIF_IFD, _EXIF_USER_COMMENT = 0x010E, 0x0131, 0x8769, 0x9286
# IPTC's term for "edited with a trained model": what photo sites read to label AI edits.
_IPTC_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


def metadata_exif(metadata: dict[str, str]) -> Image.Exif:
    """EXIF carrying the AI-edit metadata for JPEG/WebP, which have no PNG text chunks: ImageDescription and
    Software for viewers, and every key in UserComment as JSON (ASCII-escaped, so a Unicode file name survives the
    ASCII-only field exactly)."""
    exif = Image.Exif()
    exif[_EXIF_IMAGE_DESCRIPTION] = metadata.get("Description", "AI-edited image").encode("ascii", "replace").decode()
    exif[_EXIF_SOFTWARE] = metadata.get("Software", f"DesignGAN {designgan.__version__}")
    exif.get_ifd(_EXIF_IFD)[_EXIF_USER_COMMENT] = b"ASCII\0\0\0" + json.dumps(metadata).encode("ascii")
    return exif


def metadata_xmp(metadata: dict[str, str]) -> bytes:
    """An XMP packet with the description and IPTC's digital-source type for AI edits."""
    from xml.sax.saxutils import escape

    description = escape(metadata.get("Description", "AI-edited image"))
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
            f'Iptc4xmpExt:DigitalSourceType="{_IPTC_SOURCE_TYPE}">'
            f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt>'
            '</dc:description></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()


def read_image_metadata(path: str | Path) -> dict[str, str]:
    """The AI-edit metadata of an image written by :func:`save_image` (PNG text chunks or JPEG/WebP EXIF)."""
    with Image.open(path) as img:
        if img.format == "PNG":
            return {k: v for k, v in getattr(img, "text", {}).items() if k != "XML:com.adobe.xmp"}
        comment = img.getexif().get_ifd(_EXIF_IFD).get(_EXIF_USER_COMMENT)
    if isinstance(comment, bytes) and comment.startswith(b"ASCII\0\0\0"):
        comment = comment[8:].decode("ascii")
    try:
        return dict(json.loads(comment)) if comment else {}
    except (json.JSONDecodeError, TypeError, ValueError):
        return {}


def save_image(img: Image.Image | np.ndarray, path: str | Path, metadata: dict[str, str] | None = None,
               compress_level: int = 6, quality: int = 92, create_parent: bool = True) -> None:
    """Write ``img`` atomically in the format its suffix names (PNG, JPEG or WebP), with the metadata in every
    format: PNG text chunks, or EXIF + XMP for JPEG/WebP."""
    path = Path(path)
    fmt = IMAGE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"{path}: cannot write this format (use {', '.join(sorted(set(IMAGE_FORMATS)))})")
    if fmt == "PNG":
        save_png(img, path, metadata, compress_level=compress_level, create_parent=create_parent)
        return
    if isinstance(img, np.ndarray):
        img = Image.fromarray(img)
    extra: dict[str, Any] = {}
    if metadata:
        extra = {"exif": metadata_exif(metadata), "xmp": metadata_xmp(metadata)}
    with atomic_path(path, create_parent=create_parent) as tmp:
        img.convert("RGB").save(tmp, format=fmt, quality=quality, **extra)
