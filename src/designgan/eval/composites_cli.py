"""``designgan data composites``: an evaluation set of group photos made from held-out people (registered under
``data`` by :mod:`designgan.cli`; it lives here because it builds on :mod:`designgan.eval.composites`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from designgan.errors import DesignGANError
from designgan.eval.composites import make_composites

err = Console(stderr=True)


def composites_command(
    data: Annotated[Path, typer.Option(help="Two-domain dataset whose test people are used (e.g. data/jeans_skirt).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output dataset folder (written atomically).")],
    n: Annotated[int, typer.Option(min=1, help="Composites to write.")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed (the same seed gives the same set).")] = 0,
    domain: Annotated[str, typer.Option(help="Domain whose people are pasted: a or b.")] = "a",
    height: Annotated[int, typer.Option(min=64, help="Height of each composite in pixels.")] = 830,
    reals: Annotated[int, typer.Option(min=0, help="Real photos of the other domain copied as the realism "
                                       "reference of 'designgan eval'.")] = 20,
    judge: Annotated[Path | None, typer.Option("--judge", help="Judge weights whose parse cuts the people out "
                                               "(default: the shipped ones).")] = None,
) -> None:
    """Photos of 2-3 held-out people side by side on a CCP background, with known boxes: a dataset 'designgan eval'
    scores per person (people found, per-person success). See designgan.eval.composites."""
    if domain not in ("a", "b"):
        raise DesignGANError(f"--domain must be a or b, got '{domain}'")
    from designgan.eval.judge import Judge

    meta = make_composites(data, out, n, seed=seed, domain=domain, height=height, reals=reals,
                           judge=Judge.load(judge))
    err.print(f"wrote {out}: {n} composites, {meta['counts']['test_' + domain]} photos in domain {domain}, "
              f"boxes in {out / 'boxes.json'}")
