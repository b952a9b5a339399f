"""Source paths are shown only as clean paths inside the corpus folder."""

from __future__ import annotations

import pytest

from rag_coach.documents.models import DocumentError
from rag_coach.documents.paths import CorpusPathError, corpus_relative


def test_a_clean_path_inside_the_corpus_is_kept() -> None:
    assert corpus_relative("companies/amazon.md") == "companies/amazon.md"
    assert corpus_relative("./companies//./amazon.md") == "companies/amazon.md"


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
def test_traversal_attempts_are_refused(relative: str, message: str) -> None:
    with pytest.raises(CorpusPathError, match=message) as info:
        corpus_relative(relative)
    assert isinstance(info.value, DocumentError)  # shown to the user like any corpus problem, never a traceback


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
