"""Translator weights: the bundled models, loading a bundled name / saved model / training run, and saving.

Formats: a saved model is ``NAME.safetensors`` (both generators, ``G_AB.*`` and ``G_BA.*``, 16-bit) plus
``NAME.json`` (``{"format": "designgan-translator", "version": 2, "domains": [a, b], "config": {...}}``, the config
holding only the keys inference reads, :class:`~designgan.pipeline.spec.TranslatorConfig`); version 1 JSONs, which
carry a whole training config, still load (the training-only keys are ignored). A training run is its
``config.yaml`` plus ``checkpoints/latest``. Nothing here imports :mod:`designgan.train`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import nn

from designgan.config import read_yaml
from designgan.errors import DataError, DesignGANError
from designgan.io import atomic_path, write_json_atomic
from designgan.models.translator import build_generator
from designgan.models.weights import WEIGHTS, latest_checkpoint, load_model_state, load_weights_file
from designgan.pipeline.bundled import SAVED_STEM, TRANSLATOR_FORMAT, WEIGHTS_DIR, bundled_models
from designgan.pipeline.spec import TranslatorConfig, TranslatorSpec

RUN_CONFIG = "config.yaml"
PIPELINE_INDEX = "pipeline.json"  # a saved pipeline's folder (components.py); its translator is in translator/
SAVED_VERSION = 2  # 2: the JSON's config holds only the inference keys; 1: a whole training config


def run_config(path: Path) -> TranslatorConfig | None:
    """The translator config of training run folder ``path``, or None when it is not one."""
    config_path = Path(path) / RUN_CONFIG
    if not (Path(path).is_dir() and config_path.is_file()):
        return None
    try:
        return TranslatorConfig.from_training_dict(read_yaml(config_path))
    except DesignGANError as exc:
        message = str(exc)
        raise type(exc)(message if message.startswith(str(config_path)) else f"{config_path}: {message}") from None


def _find_dataset_domains(root: Path, run_dir: Path) -> tuple[str, str] | None:
    """Domain names from the training dataset's ``dataset.json``: the copy a packed run keeps in its folder, or
    the dataset's own, looked up as written and beside the run."""
    candidates = [run_dir / "dataset.json"]
    candidates += [(root if root.is_absolute() else base / root) / "dataset.json"
                   for base in (Path.cwd(), run_dir, run_dir.parent, run_dir.parent.parent)]
    for meta_path in candidates:
        if meta_path.is_file():
            try:
                meta = json.loads(meta_path.read_text())
                return str(meta["domains"]["a"]["name"]), str(meta["domains"]["b"]["name"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise DataError(f"{meta_path}: cannot read the domain names") from None
    return None


def build_generators(config: TranslatorConfig) -> dict[str, nn.Module]:
    """``G_AB`` (into domain b) and ``G_BA`` (into domain a) as ``config`` describes them, untrained."""
    return {key: build_generator(config.model, config.attention_channels, config.heatmap_names, into)
            for key, into in (("G_AB", "b"), ("G_BA", "a"))}


def _build_pair(config: TranslatorConfig, flat: dict[str, torch.Tensor], prefix: str, where: str
                ) -> dict[str, nn.Module]:
    generators = build_generators(config)
    load_model_state({f"{prefix}{k}": g for k, g in generators.items()}, flat, where)
    return generators


def _model_path(name_or_dir: str | Path, weights_dir: Path = WEIGHTS_DIR) -> Path:
    """A bundled name (of ``weights_dir``) becomes its file; a folder holding a saved model or a saved pipeline,
    that model's file."""
    path = Path(name_or_dir)
    if not path.exists() and "/" not in str(name_or_dir) and not path.suffix:
        available = bundled_models(weights_dir)
        if str(name_or_dir) not in available:
            shipped = ", ".join(available) if available else "none shipped yet"
            raise DesignGANError(f"no bundled model named '{name_or_dir}' (bundled models: {shipped}); "
                                 "give a training run folder or a saved model instead")
        path = Path(weights_dir) / f"{name_or_dir}.safetensors"
    if path.is_dir() and (path / PIPELINE_INDEX).is_file():
        path = path / "translator"
    if path.is_dir() and (path / f"{SAVED_STEM}.safetensors").is_file():
        path = path / f"{SAVED_STEM}.safetensors"
    if path.is_file() and path.suffix != ".safetensors":
        raise DataError(f"{path}: unexpected model file type '{path.suffix}' (models are loaded only from "
                        ".safetensors files, never from pickles)")
    return path


def _load_saved(path: Path, weights_dir: Path) -> tuple[TranslatorSpec, dict[str, nn.Module]]:
    """A saved model: NAME.safetensors + NAME.json."""
    sidecar = path.with_suffix(".json")
    if not sidecar.is_file():
        raise DataError(f"{sidecar}: the model's config file is missing")
    try:
        meta = json.loads(sidecar.read_text())
        if meta.get("format") != TRANSLATOR_FORMAT:
            raise DataError(f"{sidecar}: format is {meta.get('format')!r}, expected {TRANSLATOR_FORMAT!r}")
        if meta.get("version", 1) not in (1, SAVED_VERSION):
            raise DataError(f"{sidecar}: version {meta.get('version')!r} is not one this DesignGAN reads "
                            f"(1-{SAVED_VERSION}); a newer DesignGAN wrote it")
        config = TranslatorConfig.from_training_dict(meta["config"])
        saved_domains = (str(meta["domains"][0]), str(meta["domains"][1]))
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise DataError(f"{sidecar}: not a translator config ({type(exc).__name__}: {exc})") from None
    spec = TranslatorSpec(path.stem if path.parent == Path(weights_dir) else str(path), saved_domains, config)
    return spec, _build_pair(config, load_weights_file(path), "", str(path))


def _load_run(path: Path, domains: Sequence[str] | None) -> tuple[TranslatorSpec, dict[str, nn.Module]]:
    """A training run folder: its config.yaml and newest checkpoint."""
    config = run_config(path)
    if config is None:
        raise DataError(f"{path}: neither a training run (no {RUN_CONFIG}) nor a saved model "
                        f"(no {SAVED_STEM}.safetensors)")
    checkpoint = latest_checkpoint(path)
    if checkpoint is None:
        raise DataError(f"{path}: the run has no checkpoint yet (checkpoints/latest is missing)")
    if domains is None:
        root = read_yaml(path / RUN_CONFIG).get("data", {}).get("root", "data/jeans2skirt")
        found = _find_dataset_domains(Path(str(root)), path)
        if found is None:
            raise DataError(f"{path}: cannot tell the categories: {root}/dataset.json not found "
                            "(pass domains=('jeans', 'skirt'))")
        domains = found
    spec = TranslatorSpec(str(path), (str(domains[0]), str(domains[1])), config)
    return spec, _build_pair(config, load_weights_file(checkpoint / WEIGHTS), "G.", str(checkpoint / WEIGHTS))


def load_generators(name_or_dir: str | Path, domains: Sequence[str] | None = None, weights_dir: Path = WEIGHTS_DIR
                    ) -> tuple[TranslatorSpec, dict[str, nn.Module]]:
    """Both generators (``G_AB``, ``G_BA``) and their spec from a bundled name (of ``weights_dir``), a saved model,
    a saved pipeline or a training run folder, whatever the generator (the CycleGAN baseline too). ``domains``
    overrides the category names."""
    path = _model_path(name_or_dir, weights_dir)
    if path.is_file():
        spec, generators = _load_saved(path, weights_dir)
    elif path.is_dir():
        spec, generators = _load_run(path, domains)
    else:
        raise DataError(f"{path}: model not found")
    if domains is not None:
        spec.domains = (str(domains[0]), str(domains[1]))
    return spec, generators


def load_translator(name_or_dir: str | Path, domains: Sequence[str] | None = None, weights_dir: Path = WEIGHTS_DIR
                    ) -> tuple[TranslatorSpec, dict[str, nn.Module]]:
    """:func:`load_generators` for the pipeline, which needs a generator with a garment mask head."""
    spec, generators = load_generators(name_or_dir, domains, weights_dir)
    if not spec.config.model.mask_head:
        raise DataError(f"{name_or_dir}: generator '{spec.config.model.generator}' has no garment mask head; the "
                        "pipeline needs a DesignGAN generator")
    return spec, generators


def save_translator(spec: TranslatorSpec, generators: dict[str, nn.Module], path: str | Path,
                    dtype: torch.dtype = torch.float16) -> Path:
    """Write ``translator.safetensors`` (both generators in ``dtype``) + ``translator.json`` into folder ``path``
    (or to ``path`` itself when it ends in ``.safetensors``); the JSON is :func:`translator_sidecar`."""
    path = Path(path)
    weights = path if path.suffix == ".safetensors" else path / f"{SAVED_STEM}.safetensors"
    state = {f"{prefix}.{k}": v.detach().to("cpu", dtype).contiguous() if v.is_floating_point() else v.cpu()
             for prefix, g in generators.items() for k, v in g.state_dict().items()}
    weights.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(weights) as tmp:
        save_file(state, str(tmp), metadata={"format": TRANSLATOR_FORMAT})
    write_json_atomic(weights.with_suffix(".json"), translator_sidecar(spec))
    return weights


def translator_sidecar(spec: TranslatorSpec) -> dict:
    """A saved model's JSON: format, version, the two categories and the config keys inference reads (no data
    paths, augmentation, optimiser or training-loop settings)."""
    return {"format": TRANSLATOR_FORMAT, "version": SAVED_VERSION, "domains": list(spec.domains),
            "config": spec.config.to_training_dict()}
