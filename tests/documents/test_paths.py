"""Source paths resolve only to files inside the corpus folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag_coach.documents.models import DocumentError
from rag_coach.documents.paths import CorpusPathError, corpus_relative, resolve_corpus_file


@pytest.fixture()
def layout(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    (corpus / "companies").mkdir(parents=True)
    (corpus / "companies" / "amazon.md").write_text("inside")
    outside = tmp_path / "secret.txt"
    outside.write_text("outside")
    return corpus, outside


def test_a_corpus_file_resolves(layout: tuple[Path, Path]) -> None:
    corpus, _ = layout
    target = resolve_corpus_file(corpus, "companies/amazon.md")
    assert target == (corpus / "companies" / "amazon.md").resolve() and target.read_text() == "inside"
    assert resolve_corpus_file(corpus, "./companies/./amazon.md") == target
    assert corpus_relative("companies//./amazon.md") == "companies/amazon.md"


@pytest.mark.parametrize(
    "relative, message",
    [
        ("../../etc/passwd", "'..'"),
        ("../secret.txt", "'..'"),
        ("companies/../../secret.txt", "'..'"),
        ("companies/..", "'..'"),
        ("/etc/passwd", "absolute"),
        ("//etc/passwd", "absolute"),
        ("~/secret.txt", "absolute"),
        ("C:/Windows/win.ini", "absolute"),
        ("..%2f..%2fetc%2fpasswd", "percent-escapes"),
        ("%2e%2e/secret.txt", "percent-escapes"),
        ("companies%2f..%2f..%2fsecret.txt", "percent-escapes"),
        ("%252e%252e/secret.txt", "percent-escapes"),
        ("..\\secret.txt", "backslashes"),
        ("companies/amazon.md\x00.png", "control characters"),
        ("", "empty"),
        ("   ", "empty"),
        (".", "corpus folder itself"),
    ],
)
def test_traversal_attempts_are_refused(layout: tuple[Path, Path], relative: str, message: str) -> None:
    corpus, _ = layout
    with pytest.raises(CorpusPathError, match=message) as info:
        resolve_corpus_file(corpus, relative)
    assert isinstance(info.value, DocumentError)  # shown to the user like any corpus problem, never a traceback


def test_symlinks_leading_outside_are_refused(layout: tuple[Path, Path]) -> None:
    corpus, outside = layout
    (corpus / "link.md").symlink_to(outside)
    (corpus / "up").symlink_to(outside.parent, target_is_directory=True)
    (corpus / "companies" / "alias.md").symlink_to(corpus / "companies" / "amazon.md")  # stays inside: fine
    with pytest.raises(CorpusPathError, match="leads outside the corpus folder"):
        resolve_corpus_file(corpus, "link.md")
    with pytest.raises(CorpusPathError, match="leads outside the corpus folder"):
        resolve_corpus_file(corpus, "up/secret.txt")
    assert resolve_corpus_file(corpus, "companies/alias.md").read_text() == "inside"


def test_a_corpus_folder_reached_through_a_symlink_still_works(layout: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, _ = layout
    linked = tmp_path / "linked_corpus"
    linked.symlink_to(corpus, target_is_directory=True)
    assert resolve_corpus_file(linked, "companies/amazon.md").read_text() == "inside"


def test_missing_files_folders_and_loops_are_refused(layout: tuple[Path, Path]) -> None:
    corpus, _ = layout
    with pytest.raises(CorpusPathError, match="no such file"):
        resolve_corpus_file(corpus, "companies/nope.md")
    with pytest.raises(CorpusPathError, match="not a regular file"):
        resolve_corpus_file(corpus, "companies")
    os.symlink("loop", corpus / "loop")
    with pytest.raises(CorpusPathError):
        resolve_corpus_file(corpus, "loop")


def test_sources_panel_never_shows_a_path_outside_the_corpus() -> None:
    from rag_coach.index.chunking import Chunk
    from rag_coach.retrieval.retriever import Hit
    from rag_coach.ui.render import sources_html

    def hit(source: str) -> Hit:
        chunk = Chunk(chunk_id="c", doc_id="d", section_id="d#s", title="T", section="S", company="amazon", round="all",
                      kind="company_guide", source=source, text="passage", page=2)
        return Hit(rank=1, score=1.0, chunk=chunk)

    assert "<code>companies/amazon.md, page 2</code>" in sources_html([hit("companies/amazon.md")])
    for bad in ("../../etc/passwd", "/etc/passwd", "..%2f..%2fetc%2fpasswd"):
        panel = sources_html([hit(bad)])
        assert "passwd" not in panel and "withheld" in panel
