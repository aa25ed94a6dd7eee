"""Load test for the web demo: N concurrent translate requests, all of which must be answered.

    python scripts/load_test.py --model RUN_DIR [--landmarks W.safetensors] [--requests 20]   # starts a server
    python scripts/load_test.py --url http://127.0.0.1:7860/ [--requests 20]                   # an existing one

Each request uploads a photo and waits for its answer (a result, or the app's error line such as "no person
found": both are answers). Prints JSON: answered / failed counts, latency percentiles, and the server's resident
memory before and after (when it runs in this process).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

DEFAULT_PHOTO = Path(__file__).resolve().parents[1] / "src" / "designgan" / "assets" / "examples" / "ccp_1005.jpg"


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_load_test(url: str, photo: Path, requests: int = 20, target: str = "skirt", timeout: float = 600.0
                  ) -> dict[str, Any]:
    from gradio_client import Client, handle_file

    def one(i: int) -> dict[str, Any]:
        tic = time.perf_counter()
        try:
            client = Client(url, verbose=False)
            _image, download, status = client.predict(handle_file(str(photo)), target, None, api_name="/translate")
            return {"ok": True, "seconds": time.perf_counter() - tic, "result": download is not None,
                    "status": str(status)}
        except Exception as exc:  # a dropped or failed request is what this test looks for
            return {"ok": False, "seconds": time.perf_counter() - tic, "error": f"{type(exc).__name__}: {exc}"}

    tic = time.perf_counter()
    with ThreadPoolExecutor(max_workers=requests) as pool:
        answers = list(pool.map(one, range(requests), timeout=timeout))
    wall = time.perf_counter() - tic
    seconds = sorted(a["seconds"] for a in answers if a["ok"])
    return {
        "requests": requests,
        "answered": sum(a["ok"] for a in answers),
        "with_result": sum(a.get("result", False) for a in answers),
        "failed": [a["error"] for a in answers if not a["ok"]][:5],
        "statuses": sorted({a["status"][:120] for a in answers if a["ok"]})[:5],
        "wall_s": round(wall, 2),
        "latency_s": {"p50": round(statistics.median(seconds), 2) if seconds else None,
                      "max": round(seconds[-1], 2) if seconds else None},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="An already running demo; otherwise one is started here.")
    parser.add_argument("--model", help="Model for the server started here.")
    parser.add_argument("--landmarks", help="Landmark weights for the server started here.")
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--target", default="skirt")
    parser.add_argument("--port", type=int, default=7870)
    args = parser.parse_args(argv)

    demo = backend = None
    url = args.url
    if url is None:
        if not args.model:
            parser.error("give --url of a running demo, or --model to start one")
        from designgan.app.demo import launch
        from designgan.pipeline import DesignGANPipeline

        pipe = DesignGANPipeline.from_pretrained(args.model, landmarks=args.landmarks)
        demo, backend = launch(pipe, port=args.port, block=False)
        url = f"http://127.0.0.1:{args.port}/"
    before = rss_mb()
    peak = [before]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.2):
            peak[0] = max(peak[0], rss_mb())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        report = run_load_test(url, args.photo, args.requests, args.target)
    finally:
        stop.set()
        if demo is not None:
            demo.close()
        if backend is not None:
            backend.cleanup()
    if demo is not None:
        report["server_rss_mb"] = {"before": round(before, 1), "peak": round(peak[0], 1),
                                   "after": round(rss_mb(), 1)}
    print(json.dumps(report, indent=2))
    return 0 if report["answered"] == report["requests"] else 1


if __name__ == "__main__":
    sys.exit(main())
