"""The ``designgan`` command line. Every sub-command has ``--help``; user errors print one line and exit 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

import designgan
from designgan.data.cli import app as data_app
from designgan.errors import DesignGANError
from designgan.landmarks.cli import app as landmarks_app

app = typer.Typer(
    help="DesignGAN: change the category of a garment in a photo (jeans -> skirt, skirt -> trousers).",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
app.add_typer(data_app, name="data")
app.add_typer(landmarks_app, name="landmarks")

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
