from dataclasses import dataclass, field
from typing import Literal

import pytest

from designgan.config import load_config, to_dict
from designgan.errors import ConfigError


@dataclass
class Optim:
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)


@dataclass
class Root:
    name: str = "run"
    steps: int = 10
    mode: Literal["a2b", "b2a"] = "a2b"
    optim: Optim = field(default_factory=Optim)
    size: list[int] = field(default_factory=lambda: [64, 48])
    note: str | None = None


def test_yaml_and_overrides(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("name: x\noptim:\n  lr: 1\n  betas: [0.1, 0.2]\n")
    cfg = load_config(Root, path, ["steps=5", "optim.lr=3e-4", "note=hi"])
    assert cfg.name == "x" and cfg.steps == 5 and cfg.note == "hi"
    assert cfg.optim.lr == pytest.approx(3e-4) and cfg.optim.betas == (0.1, 0.2)
    assert to_dict(cfg)["optim"]["betas"] == [0.1, 0.2]


@pytest.mark.parametrize(
    ("text", "overrides", "needle"),
    [
        ("nme: x\n", [], "unknown config key 'nme'"),
        ("optim:\n  lrr: 1\n", [], "unknown config key 'optim.lrr'"),
        ("", ["optim.momentum=1"], "unknown config key 'optim.momentum'"),
        ("steps: many\n", [], "config key 'steps' must be an integer"),
        ("mode: sideways\n", [], "config key 'mode' must be one of"),
        ("optim:\n  betas: [1]\n", [], "'optim.betas' must have 2 items"),
        ("- a\n", [], "top level must be a mapping"),
        ("", ["steps"], "not of the form key=value"),
    ],
)
def test_bad_config_names_the_key(tmp_path, text, overrides, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(Root, path, overrides)
    message = str(info.value)
    assert needle in message and "\n" not in message
    if text:
        assert str(path) in message


def test_missing_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(Root, "/nonexistent/x.yaml")
