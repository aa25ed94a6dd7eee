"""Fixtures for the web demo: a real untrained translator run, an untrained landmark weights file, a server."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from designgan.landmarks.model import create_landmark_model
from designgan.landmarks.predict import DEFAULT_WEIGHTS, export_weights

from ..pipeline.conftest import jeans_photo, run_dir  # noqa: F401  (shared fixtures)

pytest.importorskip("gradio", reason="the web demo needs the 'app' extra (pip install 'designgan[app]')")


@pytest.fixture(scope="session")
def untrained_landmarks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A landmark weights file written by the landmark code's exporter, from an untrained network: it finds
    nobody, which exercises the demo's error path end to end."""
    path = tmp_path_factory.mktemp("landmarks") / "untrained.safetensors"
    export_weights(create_landmark_model(input_height=64, input_width=64), path, {"sigma": 2.0})
    return path


@pytest.fixture(scope="session")
def shipped_landmarks() -> Path:
    if not DEFAULT_WEIGHTS.is_file():
        pytest.skip(f"landmark weights not shipped yet ({DEFAULT_WEIGHTS}); the success path needs them")
    return DEFAULT_WEIGHTS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
