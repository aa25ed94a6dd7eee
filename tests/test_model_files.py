"""Model-file safety that spans the package: no pickle-executing loads, shipped weights are safetensors."""

import re
from pathlib import Path

from safetensors import safe_open

SRC = Path(__file__).resolve().parents[1] / "src" / "designgan"


def _call_text(text: str, open_paren: int) -> str:
    """The argument list of a call, up to its balanced closing parenthesis."""
    depth = 0
    for i in range(open_paren, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[open_paren: i + 1]
    return text[open_paren:]


def test_every_torch_load_is_weights_only():
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        for match in re.finditer(r"torch\.load\(", text):
            call = _call_text(text, match.end() - 1)
            if "weights_only=True" not in call:
                offenders.append(f"{path.relative_to(SRC)}: {call}")
    assert not offenders, offenders


def test_shipped_weights_are_fp16_safetensors_with_a_sidecar():
    weights = sorted((SRC / "weights").glob("*"))
    assert weights, "no shipped weights"
    assert all(p.suffix in (".safetensors", ".json") for p in weights), weights
    for path in (p for p in weights if p.suffix == ".safetensors"):
        assert path.with_suffix(".json").is_file()
        assert path.stat().st_size < 40 * 2**20  # keep the package small
        with safe_open(str(path), framework="pt") as f:
            dtypes = {str(f.get_slice(k).get_dtype()) for k in f.keys()}  # noqa: SIM118 (safe_open is not iterable)
        assert dtypes <= {"F16", "I64", "I32", "BOOL", "U8"}, (path.name, dtypes)
