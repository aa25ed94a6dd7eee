import numpy as np
import pytest

from designgan.data import CCP, DomainSpec, TwoDomainData, build_two_domain, ccp_items
from designgan.data.ccp import align_top_left
from designgan.errors import DataError
from designgan.io import image_size
from tests.conftest import CCP_FULL, needs_ccp


def test_label_names(ccp_mini):
    ccp = CCP(ccp_mini)
    assert len(ccp.label_names) == 59 and ccp.label_names[0] == "null"
    assert [ccp.label_id(n) for n in ("jeans", "skin", "skirt")] == [25, 41, 42]
    with pytest.raises(DataError, match="unknown CCP label 'jorts'"):
        ccp.label_id("jorts")


def test_label_maps_align_top_left(ccp_mini):
    ccp = CCP(ccp_mini)
    for image_id in ("0016", "0001"):  # 2 rows short, 3 rows long in the fixture
        size = image_size(ccp.photo_path(image_id))
        raw = ccp.load_label_map(image_id)
        aligned = ccp.load_label_map(image_id, size=size)
        assert aligned.shape == (size[1], size[0]) and raw.shape[0] != size[1]
        rows = min(raw.shape[0], size[1])
        np.testing.assert_array_equal(aligned[:rows], raw[:rows])
    assert align_top_left(np.ones((2, 2), np.uint8), 3, 3)[2].sum() == 0


def test_missing_and_corrupt_annotations(tmp_path, ccp_mini):
    with pytest.raises(DataError, match="folder not found"):
        CCP(tmp_path)
    for sub in ("photos", "annotations/pixel-level", "annotations/image-level"):
        (tmp_path / sub).mkdir(parents=True)
    (tmp_path / "annotations/pixel-level/0001.mat").write_text("garbage")
    ccp = CCP(tmp_path)
    with pytest.raises(DataError, match=r"0001\.mat: not a readable \.mat file"):
        ccp.load_label_map("0001")
    with pytest.raises(DataError, match=r"label_list\.mat: annotation file not found"):
        _ = ccp.label_names


@pytest.mark.parametrize(("policy", "counts"), [
    ("dominant", {"train_a": 3, "train_b": 2, "test_a": 2, "test_b": 2}),
    ("drop", {"train_a": 2, "train_b": 2, "test_a": 2, "test_b": 2}),
    ("keep", {"train_a": 3, "train_b": 3, "test_a": 3, "test_b": 3}),
])
def test_build_counts_and_overlap(tmp_path, ccp_mini, policy, counts):
    meta = build_two_domain(ccp_items(CCP(ccp_mini), ["jeans", "skirt"]), tmp_path / "ds", DomainSpec(["jeans"]),
                            DomainSpec(["skirt"]), source="t", overlap=policy, progress=False)
    assert meta["counts"] == counts
    data = TwoDomainData.open(tmp_path / "ds")
    assert data.counts() == counts
    if policy != "keep":
        for split in ("train", "test"):
            ids_a = {r.id for r in data.records(split, "a")}
            assert not ids_a & {r.id for r in data.records(split, "b")}


def test_built_records(mini_dataset):
    data = TwoDomainData.open(mini_dataset)
    train = data.records("train")
    assert all(r.has_masks and r.path("garment_mask").is_file() and r.path("skin_mask").is_file() for r in train)
    assert all(not r.has_masks for r in data.records("test"))
    both = next(r for r in train if r.id == "0087")
    assert both.domain == "a"  # jeans cover more pixels than the skirt in 0087
    assert {"jeans", "skirt", "skin"} <= set(both.tags)
    assert data.domain_name("a") == "jeans"


def test_category_groups(tmp_path, ccp_mini):
    meta = build_two_domain(ccp_items(CCP(ccp_mini), ["jeans", "pants", "skirt"]), tmp_path / "g",
                            DomainSpec.parse("jeans,pants"), DomainSpec.parse("skirt"), source="t", progress=False)
    assert meta["domains"]["a"]["name"] == "jeans+pants"
    assert meta["counts"]["train_a"] >= 3


def test_corrupt_photo_fails_without_partial_output(tmp_path, ccp_mini):
    import shutil

    root = tmp_path / "ccp"
    shutil.copytree(ccp_mini, root)
    (root / "photos/0026.jpg").write_bytes(b"\xff\xd8\xff garbage")
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"0026\.jpg: not a readable image"):
        build_two_domain(ccp_items(CCP(root), ["jeans", "skirt"]), out, DomainSpec(["jeans"]),
                         DomainSpec(["skirt"]), source="t", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ccp"]


def test_existing_output_is_not_overwritten(tmp_path, ccp_mini):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    items = ccp_items(CCP(ccp_mini), ["jeans", "skirt"])
    with pytest.raises(DataError, match="exists and is not empty"):
        build_two_domain(items, out, DomainSpec(["jeans"]), DomainSpec(["skirt"]), source="t", progress=False)
    assert (out / "keep.txt").read_text() == "mine"


@needs_ccp
@pytest.mark.slow
def test_full_ccp_public_protocol_counts(tmp_path):
    ccp = CCP(CCP_FULL)
    keep = build_two_domain(ccp_items(ccp, ["jeans", "skirt"]), tmp_path / "keep", DomainSpec(["jeans"]),
                            DomainSpec(["skirt"]), source="ccp", overlap="keep", progress=False)
    assert keep["counts"] == {"train_a": 155, "train_b": 167, "test_a": 89, "test_b": 313}
    assert keep["overlapping_images"] == {"train": 4, "test": 2}
    dominant = build_two_domain(ccp_items(ccp, ["jeans", "skirt"]), tmp_path / "dominant", DomainSpec(["jeans"]),
                                DomainSpec(["skirt"]), source="ccp", progress=False)
    # 0087, 0715, 0755 have more jeans than skirt, 0761 more skirt; the two image-level ones are dropped
    assert dominant["counts"] == {"train_a": 154, "train_b": 164, "test_a": 87, "test_b": 311}
