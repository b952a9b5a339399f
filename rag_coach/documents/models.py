"""Typed records for corpus documents: metadata, sections, questions and mistakes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[Difficulty, ...] = get_args(Difficulty)  # the registry's default list and the CLI's choices


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

    id: str = Field(pattern=r"^mistake\.[a-z0-9_]+\.[a-z0-9_]+$")
    title: str = Field(min_length=3)
    spot: str = Field(min_length=10)
    why: str = Field(min_length=10)
    fix: str = Field(min_length=10)
    follow_up: str = Field(min_length=5)

    @property
    def area(self) -> str:
        return self.id.split(".")[1]


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
    company: str = ""  # filled from the bank file

    @field_validator("level", "principles", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


@dataclass
class Document:
    doc_id: str
    path: Path  # relative to the corpus folder
    meta: DocMeta
    sections: list[Section] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)
