"""Typed records for corpus documents: metadata, sections, questions and mistakes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = get_args(Difficulty)  # the registry's default list and the CLI's choices
MISTAKE_ID = r"^mistake\.[a-z0-9_]+\.[a-z0-9_]+$"  # mistake.<area>.<slug>
NOTE_MAX_CHARS = 60  # a code test's note: a few words, shown in the failure sentence


class DocumentError(ValueError):
    """A corpus file that cannot be used. ``str()`` names the file, the field and what to do."""

    def __init__(self, path: Path | str, problem: str, field_name: str | None = None) -> None:
        self.path = str(path)
        self.field = field_name
        self.problem = problem
        where = f"field '{field_name}': " if field_name else ""
        super().__init__(f"{self.path}: {where}{problem}")


@dataclass(frozen=True)
class DocMeta:
    company: str
    round: str
    kind: str
    title: str
    sources: tuple[str, ...]
    last_reviewed: dt.date


@dataclass(frozen=True)
class Section:
    """A run of text under one heading path; chunks never cross a section boundary."""

    section_id: str
    heading_path: tuple[str, ...]
    text: str
    confidence: str | None = None
    page: int | None = None
    round: str | None = None  # overrides the document's round (question-bank entries)
    question_id: str | None = None
    mistake_id: str | None = None
    splittable: bool = True  # question and mistake entries are always one chunk


class Mistake(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=MISTAKE_ID)
    title: str = Field(min_length=3)
    spot: str = Field(min_length=10)
    why: str = Field(min_length=10)
    fix: str = Field(min_length=10)
    follow_up: str = Field(min_length=5)

    @property
    def area(self) -> str:
        return self.id.split(".")[1]


class CodeTest(BaseModel):
    """One example test of a coding question: call the candidate's function with ``args``, expect ``expected``.

    ``compare``: ``exact`` (tuples count as lists), ``unordered`` (same items in any order) or ``set``
    (same distinct items). ``build`` turns the first argument, a list, into linked nodes before the call:
    ``tree`` (level order, ``None`` for a missing child) or ``linked_list`` (head first; a returned head
    is read back as a list, ``None`` as ``[]``).

    ``mistake_id``: the catalog mistake this case catches (``mistake.intervals.merge_end_not_max``), checked
    against the catalogs by ``loader.cross_check``; ``note``: what the case tests, in a few words ("two items
    with the same price"), shown with a failure.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    args: list[JsonValue]
    expected: JsonValue
    compare: Literal["exact", "unordered", "set"] = "exact"
    build: Literal["tree", "linked_list"] | None = None
    mistake_id: str | None = Field(None, pattern=MISTAKE_ID)
    note: str | None = Field(None, min_length=3, max_length=NOTE_MAX_CHARS)

    @model_validator(mode="after")
    def _consistent(self) -> CodeTest:
        if self.build and not (self.args and isinstance(self.args[0], list)):
            raise ValueError(f"build: {self.build} needs a list as the first argument")
        if self.compare != "exact" and not isinstance(self.expected, list):
            raise ValueError(f"compare: {self.compare} needs a list as expected")
        return self


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^q\.[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$")
    round: str
    topic: str
    difficulty: Difficulty
    level: list[str] = Field(default_factory=list)
    principles: list[str] = Field(default_factory=list)
    prompt: str = Field(min_length=15)
    rubric: list[str] = Field(min_length=2)
    hints: list[str] = Field(min_length=3, max_length=3)
    follow_ups: list[str] = Field(min_length=2)
    mistake_ids: list[str] = Field(default_factory=list)
    source: Literal["original", "generated"] = "original"
    tests: list[CodeTest] = Field(default_factory=list)  # coding: example calls the candidate's code must pass
    company: str = ""  # filled from the bank file

    @field_validator("level", "principles", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("tests")
    @classmethod
    def _one_signature(cls, tests: list[CodeTest]) -> list[CodeTest]:
        if len({(len(t.args), t.build) for t in tests}) > 1:
            raise ValueError("every test must pass the same number of arguments, with the same build")
        return tests


@dataclass
class Document:
    doc_id: str
    path: Path  # relative to the corpus folder
    meta: DocMeta
    sections: list[Section] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)
