"""The translators shipped inside the package (``designgan/weights/NAME.safetensors`` + ``NAME.json``).

Kept free of torch so the command line can list and pick models without importing it.
"""

from __future__ import annotations

import json
from pathlib import Path

from designgan import pipeline as _package
from designgan.errors import DesignGANError

TRANSLATOR_FORMAT = "designgan-translator"
SAVED_STEM = "translator"  # save_pretrained(dir) writes dir/translator.safetensors + dir/translator.json


def weights_dir() -> Path:
    """The folder of the bundled translators: ``designgan.pipeline.WEIGHTS_DIR`` (read at each call)."""
    return Path(_package.WEIGHTS_DIR)


def bundled_model_domains() -> dict[str, tuple[str, ...]]:
    """The translators shipped in ``designgan/weights`` (``NAME.safetensors`` + ``NAME.json``), by name, with the
    categories each translates between."""
    folder = weights_dir()
    if not folder.is_dir():
        return {}
    found = {}
    for sidecar in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(sidecar.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(meta, dict) and meta.get("format") == TRANSLATOR_FORMAT and \
                sidecar.with_suffix(".safetensors").is_file():
            found[sidecar.stem] = tuple(str(d) for d in meta.get("domains", []))
    return found


def bundled_models() -> list[str]:
    """Names of the translators shipped in ``designgan/weights``."""
    return list(bundled_model_domains())


def default_model(to: str | None = None) -> str:
    """The bundled model to use: the first (by name) whose categories include ``to``, else the first one."""
    models = bundled_model_domains()
    if not models:
        raise DesignGANError("no bundled translator is shipped: pass --model RUN_DIR (a training run folder) "
                             "or a saved model")
    if to is not None:
        for name, domains in models.items():
            if to.lower() in [d.lower() for d in domains]:
                return name
    return next(iter(models))
