"""Corpus loading and validation: every bad-input case names the file, the field and the fix."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pypdf
import pytest

from rag_coach.documents.loader import cross_check, discover, load_corpus
from rag_coach.documents.registry import RegistryError, load_registry
from tests.conftest import AMAZON_MD, SHIPPED_CORPUS

PDF = SHIPPED_CORPUS / "pdf" / "story_bank.pdf"


def _load(corpus: Path, max_bytes: int = 5_000_000):
    return load_corpus(corpus, load_registry(corpus), max_bytes)


def _problem_for(problems, name: str) -> str:
    matches = [str(p) for p in problems if name in p.path]
    assert matches, f"no problem reported for {name}: {[str(p) for p in problems]}"
    return matches[0]


def test_mini_corpus_loads_with_sections_questions_and_mistakes(mini_corpus: Path) -> None:
    docs, problems = _load(mini_corpus)
    assert problems == []
    by_id = {d.doc_id: d for d in docs}
    amazon = by_id["companies/amazon"]
    assert amazon.meta.company == "amazon" and amazon.meta.kind == "company_guide"
    paths = [s.heading_path for s in amazon.sections]
    assert ("Amazon test guide", "Frugality", "Frugality stories") in paths
    stories = next(s for s in amazon.sections if s.heading_path[-1] == "Frugality stories")
    assert stories.confidence == "official"  # inherited from its ## parent
    assert stories.section_id == "companies/amazon#frugality/frugality-stories"
    assert all("Confidence:" not in s.text for s in amazon.sections)
    bank = by_id["questions/amazon"]
    assert [q.id for q in bank.questions] == ["q.amazon.coding.reverse_shipments", "q.amazon.behavioral.tight_budget"]
    assert bank.sections[1].round == "behavioral"
    assert by_id["practice"].meta.title == "Practice notes"
    assert cross_check(docs) == []


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("companies/broken.md", "---\ncompany: [amazon\n---\n# x\n", "front matter is not valid YAML"),
        ("companies/nofm.md", "# Just a heading\n\ntext\n", "no YAML front matter"),
        ("companies/open.md", "---\ncompany: amazon\n# never closed\n", "front matter is not closed"),
        ("companies/empty.md", "", "file is empty"),
        ("companies/blank.md", "   \n\n", "file is empty"),
        ("companies/unknown.md", AMAZON_MD.replace("company: amazon", "company: amazn"), "field 'company': unknown value 'amazn'"),
        ("companies/badround.md", AMAZON_MD.replace("round: all", "round: lunch"), "field 'round': unknown value 'lunch'"),
        ("companies/nokind.md", AMAZON_MD.replace("kind: company_guide\n", ""), "field 'kind': missing"),
        ("companies/nodate.md", AMAZON_MD.replace("2026-11-01", "last tuesday"), "field 'last_reviewed'"),
        ("companies/conf.md", AMAZON_MD.replace("Confidence: official", "Confidence: rumour"), "unknown confidence 'rumour'"),
        ("questions/bad.yaml", "company: amazon\nround: all\nkind: question_bank\ntitle: t\nsources: [x]\nlast_reviewed: 2026-01-01\nquestions:\n  - id: q.amazon.coding.x\n    round: coding\n", "field 'questions.topic'"),
        ("image.png", "PNG", "unsupported file type '.png'"),
    ],
)
def test_bad_file_is_skipped_with_a_clear_message_and_others_still_load(
    mini_corpus: Path, name: str, content: str, expected: str
) -> None:
    (mini_corpus / name).write_text(content)
    docs, problems = _load(mini_corpus)
    assert expected in _problem_for(problems, Path(name).name)
    assert len(docs) == 6  # every good file still loads


def test_binary_and_non_utf8_and_oversized_files(mini_corpus: Path) -> None:
    (mini_corpus / "companies/binary.md").write_bytes(b"---\x00\x01\x02binary")
    (mini_corpus / "companies/latin1.md").write_bytes(AMAZON_MD.replace("Frugality means", "Frugalit\xe9 means").encode("latin-1"))
    (mini_corpus / "companies/huge.md").write_text(AMAZON_MD + "x" * 3000)
    docs, problems = _load(mini_corpus, max_bytes=2000)
    assert "binary data" in _problem_for(problems, "binary.md")
    assert "not UTF-8 text (byte 0xe9" in _problem_for(problems, "latin1.md")
    assert "over the 2000-byte limit" in _problem_for(problems, "huge.md")
    assert len(docs) == 6


def test_pdf_with_sidecar_is_split_at_its_headings(mini_corpus: Path) -> None:
    shutil.copy(PDF, mini_corpus / "story_bank.pdf")
    shutil.copy(PDF.with_name("story_bank.meta.yaml"), mini_corpus / "story_bank.meta.yaml")
    docs, problems = _load(mini_corpus)
    assert problems == []
    pdf = next(d for d in docs if d.doc_id == "story_bank")
    assert len(pdf.sections) > 2
    assert all(s.page and s.page >= 1 for s in pdf.sections)
    assert all(s.confidence in ("official", "widely_reported", "inferred") for s in pdf.sections)


def test_corrupt_encrypted_and_sidecarless_pdfs(mini_corpus: Path) -> None:
    meta = PDF.with_name("story_bank.meta.yaml").read_text()
    (mini_corpus / "corrupt.pdf").write_bytes(PDF.read_bytes()[:700])
    (mini_corpus / "corrupt.meta.yaml").write_text(meta)
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(PDF))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    (mini_corpus / "locked.pdf").write_bytes(buffer.getvalue())
    (mini_corpus / "locked.meta.yaml").write_text(meta)
    shutil.copy(PDF, mini_corpus / "lonely.pdf")
    docs, problems = _load(mini_corpus)
    assert "PDF" in _problem_for(problems, "corrupt.pdf")
    assert "encrypted" in _problem_for(problems, "locked.pdf")
    assert "needs a sidecar metadata file lonely.meta.yaml" in _problem_for(problems, "lonely.pdf")
    assert len(docs) == 6


def test_orphan_sidecar_and_hidden_files(mini_corpus: Path) -> None:
    (mini_corpus / "ghost.meta.yaml").write_text("company: general\n")
    (mini_corpus / "_drafts").mkdir()
    (mini_corpus / "_drafts/wip.md").write_text("not front matter")
    sources, problems = discover(mini_corpus)
    assert "sidecar without a matching" in _problem_for(problems, "ghost.meta.yaml")
    assert not any("_drafts" in s.rel for s in sources)


def test_missing_mistake_reference_and_duplicate_ids_are_reported(mini_corpus: Path) -> None:
    bank = mini_corpus / "questions/amazon.yaml"
    bank.write_text(bank.read_text().replace("[mistake.linked_list.empty_input]", "[mistake.linked_list.no_such]"))
    shutil.copy(bank, mini_corpus / "questions/copy.yaml")
    docs, problems = _load(mini_corpus)
    issues = [str(p) for p in cross_check(docs)]
    assert any("'mistake.linked_list.no_such', which no catalog defines" in p for p in issues)
    assert any("question id q.amazon.coding.reverse_shipments also defined" in p for p in issues)


@pytest.mark.parametrize(
    "tests, expected",
    [
        ("[{args: [[1]], expected: 1, compare: fuzzy}]", "field 'questions.tests.0.compare': entry 1 (q.amazon.coding.reverse_shipments): Input should be 'exact', 'unordered' or 'set'"),
        ("[{args: [5], expected: true, build: tree}]", "field 'questions.tests.0': entry 1 (q.amazon.coding.reverse_shipments): Value error, build: tree needs a list as the first argument"),
        ("[{args: [[1]], expected: 1}, {args: [[1], 2], expected: 1}]", "every test must pass the same number of arguments"),
        ("[{args: [[1]], expected: 2026-01-01}]", "field 'questions.tests.0.expected'"),
        ("[{args: [[1]]}]", "field 'questions.tests.0.expected': entry 1 (q.amazon.coding.reverse_shipments): Field required"),
        ("[{args: [[1]], expected: 1, mistake_id: linked_list.empty_input}]", "field 'questions.tests.0.mistake_id': entry 1 (q.amazon.coding.reverse_shipments): String should match pattern"),
        ("[{args: [[1]], expected: 1, note: " + "x" * 61 + "}]", "field 'questions.tests.0.note': entry 1 (q.amazon.coding.reverse_shipments): String should have at most 60 characters"),
    ],
)
def test_bad_code_tests_name_the_field(mini_corpus: Path, tests: str, expected: str) -> None:
    bank = mini_corpus / "questions/amazon.yaml"
    bank.write_text(bank.read_text().replace("[mistake.linked_list.empty_input]\n", f"[mistake.linked_list.empty_input]\n    tests: {tests}\n"))
    docs, problems = _load(mini_corpus)
    assert expected in _problem_for(problems, "amazon.yaml")


def test_a_code_test_mistake_id_must_be_in_a_catalog(mini_corpus: Path) -> None:
    bank = mini_corpus / "questions/amazon.yaml"
    tests = ("[{args: [[1, 2]], expected: [2, 1], build: linked_list},"
             " {args: [[]], expected: [], build: linked_list, mistake_id: mistake.linked_list.empty_input, note: an empty list},"
             " {args: [[3]], expected: [3], build: linked_list, mistake_id: mistake.linked_list.no_such_thing}]")
    bank.write_text(bank.read_text().replace("[mistake.linked_list.empty_input]\n", f"[mistake.linked_list.empty_input]\n    tests: {tests}\n"))
    docs, problems = _load(mini_corpus)
    assert problems == []
    loaded = next(d for d in docs if d.doc_id == "questions/amazon").questions[0].tests
    assert [(t.mistake_id, t.note) for t in loaded] == [(None, None), ("mistake.linked_list.empty_input", "an empty list"),
                                                         ("mistake.linked_list.no_such_thing", None)]
    issues = [str(p) for p in cross_check(docs)]
    assert issues == [
        "questions/amazon.yaml: field 'questions.tests.2.mistake_id': question q.amazon.coding.reverse_shipments: the test "
        "names mistake id 'mistake.linked_list.no_such_thing', which no catalog defines; use an id from mistakes/*.yaml "
        "or leave mistake_id out"
    ]


def test_code_tests_do_not_change_the_indexed_text(mini_corpus: Path) -> None:
    bank = mini_corpus / "questions/amazon.yaml"
    before = next(d for d in _load(mini_corpus)[0] if d.doc_id == "questions/amazon")
    tests = "[{args: [[1, 2]], expected: [2, 1], build: linked_list}, {args: [[]], expected: [], build: linked_list}]"
    bank.write_text(bank.read_text().replace("[mistake.linked_list.empty_input]\n", f"[mistake.linked_list.empty_input]\n    tests: {tests}\n"))
    docs, problems = _load(mini_corpus)
    after = next(d for d in docs if d.doc_id == "questions/amazon")
    assert problems == [] and len(after.questions[0].tests) == 2 and after.questions[0].tests[0].build == "linked_list"
    assert after.sections == before.sections


def test_registry_is_required(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="registry file not found"):
        load_registry(tmp_path)


def test_shipped_corpus_is_valid_and_meets_counts() -> None:
    """The corpus issue's bar: validate passes, and the counts hold."""
    registry = load_registry(SHIPPED_CORPUS)
    docs, problems = load_corpus(SHIPPED_CORPUS, registry, 5_000_000)
    problems += cross_check(docs)
    assert [str(p) for p in problems] == []
    guides = {d.meta.company for d in docs if d.meta.kind == "company_guide"}
    assert len(guides - {"general"}) >= 12
    questions = [q for d in docs for q in d.questions]
    assert len(questions) >= 400
    for company in ("amazon", "google", "meta"):
        assert sum(q.company == company for q in questions) >= 40
    assert {q.round for q in questions} >= {"coding", "system_design", "behavioral", "product", "ml_design"}
    mistakes = [m for d in docs for m in d.mistakes]
    by_area: dict[str, int] = {}
    for m in mistakes:
        by_area[m.area] = by_area.get(m.area, 0) + 1
    assert len(by_area) >= 15 and min(by_area.values()) >= 8
    assert sum(d.path.suffix == ".pdf" for d in docs) >= 2
