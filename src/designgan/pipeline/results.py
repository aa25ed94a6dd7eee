"""Typed results: one :class:`PersonResult` per person found (translated, or skipped with the reason) and one
:class:`PhotoResult` per photo of :func:`designgan.pipeline.files.translate_files` (translated into a file, or
failed with the error). ``designgan translate --json`` prints :meth:`PhotoResult.to_json` (docs/pipeline.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # annotations only: the command line imports this module without torch
    from designgan.pipeline.output import PersonEdit, PipelineOutput


@dataclass(frozen=True)
class PersonResult:
    """One person found in a photo (numbered by prominence, 1 = the most prominent): ``translated`` (``wears``:
    the garment family the classifier saw; ``garment``: its probabilities) or ``skipped`` (``reason``; ``box``: the
    box around their landmarks, photo pixels, or None; ``garment`` when the classifier looked)."""

    number: int
    status: Literal["translated", "skipped"]
    reason: str | None = None
    box: list[int] | None = None
    wears: str | None = None
    garment: dict[str, float] | None = None

    @classmethod
    def of_edit(cls, edit: PersonEdit) -> PersonResult:
        return cls(edit.person.number, "translated", wears=edit.worn, garment=edit.garment)

    @classmethod
    def of_skip(cls, record: dict[str, Any]) -> PersonResult:
        """From a :meth:`~designgan.pipeline.person.Person.skip` record (``{"person", "reason", "box"}``, plus
        ``"garment"`` where the classifier looked)."""
        return cls(int(record["person"]), "skipped", str(record["reason"]), record.get("box"),
                   garment=record.get("garment"))

    def to_json(self) -> dict[str, Any]:
        """``--json``'s record: ``{"person", "wears", "garment"}`` (translated) or ``{"person", "reason", "box"}``
        plus ``"garment"`` where the classifier looked (skipped)."""
        if self.status == "translated":
            return {"person": self.number, "wears": self.wears, "garment": self.garment}
        record: dict[str, Any] = {"person": self.number, "reason": self.reason, "box": self.box}
        return record if self.garment is None else {**record, "garment": self.garment}


@dataclass
class PhotoResult:
    """One photo of a folder run: ``translated`` into ``output``, or ``failed`` with ``error`` (nothing written).
    ``people``: everyone found, each translated or skipped (a failed photo: those it saw before failing)."""

    input: Path
    status: Literal["translated", "failed"]
    people_found: int
    people: list[PersonResult] = field(default_factory=list)
    output: Path | None = None
    error: str | None = None
    edit: str | None = None  # the edit as the outputs state it ("trousers -> skirt")
    style: dict[str, Any] | None = None  # the shape a rendered prior was asked to draw

    @classmethod
    def translated(cls, path: Path, output: Path, result: PipelineOutput) -> PhotoResult:
        people = [PersonResult.of_edit(e) for e in result.people] + [PersonResult.of_skip(s) for s in result.skipped]
        return cls(path, "translated", result.people_found, people, output, edit=result.claim, style=result.style)

    @classmethod
    def failed(cls, path: Path, error: BaseException) -> PhotoResult:
        """``error``'s message as it is; a :class:`~designgan.pipeline.person.NoPersonError` also says who was
        found and why each was left alone."""
        skipped = [PersonResult.of_skip(s) for s in getattr(error, "skipped", [])]
        return cls(path, "failed", int(getattr(error, "people_found", 0)), skipped, error=str(error))

    @property
    def message(self) -> str:
        """The log line's text: the error naming the photo (prefixed with its path where it does not)."""
        text = self.error or ""
        return text if text.startswith(str(self.input)) else f"{self.input}: {text}"

    def of(self, status: str) -> list[PersonResult]:
        return [p for p in self.people if p.status == status]

    def to_json(self) -> dict[str, Any]:
        """``designgan translate --json``'s line: ``input``, ``output`` (None when failed), ``people`` (found),
        ``translated`` (how many), then ``edit`` and ``edited`` (translated photos), ``skipped``, and ``error``
        (failed photos) or ``style`` (when one was asked)."""
        line: dict[str, Any] = {"input": str(self.input), "output": None if self.output is None else str(self.output),
                                "people": self.people_found, "translated": len(self.of("translated"))}
        if self.status == "translated":
            line |= {"edit": self.edit, "edited": [p.to_json() for p in self.of("translated")]}
        line["skipped"] = [p.to_json() for p in self.of("skipped")]
        if self.status == "failed":
            line["error"] = self.error
        elif self.style is not None:
            line["style"] = self.style
        return line
