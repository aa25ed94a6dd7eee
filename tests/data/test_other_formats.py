import shutil

import numpy as np
import pytest

from designgan.data import DomainSpec, TwoDomainData, build_two_domain, deepfashion2_items, folder_items
from designgan.errors import DataError
from designgan.io import load_mask
from tests.conftest import FIXTURES


def test_instagan_folders(tmp_path):
    meta = build_two_domain(folder_items(FIXTURES / "instagan_mini", "jeans", "skirt"), tmp_path / "ds",
                            DomainSpec(["jeans"]), DomainSpec(["skirt"]), source="folders", progress=False)
    assert meta["counts"] == {"train_a": 2, "train_b": 2, "test_a": 1, "test_b": 1}
    record = TwoDomainData.open(tmp_path / "ds").records("train", "a")[0]
    union = load_mask(record.path("garment_mask"))
    parts = [load_mask(FIXTURES / f"instagan_mini/trainA_seg/{record.id}_{k}.png") for k in (0, 1)]
    np.testing.assert_array_equal(union, parts[0] | parts[1])


def test_instagan_missing_instance_mask(tmp_path):
    root = tmp_path / "ig"
    shutil.copytree(FIXTURES / "instagan_mini", root)
    for path in (root / "trainB_seg").glob("0006_*.png"):
        path.unlink()
    with pytest.raises(DataError, match=r"trainB/0006\.png: no instance mask"):
        build_two_domain(folder_items(root), tmp_path / "out", DomainSpec(["A"]), DomainSpec(["B"]),
                         source="x", progress=False)
    assert not (tmp_path / "out").exists()


def test_deepfashion2(tmp_path):
    meta = build_two_domain(deepfashion2_items(FIXTURES / "deepfashion2_mini", ["trousers", "skirt"]),
                            tmp_path / "ds", DomainSpec(["trousers"]), DomainSpec(["skirt"]), source="df2",
                            progress=False)
    # 0087 holds both; its trousers outline is larger, so it goes to domain a
    assert meta["counts"] == {"train_a": 3, "train_b": 2, "test_a": 1, "test_b": 0}
    data = TwoDomainData.open(tmp_path / "ds")
    for record in data.all_records:
        assert load_mask(record.path("garment_mask")).any()
        assert "garment_landmarks" in record.extra


def test_deepfashion2_unknown_category():
    with pytest.raises(DataError, match="unknown DeepFashion2 category 'jeggings'"):
        list(deepfashion2_items(FIXTURES / "deepfashion2_mini", ["jeggings"]))
