"""The demo's request handler: limits, naming, metadata, pruning (no browser, no server)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from PIL import Image

from designgan.app.demo import DemoBackend, DemoLimits, build_demo
from designgan.errors import DesignGANError
from designgan.landmarks.regions import TROUSER_EVIDENCE
from designgan.pipeline import DesignGANPipeline, NoPersonError

from ..pipeline.conftest import tiny_parts


def parts(landmarks: Path) -> dict:
    """Untrained parts (a garment classifier that always answers trousers), the landmark network from ``landmarks``
    (a weights file, loaded as the demo loads it): no shipped weights needed."""
    return {**tiny_parts(), "landmarks": landmarks}


@pytest.fixture(scope="module")
def pipe(run_dir, untrained_landmarks):
    return DesignGANPipeline.from_pretrained(run_dir, **parts(untrained_landmarks))


def test_translate_writes_a_marked_png_with_a_server_chosen_name(pipe, jeans_photo, tmp_path):
    path, points, _ = jeans_photo
    backend = DemoBackend(pipe, tmp_path / "results", DemoLimits(keep_results=2))
    sheet, out, status = backend.translate(str(path), "skirt", landmarks=points)
    assert out.parent == backend.out_dir and out.name.startswith("designgan_skirt_") and out.suffix == ".png"
    with Image.open(out) as img, Image.open(path) as src:
        assert img.size == src.size and img.text["AI-Edit"] == "true"
        assert img.text["DesignGAN-Edit"] == "trousers -> skirt"  # the garment the classifier saw -> the one painted
        assert b"compositeWithTrainedAlgorithmicMedia" in img.info["xmp"]
        assert sheet.size == (src.width * 2, src.height)
    assert "trousers → skirt" in status and "AI-edited" in status
    # Texture upload, and pruning: only the newest ``keep_results`` files stay.
    fabric = tmp_path / "fabric.png"
    Image.new("RGB", (40, 40), (200, 20, 20)).save(fabric)
    for _ in range(3):
        backend.translate(str(path), "skirt", str(fabric), landmarks=points)
    assert len(list(backend.out_dir.glob("designgan_*.png"))) == 2


def test_limits(pipe, jeans_photo, tmp_path):
    path, points, _ = jeans_photo
    backend = DemoBackend(pipe, tmp_path / "r", DemoLimits(max_upload_mb=0.01, max_pixels=10_000))
    with pytest.raises(DesignGANError, match=r"above the 0\.01 MB limit"):
        big = tmp_path / "big.png"
        Image.effect_noise((200, 200), 60).convert("RGB").save(big)
        backend.translate(str(big), "skirt", landmarks=points)
    svg = tmp_path / "x.svg"
    svg.write_text("<svg/>")
    with pytest.raises(DesignGANError, match="unsupported file type"):
        backend.translate(str(svg), "skirt")
    with pytest.raises(DesignGANError, match="upload a photo"):
        backend.translate(None, "skirt")
    with pytest.raises(DesignGANError, match=r"above the limit of 10000"):
        backend.translate(str(path), "skirt", landmarks=points)  # 137x206 pixels > 10,000
    fake = tmp_path / "fake.jpg"
    fake.write_text("not a jpeg")
    with pytest.raises(DesignGANError, match=r"^photo 'fake\.jpg': not a readable image") as caught:
        DemoBackend(pipe, tmp_path / "r2").translate(str(fake), "skirt")
    assert str(tmp_path) not in str(caught.value)  # the upload's own name only, never the server's path
    with pytest.raises(DesignGANError, match="unknown target 'hat'"):
        DemoBackend(pipe, tmp_path / "r3").translate(str(path), "hat")
    with pytest.raises(NoPersonError):
        DemoBackend(pipe, tmp_path / "r4").translate(str(path), "skirt")  # the untrained network finds nobody
    assert not list((tmp_path / "r4").glob("*"))


def test_several_models_are_routed_by_target_category(run_dir, untrained_landmarks, jeans_photo, tmp_path):
    path, points, _ = jeans_photo
    jeans = DesignGANPipeline.from_pretrained(run_dir, **parts(untrained_landmarks))
    pants = DesignGANPipeline.from_pretrained(run_dir, **parts(untrained_landmarks), domains=("pants", "skirt"))
    backend = DemoBackend([jeans, pants], tmp_path / "r")
    assert backend.categories == ["jeans", "skirt", "pants"]
    assert backend.pipe_for("skirt") is jeans and backend.pipe_for("pants") is pants
    # A photo of jeans asked to become pants is reported as already in trousers, not edited (issue #19, item 6).
    with pytest.raises(DesignGANError, match="already wears trousers"):
        backend.translate(str(path), "pants", landmarks=points)
    # With body keypoints only (no trouser evidence either way) the garment classifier still sees the jeans: never
    # a "skirt -> pants" claim on a jeans photo (issue 27).
    body = {k: v for k, v in points.items() if k not in TROUSER_EVIDENCE}
    with pytest.raises(DesignGANError, match="already wears trousers"):
        backend.translate(str(path), "pants", landmarks=body)
    assert not list((tmp_path / "r").glob("**/*.png"))
    with pytest.raises(DesignGANError, match="at least one model"):
        DemoBackend([], tmp_path / "r2")


def test_person_choice_and_who_was_changed(pipe, jeans_photo, tmp_path):
    """Two people side by side: 'everyone visible' changes both; '2' only the second; the status says so and the
    picture outlines both (green changed, grey left alone)."""
    import numpy as np

    from designgan.app.demo import EVERYONE, people_status

    path, points, _ = jeans_photo
    photo = Image.open(path).convert("RGB")
    two = Image.new("RGB", (photo.width * 2, photo.height))
    two.paste(photo, (0, 0))
    two.paste(photo, (photo.width, 0))
    both_path = tmp_path / "two.png"
    two.save(both_path)
    moved = {k: (x + photo.width, y, c) for k, (x, y, c) in points.items()}
    backend = DemoBackend(pipe, tmp_path / "results")
    _, _, status = backend.translate(str(both_path), "skirt", landmarks=[points, moved], person=EVERYONE)
    assert "Found 2 people; changed 1, 2" in status and "left alone" not in status
    sheet, _, status = backend.translate(str(both_path), "skirt", landmarks=[points, moved], person="2")
    assert "changed 2 (outlined green); left alone: 1, not --person 2 (grey)" in status
    left = np.asarray(sheet)[:, :two.width]
    assert ((left == (170, 170, 170)).all(axis=-1)).any() and ((left == (40, 220, 90)).all(axis=-1)).any()
    with pytest.raises(DesignGANError, match="person must be"):
        backend.translate(str(both_path), "skirt", landmarks=[points, moved], person="zero")
    assert people_status(1, [], [{"person": 1, "reason": "already wears skirt"}]) == (
        "Found 1 person; changed none; left alone: 1, already wears skirt (grey).")


def test_two_requests_are_served_at_once(pipe, jeans_photo, tmp_path):
    """The demo's default concurrency is 2 and the backend does not serialise requests: two translations are in
    the pipeline at the same time (each waits for the other at a barrier; serialised, the first would time out)."""
    limits = DemoLimits()
    assert limits.concurrency == 2
    demo = build_demo(DemoBackend(pipe, tmp_path / "built", limits))
    assert {fn.concurrency_limit for fn in demo.fns.values()} == {2}

    barrier = threading.Barrier(2, timeout=60)

    class MeetingPipe:  # the real pipeline, which first waits until the other request is inside it too
        categories = pipe.categories

        def __call__(self, *args, **kwargs):
            barrier.wait()
            return pipe(*args, **kwargs)

    path, points, _ = jeans_photo
    backend = DemoBackend(MeetingPipe(), tmp_path / "out", limits)
    results, errors = [], []

    def request() -> None:
        try:
            results.append(backend.translate(path, "skirt", landmarks=points))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and len(results) == 2


def test_sigterm_removes_the_results_folder():
    script = textwrap.dedent("""
        import os, signal, sys
        from designgan.app.demo import DemoBackend, exit_on_sigterm
        class Pipe:
            categories = ("jeans", "skirt")
        backend = DemoBackend(Pipe())
        (backend.out_dir / "designgan_skirt_1.png").write_bytes(b"x")
        print(backend.out_dir, flush=True)
        exit_on_sigterm()
        os.kill(os.getpid(), signal.SIGTERM)
        signal.pause()
    """)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    folder = Path(run.stdout.strip())
    assert run.returncode == 128 + 15, run.stderr
    assert folder.name.startswith("designgan-demo-") and not folder.exists()


def test_errors_name_uploads_by_their_own_names_and_uploads_go_when_the_server_stops(pipe, tmp_path):
    upload = tmp_path / "gradio" / "3f2a9c" / "my holiday.jpg"  # where Gradio keeps an upload
    message = DemoBackend.user_message(DesignGANError(f"{upload}: not a readable image (cannot identify image file "
                                                      f"'{upload}' in {upload.parent})"), upload)
    assert "my holiday.jpg" in message and str(tmp_path) not in message and "3f2a9c" not in message
    backend = DemoBackend(pipe, tmp_path / "results")
    backend.uploads_dir.mkdir(parents=True)
    (backend.uploads_dir / "photo.jpg").write_bytes(b"x")
    backend.cleanup()  # what atexit runs when the server stops
    assert not backend.uploads_dir.exists() and backend.out_dir.is_dir()  # the user's own results folder is kept
