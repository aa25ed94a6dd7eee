"""Fixtures for the web demo: the shipped landmark network (its success path), a free port. The untrained run and
landmark weights file are shared fixtures (tests/conftest.py)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from designgan.landmarks.predict import DEFAULT_WEIGHTS

pytest.importorskip("gradio", reason="the web demo needs the 'app' extra (pip install 'designgan[app]')")


@pytest.fixture(scope="session")
def shipped_landmarks() -> Path:
    if not DEFAULT_WEIGHTS.is_file():
        pytest.skip(f"landmark weights not shipped yet ({DEFAULT_WEIGHTS}); the success path needs them")
    return DEFAULT_WEIGHTS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
