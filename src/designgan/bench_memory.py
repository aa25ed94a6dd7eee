"""``designgan bench memory``: peak memory and time of ``designgan translate`` on extreme image shapes.

Each case runs the real command in a fresh process (so its peak resident set size is its own, read with
``os.wait4``) on a synthetic image: a long thin strip either way and a 7000x7000 square (the pixel limit is
50 MP). ``photo`` images tile a bundled example photo (people are found, so the whole pipeline runs); ``black``
images are the issue-19 reproduction (``Image.new('RGB', (60000, 120))``). Goals: <= 3 GB and <= 30 s each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from PIL import Image

from designgan.errors import DesignGANError

GOAL_MB = 3 * 1024
GOAL_S = 30.0


def make_image(size: tuple[int, int], content: str, path: Path) -> Path:
    """A ``size`` (w, h) image: ``black``, or a bundled example photo scaled to the short side and tiled."""
    w, h = size
    if content == "black":
        Image.new("RGB", (w, h)).save(path)
        return path
    from designgan.showcase import example_photos

    with Image.open(example_photos()[0]) as src:
        photo = src.convert("RGB")
    if w >= 2 * h:  # a long strip: the photo at the strip's height, repeated along it
        scale = h / photo.height
    elif h >= 2 * w:
        scale = w / photo.width
    else:
        scale = min(h / photo.height, w / photo.width)
    tile = photo.resize((max(1, round(photo.width * scale)), max(1, round(photo.height * scale))), Image.BICUBIC)
    canvas = Image.new("RGB", (w, h), (128, 128, 128))
    for x in range(0, w, tile.width):
        for y in range(0, h, tile.height):
            canvas.paste(tile, (x, y))
    canvas.save(path, **({"quality": 92} if path.suffix == ".jpg" else {}))
    return path


def run_case(image: Path, out: Path, to: str, model: str | None, threads: int, timeout: float) -> dict:
    """Run ``designgan translate`` on ``image`` in a child process: wall time, peak RSS (MB), exit code."""
    cmd = [sys.executable, "-m", "designgan.cli", "translate", str(image), "--to", to, "-o", str(out),
           "--threads", str(threads)]
    if model is not None:
        cmd += ["--model", model]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    with tempfile.TemporaryFile("w+") as log:
        tic = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - tic > timeout:
                proc.kill()
                killed = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - tic
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        lines = [line.strip() for line in log.read().replace("\r", "\n").splitlines() if line.strip()]
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    last = [ln for ln in lines if ln.startswith(("translated", "error", "warning"))]
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(rss_mb), "exit_code": proc.returncode,
            "killed_after_timeout": killed, "messages": last[-3:]}


def bench_memory(
    sizes: Annotated[str, typer.Option(help="Comma-separated WxH image sizes.")] = "60000x120,120x60000,7000x7000",
    content: Annotated[str, typer.Option(help="photo (tiled example photo), black, or both.")] = "both",
    to: Annotated[str, typer.Option("--to", help="Target category.")] = "skirt",
    model: Annotated[str | None, typer.Option(help="Model (default: the bundled one).")] = None,
    threads: Annotated[int, typer.Option(min=1, help="torch threads of each run.")] = 1,
    timeout: Annotated[float, typer.Option(help="Seconds before a run is killed (and reported).")] = 300.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Peak memory (RSS) and time of 'designgan translate' on long thin and huge images (goal: <= 3 GB, <= 30 s)."""
    contents = ["photo", "black"] if content == "both" else [content]
    if any(c not in ("photo", "black") for c in contents):
        raise DesignGANError(f"--content must be photo, black or both, not {content!r}")
    parsed = []
    for item in sizes.split(","):
        try:
            w, h = (int(v) for v in item.lower().strip().split("x"))
        except ValueError:
            raise DesignGANError(f"--sizes: {item!r} is not WxH") from None
        parsed.append((w, h))
    results = []
    with tempfile.TemporaryDirectory(prefix="designgan-bench-memory-") as tmp:
        for w, h in parsed:
            for kind in contents:
                image = make_image((w, h), kind, Path(tmp) / f"{kind}_{w}x{h}.{'jpg' if kind == 'photo' else 'png'}")
                figures = run_case(image, Path(tmp) / "out", to, model, threads, timeout)
                ok = figures["peak_rss_mb"] <= GOAL_MB and figures["seconds"] <= GOAL_S
                results.append({"size": f"{w}x{h}", "content": kind, **figures, "within_goal": ok})
                if not as_json:
                    typer.echo(f"{w}x{h} {kind:5}: {figures['seconds']:6.1f} s  peak RSS {figures['peak_rss_mb']:5d} MB"
                               f"  exit {figures['exit_code']}  {'ok' if ok else 'OVER GOAL'}  "
                               f"{' | '.join(figures['messages'])[:200]}")
    if as_json:
        typer.echo(json.dumps({"goal": {"peak_rss_mb": GOAL_MB, "seconds": GOAL_S}, "threads": threads,
                               "results": results}, indent=2))
    if not all(r["within_goal"] for r in results):
        raise typer.Exit(1)
