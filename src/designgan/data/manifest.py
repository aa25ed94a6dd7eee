"""The two-domain dataset format every training and evaluation command reads.

A dataset folder holds ``dataset.json`` (what the domains are), ``manifest.jsonl`` (one :class:`Record` per
image) and the files the records point to, in CycleGAN-style folders (``trainA/``, ``trainA_masks/``, ...).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from designgan.errors import DataError

FORMAT_NAME = "designgan-two-domain"
FORMAT_VERSION = 1
MANIFEST = "manifest.jsonl"
METADATA = "dataset.json"

Split = Literal["train", "test"]
Domain = Literal["a", "b"]


def folder_name(split: str, domain: str) -> str:
    """``("train", "a")`` -> ``"trainA"``, the CycleGAN folder convention."""
    return f"{split}{domain.upper()}"


@dataclass
class Record:
    """One image of a two-domain dataset; paths are relative to the dataset root."""

    key: str
    id: str
    split: Split
    domain: Domain
    category: str
    image: str
    width: int
    height: int
    garment_mask: str | None = None
    skin_mask: str | None = None
    label_map: str | None = None
    tags: list[str] = field(default_factory=list)
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    root: Path | None = field(default=None, repr=False, compare=False)

    def path(self, name: str) -> Path | None:
        """Absolute path of one of the file fields (``image``, ``garment_mask``, ...), or None if absent."""
        rel = getattr(self, name)
        if rel is None:
            return None
        if self.root is None:
            raise DataError(f"record {self.key}: not attached to a dataset folder")
        return self.root / rel

    @property
    def has_masks(self) -> bool:
        return self.garment_mask is not None

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data.pop("root")
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any], root: Path | None, where: str) -> Record:
        names = {f.name for f in dataclasses.fields(cls)} - {"root"}
        unknown = set(data) - names
        if unknown:
            raise DataError(f"{where}: unknown record field '{sorted(unknown)[0]}'")
        try:
            record = cls(**data, root=root)
        except TypeError as exc:
            raise DataError(f"{where}: incomplete record ({exc})") from None
        if record.split not in ("train", "test") or record.domain not in ("a", "b"):
            raise DataError(f"{where}: bad split/domain {record.split!r}/{record.domain!r}")
        return record


@dataclass
class TwoDomainData:
    """An opened two-domain dataset folder."""

    root: Path
    metadata: dict[str, Any]
    all_records: list[Record]

    @classmethod
    def open(cls, root: str | Path) -> TwoDomainData:
        root = Path(root)
        meta_path, manifest_path = root / METADATA, root / MANIFEST
        if not meta_path.is_file():
            raise DataError(f"{meta_path}: not found ({root} is not a DesignGAN dataset; build one with "
                            "'designgan data build')")
        try:
            metadata = json.loads(meta_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{meta_path}: invalid JSON ({exc})") from None
        if metadata.get("format") != FORMAT_NAME:
            raise DataError(f"{meta_path}: format is {metadata.get('format')!r}, expected {FORMAT_NAME!r}")
        if not manifest_path.is_file():
            raise DataError(f"{manifest_path}: not found")
        records = []
        for lineno, line in enumerate(manifest_path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{manifest_path}:{lineno}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: invalid JSON ({exc.msg})") from None
            records.append(Record.from_dict(data, root, where))
        return cls(root=root, metadata=metadata, all_records=records)

    def records(self, split: str | None = None, domain: str | None = None) -> list[Record]:
        return [r for r in self.all_records
                if (split is None or r.split == split) and (domain is None or r.domain == domain)]

    def domain_name(self, domain: str) -> str:
        return self.metadata["domains"][domain]["name"]

    def counts(self) -> dict[str, int]:
        return {f"{s}_{d}": len(self.records(s, d)) for s in ("train", "test") for d in ("a", "b")}
