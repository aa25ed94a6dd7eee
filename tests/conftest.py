"""Shared fixtures: the committed CCP slice, the full dataset when it is present, and tiny untrained parts
(:mod:`tests.parts`): a translator run, a saved pipeline of untrained components, and weight files of untrained
networks, which the machinery's tests pass explicitly so that they need none of the shipped weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
CCP_MINI = FIXTURES / "ccp_mini"
CCP_FULL = (REPO.parent / "shared" / "datasets" / "ccp").resolve()

needs_ccp = pytest.mark.skipif(
    not (CCP_FULL / "photos").is_dir(),
    reason=f"full CCP dataset not found at {CCP_FULL} (clone github.com/bearpaw/clothing-co-parsing there)",
)


@pytest.fixture(scope="session")
def ccp_mini() -> Path:
    return CCP_MINI


@pytest.fixture(scope="session")
def mini_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """jeans/skirt two-domain dataset built once from the committed CCP slice."""
    from designgan.data import CCP, DomainSpec, build_two_domain, ccp_items

    out = tmp_path_factory.mktemp("datasets") / "jeans_skirt"
    build_two_domain(ccp_items(CCP(CCP_MINI), ["jeans", "skirt"]), out, DomainSpec(["jeans"]),
                     DomainSpec(["skirt"]), source="ccp_mini", progress=False)
    return out


@pytest.fixture(scope="session")
def run_dir(mini_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained DesignGAN translator's training run folder (jeans <-> skirt)."""
    from tests.parts import tiny_translator_config, write_run

    return write_run(tmp_path_factory.mktemp("runs") / "jeans2skirt", tiny_translator_config(mini_dataset))


@pytest.fixture(scope="session")
def pipeline_dir(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved pipeline (save_pretrained) of the untrained translator and the untrained parts: what a test passes
    as ``--model`` so that the command line loads no shipped weights."""
    from designgan.pipeline import DesignGANPipeline
    from tests.parts import tiny_parts

    pipe = DesignGANPipeline.from_pretrained(run_dir, **tiny_parts(), precision="fp32")
    return pipe.save_pretrained(tmp_path_factory.mktemp("saved") / "tiny_pipeline")


@pytest.fixture(scope="session")
def jeans_photo(mini_dataset: Path) -> tuple[Path, dict, np.ndarray]:
    """(photo path, landmarks, garment mask) of a jeans photo of the committed CCP slice."""
    from designgan.data import TwoDomainData
    from designgan.io import load_mask
    from tests.parts import landmarks_from_mask

    record = next(r for r in TwoDomainData.open(mini_dataset).records("train", "a") if r.has_masks)
    mask = load_mask(record.path("garment_mask"))
    return record.path("image"), landmarks_from_mask(mask, "trousers"), mask


@pytest.fixture(scope="session")
def untrained_landmarks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A landmark weights file of an untrained network (it finds nobody), for ``--landmarks``."""
    from tests.parts import write_tiny_landmarks

    return write_tiny_landmarks(tmp_path_factory.mktemp("landmarks") / "untrained.safetensors")


@pytest.fixture(scope="session")
def tiny_judge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A judge (garment parser) weights file of an untrained network, for ``--judge``."""
    from tests.parts import write_tiny_judge

    return write_tiny_judge(tmp_path_factory.mktemp("judge") / "judge.safetensors")


@pytest.fixture(scope="session")
def always_skirt_judge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A garment classifier weights file that answers "skirt" for everyone, for ``--garment-judge``."""
    from tests.parts import write_forced_garment_judge

    return write_forced_garment_judge(tmp_path_factory.mktemp("garment") / "always_skirt.safetensors", "skirt")
