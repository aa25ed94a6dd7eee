import shutil

import numpy as np
from PIL import Image

from designgan.data import TwoDomainData, check_dataset


def test_clean_dataset_has_no_problems(mini_dataset):
    assert check_dataset(mini_dataset, progress=False) == []


def test_every_problem_is_listed_with_its_file(tmp_path, mini_dataset):
    root = tmp_path / "ds"
    shutil.copytree(mini_dataset, root)
    data = TwoDomainData.open(root)
    a0, a1, a2 = data.records("train", "a")
    b0, b1 = data.records("train", "b")
    a0.path("image").write_bytes(b"not a jpeg")                                       # unreadable image
    Image.new("L", (10, 10)).save(a1.path("skin_mask"))                               # wrong-size mask
    Image.fromarray(np.zeros((a2.height, a2.width), np.uint8)).save(a2.path("garment_mask"))  # empty mask
    b0.path("garment_mask").unlink()                                                  # missing annotation file
    lines = (root / "manifest.jsonl").read_text().splitlines()
    lines = [line.replace('"garment_mask":"trainB_masks/' + b1.id + '_garment.png"', '"garment_mask":null')
             for line in lines]
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n")                     # record without masks
    problems = [str(p) for p in check_dataset(root, progress=False)]
    expected = [
        (a0.image, "not a readable image"),
        (a1.skin_mask, "mask is 10x10"),
        (a2.garment_mask, "empty garment mask"),
        (b0.garment_mask, "mask file not found"),
        (b1.image, "missing annotation"),
    ]
    for rel, needle in expected:
        assert any(rel in p and needle in p for p in problems), (rel, needle, problems)
    assert len(problems) == len(expected)


def test_not_a_dataset(tmp_path):
    problems = check_dataset(tmp_path, progress=False)
    assert len(problems) == 1 and "dataset.json" in problems[0].path
