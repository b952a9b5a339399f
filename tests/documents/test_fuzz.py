"""Property tests: any bytes in a corpus file give a valid document or a DocumentError naming that file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag_coach.documents.loader import SourceFile, load_document
from rag_coach.documents.markdown import heading_of
from rag_coach.documents.models import Document, DocumentError
from rag_coach.documents.registry import Registry, load_registry
from tests.conftest import SHIPPED_CORPUS

from .fuzz_strategies import bank_documents, front_matter_documents, invalid_utf8, metadata, yamlish_text

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MD, BANK, TXT, SIDECAR = "companies/fuzz.md", "questions/fuzz.yaml", "notes/fuzz.txt", "notes/fuzz.meta.yaml"
OLD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")  # the previous pattern: the reference for heading_of


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(SHIPPED_CORPUS)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz_corpus")
    for folder in ("companies", "questions", "notes"):
        (root / folder).mkdir()
    return root


def load_bytes(corpus: Path, registry: Registry, rel: str, data: bytes, sidecar: bytes | None = None) -> Document | None:
    """Load ``data`` as corpus file ``rel``; None for a DocumentError that names the file. Anything else escapes."""
    path = corpus / rel
    path.write_bytes(data)
    side = corpus / SIDECAR
    side.unlink(missing_ok=True)
    if sidecar is not None:
        side.write_bytes(sidecar)
    source = SourceFile(path, rel, side if sidecar is not None else None)
    try:
        doc = load_document(source, registry, max_bytes=1_000_000)
    except DocumentError as exc:
        assert exc.path in (rel, SIDECAR), f"error names {exc.path!r}, not the file {rel}"
        assert str(exc).startswith(f"{exc.path}: ") and exc.problem.strip()
        return None
    assert_valid(doc, registry, rel)
    return doc


def assert_valid(doc: Document, registry: Registry, rel: str) -> None:
    meta = doc.meta
    assert doc.path.as_posix() == rel and doc.doc_id == rel.rsplit(".", 1)[0]
    assert meta.company in registry.companies and meta.round in registry.rounds and meta.kind in registry.kinds
    assert meta.title.strip() and meta.sources and all(s.strip() for s in meta.sources)
    assert doc.sections and all(s.text.strip() for s in doc.sections)
    ids = [s.section_id for s in doc.sections]
    assert len(ids) == len(set(ids)), f"duplicate section ids {ids}"
    assert all(s.confidence is None or s.confidence in registry.confidence for s in doc.sections)
    for q in doc.questions:
        assert q.round in registry.rounds and q.round != "all" and q.difficulty in registry.difficulties
        assert q.company == meta.company and len(q.hints) == 3
    if meta.kind == "question_bank":
        assert len(doc.questions) == len(doc.sections) and not doc.mistakes
    if meta.kind == "mistake_catalog":
        assert len(doc.mistakes) == len(doc.sections) and not doc.questions


@FUZZ
@given(data=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode),
                      yamlish_text.map(lambda t: ("---\n" + t + "\n---\n# T\ntext").encode())))
def test_any_bytes_as_markdown(corpus: Path, registry: Registry, data: bytes) -> None:
    load_bytes(corpus, registry, MD, data)


@FUZZ
@given(data=st.data())
def test_random_front_matter_and_markdown(corpus: Path, registry: Registry, data: st.DataObject) -> None:
    text = data.draw(front_matter_documents(registry))
    if data.draw(st.booleans()):
        text = data.draw(invalid_utf8(st.just(text)))
    load_bytes(corpus, registry, MD, text)


@FUZZ
@given(data=st.data())
def test_random_question_banks_and_catalogs(corpus: Path, registry: Registry, data: st.DataObject) -> None:
    text = data.draw(st.one_of(bank_documents(registry), yamlish_text.map(str.encode), st.binary(max_size=500)))
    if data.draw(st.integers(0, 4)) == 0:
        text = data.draw(invalid_utf8(st.just(text)))
    load_bytes(corpus, registry, BANK, text)


@FUZZ
@given(data=st.data())
def test_text_with_random_sidecar(corpus: Path, registry: Registry, data: st.DataObject) -> None:
    from .fuzz_strategies import dump, markdown_body, mutated

    meta = dump(data.draw(metadata(registry)), data.draw(st.sampled_from(["yaml", "json"])))
    sidecar = data.draw(st.one_of(mutated(meta), yamlish_text)).encode()
    if data.draw(st.integers(0, 4)) == 0:
        sidecar = data.draw(invalid_utf8(st.just(sidecar)))
    load_bytes(corpus, registry, TXT, data.draw(markdown_body).encode(), sidecar)


PROSE = st.characters(blacklist_categories=("Cs", "Zl", "Zp", "Cc"))  # no line breaks of any kind


@FUZZ
@given(title=st.text(PROSE, min_size=1, max_size=30).filter(str.strip),
       lines=st.lists(st.text(PROSE, min_size=1, max_size=30).filter(
           lambda s: s.strip() and s.lstrip()[:1].lower() not in "#`~*_c"), min_size=1, max_size=8))
def test_valid_metadata_with_plain_text_always_loads(corpus: Path, registry: Registry, title: str, lines: list[str]) -> None:
    """The success side: good metadata and plain prose give a document holding every line of the prose."""
    import yaml

    head = yaml.safe_dump({"company": "amazon", "round": "all", "kind": "company_guide", "title": title,
                           "sources": ["Our notes"], "last_reviewed": "2026-11-01"}, allow_unicode=True)
    body = "\n".join(lines)
    doc = load_bytes(corpus, registry, MD, f"---\n{head}---\n{body}\n".encode())
    assert doc is not None, "valid metadata and prose must load"
    assert doc.meta.title == title.strip()
    text = "\n".join(s.text for s in doc.sections)
    assert all(line.strip() in text for line in lines)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=st.text(alphabet="#  \taX\u00a0\u3000", max_size=14),
       end=st.sampled_from(["", "\n", "\r\n", "\r", "\x0c", "\x1c", "\x85", "\u2028"]))
def test_heading_of_matches_the_previous_pattern(text: str, end: str) -> None:
    line = text + end  # as str.splitlines(keepends=True) yields it: a line break only at the end
    match = OLD_HEADING.match(line)
    expected = (len(match.group(1)), match.group(2).strip()) if match else None
    assert heading_of(line) == expected
