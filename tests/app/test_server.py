"""The demo server: binds 127.0.0.1, refuses oversized uploads, answers 20 concurrent requests (load script)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import httpx
import pytest

from designgan.app.demo import DemoLimits, launch
from designgan.pipeline import DesignGANPipeline

from .conftest import free_port

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(run_dir, untrained_landmarks):
    pipe = DesignGANPipeline.from_pretrained(run_dir, landmarks=untrained_landmarks)
    port = free_port()
    demo, backend = launch(pipe, port=port, block=False, limits=DemoLimits(max_upload_mb=1.0))
    yield demo, f"http://127.0.0.1:{port}/", backend
    demo.close()
    backend.cleanup()
    assert not backend.uploads_dir.exists()  # the users' uploads go with the server (issue 27)


def test_binds_localhost_and_refuses_large_uploads(server, tmp_path):
    demo, url, _ = server
    assert demo.server_name == "127.0.0.1"
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + b"\0" * 2_000_000)
    with big.open("rb") as fh:
        response = httpx.post(url + "gradio_api/upload", files={"files": ("big.jpg", fh, "image/jpeg")}, timeout=60)
    assert response.status_code == 413


def test_twenty_concurrent_requests_are_all_answered(server):
    _, url, backend = server
    spec = importlib.util.spec_from_file_location("load_test", REPO / "scripts" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = module.run_load_test(url, module.DEFAULT_PHOTO, requests=20)
    assert report["answered"] == 20, report
    # The untrained landmark network finds nobody: every answer is the app's clear error line.
    assert report["statuses"] == ["**Error:** no person found in the photo (no upper body or legs the landmark "
                                  "network reads clearly): nothing was edited"]
    # Gradio kept the uploads in the demo's own folder, which goes when the server stops
    assert any(p.is_file() for p in backend.uploads_dir.rglob("*"))
