"""Shared fixtures: the committed CCP slice, and the full dataset when it is present."""

from __future__ import annotations

from pathlib import Path

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
