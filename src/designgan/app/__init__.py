"""The web demo (``designgan demo``): a Gradio app around :class:`designgan.pipeline.DesignGANPipeline`.

Mount in the main CLI::

    from designgan.app import demo_command
    app.command("demo")(demo_command)

Needs the ``app`` extra (``pip install 'designgan[app]'``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from designgan.errors import DesignGANError


def demo_command(
    model: Annotated[str | None, typer.Option(help="Bundled model name, saved model, or training run folder "
                                              "(default: the bundled model).")] = None,
    landmarks: Annotated[Path | None, typer.Option(help="Landmark weights (.safetensors); default: the shipped "
                                                   "ones.")] = None,
    host: Annotated[str, typer.Option(help="Address to bind. The default serves this machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 7860,
    max_upload_mb: Annotated[float, typer.Option(min=0.1, help="Largest accepted upload.")] = 10.0,
    queue_size: Annotated[int, typer.Option(min=1, help="Requests that may wait; more are refused.")] = 64,
    concurrency: Annotated[int, typer.Option(min=1, max=16, help="Requests processed at once.")] = 2,
    compile: Annotated[bool, typer.Option("--compile", help="torch.compile the generator at start-up.")] = False,
    threads: Annotated[int | None, typer.Option(min=1, help="torch threads (default: half the CPUs, at least 1; "
                                                "torch's choice when OMP_NUM_THREADS is set).")] = None,
    precision: Annotated[str, typer.Option(help="auto (bf16 where native: CUDA, AMX/AVX512_BF16 CPUs; else "
                                           "fp32), bf16, autocast or fp32.")] = "auto",
    device: Annotated[str, typer.Option(help="auto (CUDA when available), cpu or cuda.")] = "auto",
) -> None:
    """Start the web demo: upload a photo, pick the new garment (and a fabric), download the AI-edited result."""
    try:
        import gradio  # noqa: F401
    except ImportError:
        raise DesignGANError("the web demo needs Gradio: pip install 'designgan[app]'") from None
    import torch

    from designgan.app.demo import DemoLimits, launch
    from designgan.pipeline import DesignGANPipeline, bundled_models, default_model, inference_threads

    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"warning: binding {host} exposes the demo to other machines", err=True)
    # Without --model every bundled model is served (the target category picks one); they share one landmark network,
    # one segmenter and one garment classifier.
    names = [model] if model is not None else (bundled_models() or [default_model()])
    options = {"compile": compile, "precision": precision, "device": device}
    torch.set_num_threads(threads or inference_threads())  # the one process-wide setting, made by the command
    pipes = [DesignGANPipeline.from_pretrained(names[0], landmarks=landmarks, **options)]
    pipes[0].landmarks  # noqa: B018  (load now, so a missing landmark model fails at start-up, not per request)
    pipes += [DesignGANPipeline.from_pretrained(n, landmarks=pipes[0].landmarks, masker=pipes[0].masker,
                                                garment_classifier=pipes[0].garment_classifier, **options)
              for n in names[1:]]
    shown = ", ".join(p.spec.name for p in pipes)
    typer.echo(f"DesignGAN demo: {pipes[0].describe()}", err=True)
    typer.echo(f"DesignGAN demo on http://{host}:{port} (models: {shown}; Ctrl+C stops it)", err=True)
    launch(pipes, host=host, port=port, limits=DemoLimits(max_upload_mb=max_upload_mb, queue_size=queue_size,
                                                          concurrency=concurrency))
