"""The translators shipped inside the package (``designgan/weights/NAME.safetensors`` + ``NAME.json``).

Kept free of torch so the command line can list and pick models without importing it. Every function takes the
weights folder as an argument (default :data:`WEIGHTS_DIR`, the package's own): nothing needs patching.
"""

from __future__ import annotations

import json
from pathlib import Path

from designgan import WEIGHTS_DIR
from designgan.errors import DesignGANError

TRANSLATOR_FORMAT = "designgan-translator"
SAVED_STEM = "translator"  # a saved translator: translator.safetensors + translator.json
# WEIGHTS_DIR (designgan.WEIGHTS_DIR): the weights shipped with the package, the translators and the landmark
# network, segmenter and garment classifier every pipeline uses unless given others (pipeline.components).


def bundled_model_domains(folder: Path = WEIGHTS_DIR) -> dict[str, tuple[str, ...]]:
    """The translators shipped in ``folder`` (``NAME.safetensors`` + ``NAME.json``), by name, with the
    categories each translates between."""
    folder = Path(folder)
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


def bundled_models(folder: Path = WEIGHTS_DIR) -> list[str]:
    """Names of the translators shipped in ``folder``."""
    return list(bundled_model_domains(folder))


def default_model(to: str | None = None, folder: Path = WEIGHTS_DIR) -> str:
    """The bundled model to use: the first (by name) whose categories include ``to``, else the first one."""
    models = bundled_model_domains(folder)
    if not models:
        raise DesignGANError("no bundled translator is shipped: pass --model RUN_DIR (a training run folder) "
                             "or a saved model")
    if to is not None:
        for name, domains in models.items():
            if to.lower() in [d.lower() for d in domains]:
                return name
    return next(iter(models))
