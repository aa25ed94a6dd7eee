"""Dataset readers, domain builders, joint transforms and validation."""

from designgan.data.builder import Annotation, DomainSpec, SourceItem, build_two_domain, category_members
from designgan.data.ccp import CCP, ccp_items
from designgan.data.check import Problem, check_dataset
from designgan.data.dataset import DomainImageDataset
from designgan.data.deepfashion2 import deepfashion2_items
from designgan.data.folders import folder_items
from designgan.data.manifest import Record, TwoDomainData

__all__ = [
    "CCP", "Annotation", "DomainImageDataset", "DomainSpec", "Problem", "Record", "SourceItem", "TwoDomainData",
    "build_two_domain", "category_members", "ccp_items", "check_dataset", "deepfashion2_items", "folder_items",
]
