"""A saved translator's JSON holds only what inference reads; old JSONs (a whole training config) and old run
folders still load."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import torch

from designgan.config import read_yaml
from designgan.errors import DataError
from designgan.pipeline.bundled import TRANSLATOR_FORMAT, WEIGHTS_DIR
from designgan.pipeline.spec import TranslatorConfig
from designgan.pipeline.weights import SAVED_VERSION, load_generators, run_config, save_translator

TRAINING_ONLY = ("root", "scale", "flip", "preload", "num_workers", "optim", "train", "out_dir", "lr", "gan",
                 "cycle", "debug_nan_at_steps")


def assert_slim(meta: dict) -> None:
    """Format, version, domains and the inference keys of TranslatorConfig, nothing else."""
    assert set(meta) == {"format", "version", "domains", "config"} and meta["version"] == SAVED_VERSION
    config = meta["config"]
    assert set(config) == {"model", "data", "loss"}
    for section in ("data", "loss"):
        fields = {f.name for f in dataclasses.fields(type(getattr(TranslatorConfig(), section)))}
        assert set(config[section]) == fields, section
    text = json.dumps(config)
    assert not [key for key in TRAINING_ONLY if f'"{key}"' in text]


def same_weights(a: dict[str, torch.nn.Module], b: dict[str, torch.nn.Module]) -> bool:
    """Equal once rounded to the saved files' fp16."""
    def half(t: torch.Tensor) -> torch.Tensor:
        return t.half().float() if t.is_floating_point() else t

    return all(torch.equal(half(x), half(y)) for key in a for x, y in zip(a[key].state_dict().values(),
                                                                          b[key].state_dict().values(), strict=True))


def test_save_translator_writes_only_the_inference_keys(run_dir, tmp_path):
    spec, generators = load_generators(run_dir)
    saved = save_translator(spec, generators, tmp_path / "model")
    assert_slim(json.loads(saved.with_suffix(".json").read_text()))
    again, loaded = load_generators(tmp_path / "model")
    assert again.config == spec.config and again.domains == spec.domains
    assert same_weights(generators, loaded)


@pytest.mark.parametrize("name", ["jeans2skirt", "pants2skirt", "trousers2shorts"])
def test_shipped_bundled_jsons_are_slim(name):
    meta = json.loads((WEIGHTS_DIR / f"{name}.json").read_text())
    assert_slim(meta)
    # a rendered prior's model section: its name, families and the style of its shapes, and of its network sizes
    # only the in-front segmenter's it carries
    assert set(meta["config"]["model"]) == {"generator", "prior_families", "prior_style", "prior_in_front_widths",
                                            "prior_in_front_inside"}
    spec, generators = load_generators(name)
    assert spec.config == TranslatorConfig.from_training_dict(meta["config"])
    assert all(g.style == spec.config.model.prior_style for g in generators.values())
    assert all(list(g.in_front.config.widths) == meta["config"]["model"]["prior_in_front_widths"]
               for g in generators.values())


def test_a_shipped_prior_json_with_the_network_sizes_and_no_style_still_loads(tmp_path):
    # what the bundled jeans2skirt.json held before the style (issue 30): every ModelConfig key, no prior_style
    meta = json.loads((WEIGHTS_DIR / "jeans2skirt.json").read_text())
    del meta["config"]["model"]["prior_style"]
    meta["config"]["model"] |= {"discriminator": "designgan_discriminator", "ngf": 32, "n_blocks": 6, "n_down": 2,
                                "shared_encoder": False, "texture_channels": 0, "ndf": 64, "d_layers": 3,
                                "d_scales": 1, "norm": "instance", "padding": "zeros"}
    shutil.copy(WEIGHTS_DIR / "jeans2skirt.safetensors", tmp_path / "old.safetensors")
    (tmp_path / "old.json").write_text(json.dumps(meta))
    spec, generators = load_generators(tmp_path / "old.safetensors")
    assert spec.config == load_generators("jeans2skirt")[0].config
    assert generators["G_AB"].target_family == "skirt" and generators["G_AB"].style.length is None


@pytest.mark.parametrize("version", [1, None])
def test_an_old_json_with_a_whole_training_config_still_loads(run_dir, tmp_path, version):
    spec, generators = load_generators(run_dir)
    saved = save_translator(spec, generators, tmp_path / "model")
    # What save_translator wrote before the JSON was slimmed: version 1 (or none), the whole training config.
    old = {"format": TRANSLATOR_FORMAT, "domains": list(spec.domains),
           "config": read_yaml(run_dir / "config.yaml")}
    if version is not None:
        old["version"] = version
    assert "optim" in old["config"] and "root" in old["config"]["data"]
    saved.with_suffix(".json").write_text(json.dumps(old))
    again, loaded = load_generators(tmp_path / "model")
    assert again.config == spec.config and again.domains == spec.domains
    assert same_weights(generators, loaded)


def test_a_json_from_a_newer_version_is_refused(run_dir, tmp_path):
    spec, generators = load_generators(run_dir)
    sidecar = save_translator(spec, generators, tmp_path / "model").with_suffix(".json")
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), "version": SAVED_VERSION + 1}))
    with pytest.raises(DataError, match="not one this DesignGAN reads"):
        load_generators(tmp_path / "model")


def test_an_old_run_folder_with_keys_training_no_longer_has_still_loads(run_dir, tmp_path):
    old = tmp_path / "old_run"
    shutil.copytree(run_dir, old)
    config = read_yaml(old / "config.yaml")
    # keys an older trainer wrote and this one does not know; inference must not care
    config["data"]["retired_option"] = True
    config["loss"]["retired_weight"] = 0.5
    config["train"]["retired_flag"] = "x"
    (old / "config.yaml").write_text(json.dumps(config))  # JSON is YAML
    assert run_config(old) == run_config(run_dir)
    spec, loaded = load_generators(old)
    _, reference = load_generators(run_dir)
    assert spec.config == run_config(run_dir) and same_weights(reference, loaded)


def test_saved_model_path_is_a_file_too(run_dir, tmp_path: Path):
    spec, generators = load_generators(run_dir)
    saved = save_translator(spec, generators, tmp_path / "named.safetensors")
    assert saved == tmp_path / "named.safetensors" and saved.with_suffix(".json").is_file()
    assert_slim(json.loads(saved.with_suffix(".json").read_text()))
