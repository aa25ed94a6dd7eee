"""The Gradio web demo: upload a photo, pick the target garment, optionally a fabric; see before/after.

Safety: the server binds 127.0.0.1 unless told otherwise; uploads are limited in size (by the server, before the
handler runs) and in type (suffix, then :func:`designgan.io.load_image` with its pixel limit); requests wait in a
bounded queue and at most two run at once (one user's large photo does not hold up the others; each request's
memory is bounded by the pipeline), so memory does not grow with the number of users; result files get names made by
the server inside its own output folder, and old ones are deleted, and the folder itself when the server stops
(Ctrl+C or SIGTERM); uploads go to a folder of the server's own (Gradio's upload cache, ``GRADIO_TEMP_DIR``), removed
when it stops. Error messages name an upload by the user's own file name, never the server's path. The status line
and the metadata name the garment the classifier saw and the one painted ("trousers → skirt").
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from designgan.errors import DesignGANError
from designgan.io import IMAGE_SUFFIXES, load_image, save_png
from designgan.models.prior_style import CUTS, FITS, SKIRT_LENGTHS, TROUSER_LENGTHS, style_options
from designgan.pipeline.files import OUTPUT_PNG_LEVEL

# Gradio phones home for analytics and version checks unless told not to; this demo must work offline.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@dataclass
class DemoLimits:
    max_upload_mb: float = 10.0
    max_pixels: int = 25_000_000
    queue_size: int = 64  # requests waiting beyond this are refused with "queue full", never silently dropped
    # requests processed at once: 2, so one user's large photo (bounded memory, up to ~20 s) does not hold the
    # others in the queue; more would mostly add memory, as the CPU is the bottleneck
    concurrency: int = 2
    keep_results: int = 200  # result files kept on disk; older ones are deleted


EVERYONE = "everyone visible"
PERSON_CHOICES = [EVERYONE, *(str(n) for n in range(1, 7))]  # numbers as the overlay labels the people found
AS_DRAWN = "as the model draws"  # a design control left at the model's own style
LENGTH_CHOICES = [AS_DRAWN, *SKIRT_LENGTHS, *TROUSER_LENGTHS]


def parse_person(person: str | int) -> str | int:
    """The pipeline's ``people=`` for the demo's person choice (one line naming the value when it is not one)."""
    if person in (EVERYONE, None, ""):
        return "visible"
    try:
        number = int(person)
    except (TypeError, ValueError):
        raise DesignGANError(f"person must be '{EVERYONE}' or a number from 1, got {person!r}") from None
    if number < 1:
        raise DesignGANError(f"person must be '{EVERYONE}' or a number from 1, got {person!r}")
    return number


def people_status(found: int, changed: list[int], skipped: list[dict[str, Any]]) -> str:
    """'Found 3 people; changed 1, 2 (green); left alone: 3, wears a skirt (grey).'"""
    line = f"Found {found} {'person' if found == 1 else 'people'}; changed {', '.join(map(str, changed)) or 'none'}"
    line += " (outlined green)" if changed else ""
    if skipped:
        line += "; left alone: " + "; ".join(f"{s['person']}, {s['reason']}" for s in skipped) + " (grey)"
    return line + "."


class DemoBackend:
    """The request handler, independent of Gradio so it can be tested and reused."""

    def __init__(self, pipe: Any, out_dir: Path | None = None, limits: DemoLimits | None = None) -> None:
        """``pipe``: one pipeline, or several (e.g. jeans<->skirt and pants<->skirt); a request goes to the first
        that knows the target category."""
        self.pipes = list(pipe) if isinstance(pipe, list | tuple) else [pipe]
        if not self.pipes:
            raise DesignGANError("the demo needs at least one model")
        self.pipe = self.pipes[0]
        self.limits = limits or DemoLimits()
        self.temporary = out_dir is None
        self.out_dir = Path(out_dir or tempfile.mkdtemp(prefix="designgan-demo-")).resolve()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        # Gradio's upload cache for this server (launch points GRADIO_TEMP_DIR here): users' photos stay only while
        # the server runs
        self.uploads_dir = self.out_dir / "uploads"
        atexit.register(self.cleanup)  # when the server process ends (Ctrl+C and SIGTERM included)
        self._lock = threading.Lock()

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(c for p in self.pipes for c in p.categories))

    def pipe_for(self, target: str) -> Any:
        return next(p for p in self.pipes if target in p.categories)

    def _check_upload(self, path: str | Path | None, what: str) -> Path:
        if path is None:
            raise DesignGANError(f"upload a {what}")
        path = Path(path)
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            raise DesignGANError(f"{what} '{path.name}': unsupported file type (use {', '.join(IMAGE_SUFFIXES)})")
        size_mb = path.stat().st_size / 1e6
        if size_mb > self.limits.max_upload_mb:
            raise DesignGANError(f"{what} '{path.name}' is {size_mb:.1f} MB, above the {self.limits.max_upload_mb:g} "
                                 "MB limit")
        return path

    def _load(self, path: Path, what: str) -> Image.Image:
        try:
            return load_image(path, max_pixels=self.limits.max_pixels)
        except DesignGANError as exc:
            # The message names the server's temp path; the user knows the file by its own name.
            detail = self.user_message(str(exc).split(': ', 1)[-1], path)
            raise DesignGANError(f"{what} '{path.name}': {detail}") from None

    def translate(self, photo: str | Path | None, target: str, fabric: str | Path | None = None,
                  landmarks: Any = None, person: str | int = EVERYONE, style: dict[str, Any] | None = None
                  ) -> tuple[Image.Image, Path, str]:
        """(before|after picture with the landmark overlay, downloadable PNG path, status line).

        ``person``: :data:`EVERYONE` (everyone found who wears the source garment) or a person's number as the
        overlay shows it (1 = the most prominent). ``landmarks`` (Python callers only) replaces the landmark
        network, as in the pipeline (a list: several people). ``style``: changes to the model's shape (length, cut,
        fit), as :meth:`~designgan.pipeline.DesignGANPipeline.translate_batch` takes them.
        """
        people = parse_person(person)
        photo_path = self._check_upload(photo, "photo")
        fabric_path = self._check_upload(fabric, "fabric") if fabric is not None else None
        if target not in self.categories:
            raise DesignGANError(f"unknown target '{target}' (choose one of {', '.join(self.categories)})")
        image = self._load(photo_path, "photo")
        texture = self._load(fabric_path, "fabric") if fabric_path is not None else None
        tic = time.perf_counter()
        pipe = self.pipe_for(target)
        result = pipe(image, to=target, texture=texture, landmarks=[landmarks] if landmarks else None, people=people,
                      style=style)
        seconds = time.perf_counter() - tic
        extra = {"DesignGAN-Texture": "user fabric"} if texture is not None else {}
        out = self.out_dir / f"designgan_{target}_{uuid.uuid4().hex[:12]}.png"  # a name the user cannot choose
        save_png(result.image, out, result.metadata(extra), compress_level=OUTPUT_PNG_LEVEL)
        self._prune()
        status = f"{result.claim.replace(' -> ', ' → ')} in {seconds:.2f} s. AI-edited image."
        status += " " + people_status(result.people_found, [e.person.number for e in result.people], result.skipped)
        for warning in result.warnings:
            status += f" Note: {warning}."
        return result.side_by_side(overlay=True), out, status

    def _prune(self) -> None:
        with self._lock:
            files = sorted(self.out_dir.glob("designgan_*.png"), key=lambda p: p.stat().st_mtime)
            for old in files[:-self.limits.keep_results] if self.limits.keep_results > 0 else []:
                old.unlink(missing_ok=True)

    def cleanup(self) -> None:
        """Remove the uploads, and the results folder when it is the server's own temporary one."""
        shutil.rmtree(self.uploads_dir, ignore_errors=True)
        if self.temporary:
            shutil.rmtree(self.out_dir, ignore_errors=True)

    @staticmethod
    def user_message(exc: Exception | str, *uploads: str | Path | None) -> str:
        """``exc``'s message with each upload's server path (and its folder) replaced by the user's file name."""
        message = str(exc)
        for upload in uploads:
            if upload:
                path = Path(upload)
                for server in sorted({str(path), str(path.resolve()), str(path.parent), str(path.parent.resolve())},
                                     key=len, reverse=True):
                    message = message.replace(server, path.name if server.endswith(path.name) else "")
        return message


def build_demo(backend: DemoBackend) -> Any:
    """The Gradio Blocks app around ``backend`` (queue configured; call ``.launch``)."""
    import gradio as gr

    types = list(IMAGE_SUFFIXES)

    def run(photo: str | None, target: str, fabric: str | None, person: str, length: str = AS_DRAWN,
            cut: str = AS_DRAWN, fit: str = AS_DRAWN) -> tuple[Any, Any, str]:
        try:
            style = style_options(*(None if v == AS_DRAWN else v for v in (length, cut, fit)))
            picture, path, status = backend.translate(photo, target, fabric, person=person, style=style)
        except DesignGANError as exc:
            # A user error is an answer, not a crash: shown in the status line, no result.
            return None, None, f"**Error:** {backend.user_message(exc, photo, fabric)}"
        return picture, str(path), status

    with gr.Blocks(title="DesignGAN demo", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown("# DesignGAN: change the garment category\nUpload a photo of a person, choose the new garment "
                    "and, optionally, a fabric for it. Results are AI-edited images and carry metadata saying so.")
        with gr.Row():
            photo = gr.File(label=f"Photo ({', '.join(types)}; at most {backend.limits.max_upload_mb:g} MB)",
                            file_types=types, type="filepath", elem_id="photo")
            fabric = gr.File(label="Fabric (optional)", file_types=types, type="filepath", elem_id="fabric")
        with gr.Row():
            target = gr.Dropdown(choices=backend.categories, value=backend.pipe.categories[-1], label="Target garment",
                                 elem_id="target")
            person = gr.Dropdown(choices=PERSON_CHOICES, value=EVERYONE, label="Who (numbers as outlined in the "
                                 "result)", elem_id="person")
            button = gr.Button("Translate", variant="primary", elem_id="translate")
        with gr.Row():  # the design controls: the bundled (rendered-prior) models draw any of these
            length = gr.Dropdown(choices=LENGTH_CHOICES, value=AS_DRAWN, label="Length (skirt: mini-maxi; trousers: "
                                 "shorts-full)", elem_id="length")
            cut = gr.Dropdown(choices=[AS_DRAWN, *CUTS], value=AS_DRAWN, label="Skirt cut", elem_id="cut")
            fit = gr.Dropdown(choices=[AS_DRAWN, *FITS], value=AS_DRAWN, label="Trouser fit", elem_id="fit")
        result = gr.Image(label="Before (people found outlined and numbered, with landmarks) | After", type="pil",
                          format="png", interactive=False,
                          elem_id="result")
        status = gr.Markdown(elem_id="status")
        download = gr.File(label="Download the result (PNG with AI-edit metadata)", interactive=False,
                           elem_id="download")
        button.click(run, [photo, target, fabric, person, length, cut, fit], [result, download, status],
                     api_name="translate",
                     concurrency_limit=backend.limits.concurrency)
    demo.queue(max_size=backend.limits.queue_size, default_concurrency_limit=backend.limits.concurrency)
    return demo


def exit_on_sigterm() -> None:
    """Make SIGTERM (``kill``, a service manager stopping the demo) exit like Ctrl+C: through ``SystemExit``, so
    the ``atexit`` cleanup of the results folder runs (the default SIGTERM action skips it). Main thread only."""
    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def launch(pipe: Any, host: str = "127.0.0.1", port: int = 7860, limits: DemoLimits | None = None,
           out_dir: Path | None = None, block: bool = True) -> tuple[Any, DemoBackend]:
    """Start the demo server; with ``block=False`` return (demo, backend) while it serves in a thread."""
    backend = DemoBackend(pipe, out_dir, limits)
    os.environ["GRADIO_TEMP_DIR"] = str(backend.uploads_dir)  # read when the app is built: uploads land there
    if block and threading.current_thread() is threading.main_thread():
        exit_on_sigterm()
    demo = build_demo(backend)
    demo.launch(server_name=host, server_port=port, max_file_size=f"{backend.limits.max_upload_mb:g}mb",
                allowed_paths=[str(backend.out_dir)], prevent_thread_lock=not block, show_error=False,
                ssr_mode=False, quiet=not block, inbrowser=False, share=False)
    return demo, backend
