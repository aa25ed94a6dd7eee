"""The README and docs point only at pictures and configs that exist, and every config they name loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _referenced(pattern: str) -> set[tuple[Path, str]]:
    found = set()
    for page in PAGES:
        for match in re.finditer(pattern, page.read_text()):
            found.add((page, match.group(1)))
    return found


@pytest.mark.parametrize(("page", "target"), sorted(_referenced(r"\]\(((?:docs/)?img/[^)#\s]+)\)")),
                         ids=lambda x: x.name if isinstance(x, Path) else x)
def test_pictures_exist(page: Path, target: str):
    assert (page.parent / target).is_file(), f"{page.name} shows {target}, which does not exist"


@pytest.mark.parametrize("config", sorted({c for _, c in _referenced(r"(configs/[\w/]+\.yaml)")}
                                          | {str(p.relative_to(ROOT)) for p in (ROOT / "configs").rglob("*.yaml")}))
def test_named_configs_exist_and_load(config: str):
    """Every config the docs name exists, and every shipped config loads with its own schema (unknown keys fail)."""
    from designgan.config import load_config
    from designgan.eval.garment_judge_train import GarmentJudgeTrainConfig
    from designgan.eval.judge_train import JudgeTrainConfig
    from designgan.eval.realism_train import RealismTrainConfig
    from designgan.landmarks.segmenter_train import SegmenterTrainConfig
    from designgan.landmarks.train import LandmarkTrainConfig
    from designgan.train.config import load_train_config
    from designgan.train.painter_config import is_painter_config, load_painter_config

    path = ROOT / config
    assert path.is_file(), f"the docs name {config}, which does not exist"
    if is_painter_config(path):
        load_painter_config(path)
    elif path.stem == "landmarks":
        load_config(LandmarkTrainConfig, path, [])
    elif path.stem.startswith("garment_judge"):
        load_config(GarmentJudgeTrainConfig, path, [])
    elif path.stem == "realism":
        load_config(RealismTrainConfig, path, [])
    elif path.stem.startswith("judge"):
        load_config(JudgeTrainConfig, path, [])
    elif path.stem.startswith("segmenter"):
        load_config(SegmenterTrainConfig, path, [])
    else:
        load_train_config(path)


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown page (lower case, punctuation dropped, spaces to dashes)."""
    anchors: set[str] = set()
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    for heading in re.findall(r"^#{1,6}\s+(.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug if slug not in anchors else f"{slug}-1")
    return anchors


LINKED_PAGES = [*PAGES, ROOT / "DEVELOPERS.md", ROOT / "CHANGELOG.md"]


@pytest.mark.parametrize("page", [p for p in LINKED_PAGES if p.is_file()], ids=lambda p: p.name)
def test_relative_links_resolve(page: Path):
    """Every relative link of the README and docs names a file that exists, and an anchor that its page has."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    broken = []
    for url in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", url):
            continue
        target, _, anchor = url.partition("#")
        path = (page.parent / target).resolve() if target else page
        if not path.exists() or (anchor and path.suffix == ".md" and anchor not in _anchors(path)):
            broken.append(url)
    assert not broken, f"{page.name} links to what does not exist: {broken}"
