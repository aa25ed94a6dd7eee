import torch
from torchvision import tv_tensors

from designgan.data import DomainImageDataset, TwoDomainData
from designgan.data.transforms import RandomHorizontalFlip, eval_transform, flip_index, train_transform

NAMES = ["nose", "left_hip", "right_hip", "left_knee", "right_knee"]


def _sample():
    image = torch.zeros(3, 20, 10, dtype=torch.uint8)
    image[:, 5, 2] = 255  # a marker at x=2, y=5
    mask = torch.zeros(1, 20, 10, dtype=torch.uint8)
    mask[0, 5, 2] = 1
    points = torch.tensor([[5.0, 1.0], [2.0, 5.0], [7.0, 5.0], [2.0, 12.0], [7.0, 12.0]])
    return {"image": tv_tensors.Image(image), "masks": tv_tensors.Mask(mask),
            "keypoints": tv_tensors.KeyPoints(points, canvas_size=(20, 10)),
            "visibility": torch.tensor([1.0, 1.0, 0.5, 1.0, 0.0]), "key": "x"}


def test_flip_index_swaps_left_right():
    assert flip_index(NAMES) == [0, 2, 1, 4, 3]


def test_flip_moves_everything_together_and_swaps_names():
    out = RandomHorizontalFlip(flip_index(NAMES), p=1.0)(_sample())
    assert out["image"][0, 5, 7] == 255 and out["masks"][0, 5, 7] == 1  # x -> W - 1 - x
    # left_hip now carries what was right_hip, mirrored like the pixels: x=7 -> W - 1 - 7 = 2
    assert torch.allclose(out["keypoints"][1], torch.tensor([2.0, 5.0]))
    assert out["visibility"].tolist() == [1.0, 0.5, 1.0, 0.0, 1.0]
    assert out["key"] == "x"


def test_train_transform_shapes_and_visibility():
    torch.manual_seed(0)
    out = train_transform((16, 8), flip_index(NAMES), scale=(0.3, 0.3))(_sample())
    assert out["image"].shape == (3, 16, 8) and out["image"].dtype == torch.float32
    assert out["masks"].shape == (1, 16, 8) and out["masks"].dtype == torch.uint8
    xy = out["keypoints"]
    outside = (xy[:, 0] < 0) | (xy[:, 0] > 7) | (xy[:, 1] < 0) | (xy[:, 1] > 15)
    assert (out["visibility"][outside] == 0).all()


def test_dataset_samples(mini_dataset):
    data = TwoDomainData.open(mini_dataset)
    records = data.records("train", "a")
    points = {r.key: [[r.width / 2, r.height / 2, 1.0]] * len(NAMES) for r in records}
    ds = DomainImageDataset(records, eval_transform((64, 40)), keypoints=points)
    sample = ds[0]
    assert sample["image"].shape == (3, 64, 40) and sample["image"].min() >= 0 and sample["image"].max() <= 1
    assert sample["masks"].shape == (2, 64, 40) and sample["masks"][0].any()
    assert sample["keypoints"].shape == (len(NAMES), 2) and bool(sample["has_masks"])
    test_sample = DomainImageDataset(data.records("test", "a"), eval_transform((64, 40)))[0]
    assert not test_sample["masks"].any() and not bool(test_sample["has_masks"])
