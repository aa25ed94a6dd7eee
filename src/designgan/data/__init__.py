"""Dataset readers, domain builders, joint transforms and validation."""

from designgan.data.builder import Annotation, DomainSpec, SourceItem, build_two_domain, category_members
from designgan.data.ccp import CCP, ccp_items
from designgan.data.check import Problem, check_dataset
from designgan.data.deepfashion2 import deepfashion2_items
from designgan.data.folders import folder_items
from designgan.data.manifest import Record, TwoDomainData


def __getattr__(name: str):
    # The torch dataset is imported on first use: importing torch/torchvision takes seconds, and the CLI (even
    # 'designgan --version') imports this package.
    if name == "DomainImageDataset":
        from designgan.data.dataset import DomainImageDataset

        return DomainImageDataset
    raise AttributeError(f"module 'designgan.data' has no attribute {name!r}")


__all__ = [
    "CCP", "Annotation", "DomainImageDataset", "DomainSpec", "Problem", "Record", "SourceItem", "TwoDomainData",
    "build_two_domain", "category_members", "ccp_items", "check_dataset", "deepfashion2_items", "folder_items",
]
