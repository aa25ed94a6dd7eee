"""The ``designgan`` command line. Every sub-command has ``--help``; user errors print one line and exit 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

import designgan
from designgan.app import demo_command
from designgan.bench_memory import bench_memory
from designgan.bench_translate import bench_translate
from designgan.data.cli import app as data_app
from designgan.errors import DesignGANError
from designgan.eval.cli import compare_command, eval_command, judge_app
from designgan.eval.composites_cli import composites_command
from designgan.landmarks.cli import app as landmarks_app
from designgan.painter_cli import export_painter_command
from designgan.pipeline_cli import export_command, translate_command
from designgan.train.cli import bench_train_command, pack_command, pack_painter_command, train_command

app = typer.Typer(
    help="DesignGAN: change the category of a garment in a photo (jeans -> skirt, skirt -> trousers).",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Speed benchmarks that print figures (training step, translation).", no_args_is_help=True)
bench_app.command("train")(bench_train_command)
bench_app.command("translate")(bench_translate)
bench_app.command("memory")(bench_memory)

data_app.command("pack")(pack_command)  # lives with training: it packs what a training config reads
data_app.command("pack-painter")(pack_painter_command)
data_app.command("composites")(composites_command)  # an evaluation set: lives with eval
app.add_typer(data_app, name="data")
app.add_typer(landmarks_app, name="landmarks")
app.command("train")(train_command)
app.command("translate")(translate_command)
app.command("export")(export_command)
app.command("export-painter")(export_painter_command)
app.command("demo")(demo_command)
app.add_typer(judge_app, name="judge")
app.command("eval")(eval_command)
app.command("compare")(compare_command)
app.add_typer(bench_app, name="bench")

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"designgan {designgan.__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


@app.command()
def showcase(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the pictures it writes.")] = Path("outputs/demo"),
) -> None:
    """Run every shipped part of the pipeline on the bundled example photos (what `make demo` calls)."""
    from designgan.showcase import run_showcase

    run_showcase(out)


def main() -> None:
    try:
        app()
    except DesignGANError as exc:
        if _state["debug"]:
            raise
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
