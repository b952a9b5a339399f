"""Regressions found while fuzzing the parsers: each input once escaped as a stray exception or hung."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rag_coach.documents.loader import load_corpus
from rag_coach.documents.markdown import parse_sections
from rag_coach.documents.registry import RegistryError, load_registry
from tests.conftest import AMAZON_MD, QUESTIONS_YAML


def _problems(corpus: Path) -> dict[str, str]:
    _, problems = load_corpus(corpus, load_registry(corpus), 5_000_000)
    return {p.path: str(p) for p in problems}


@pytest.mark.parametrize(
    "name, content, expected",
    [
        # PyYAML raises ValueError / KeyError / RecursionError, not YAMLError, for these
        ("companies/month.md", AMAZON_MD.replace("2026-11-01", "2026-13-45"), "month must be in 1..12"),
        ("companies/day.md", AMAZON_MD.replace("2026-11-01", "2026-02-30"), "day is out of range"),
        ("companies/bool.md", AMAZON_MD.replace("round: all", "round: !!bool maybe"), "a value cannot be read"),
        ("companies/int.md", AMAZON_MD.replace("round: all", "round: !!int abc"), "a value cannot be read"),
        ("companies/deep.md", "---\ntitle: " + "[" * 3000 + "\n---\n# x\ntext\n", "nested too deeply"),
        ("questions/deep.yaml", "questions: " + "[" * 3000, "nested too deeply"),
        ("questions/date.yaml", QUESTIONS_YAML.replace("2026-11-01", "2026-00-10"), "a value cannot be read"),
        # aliases: a few nested ones expand to billions of values the moment a value is printed
        ("companies/laughs.md", "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                "title: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n---\n# x\ntext\n", "aliases"),
        ("questions/alias_id.yaml", QUESTIONS_YAML.replace("  - id: q.amazon.coding.reverse_shipments",
                                                           "  - id: &i q.amazon.coding.reverse_shipments")
         .replace("  - id: q.amazon.behavioral.tight_budget", "  - id: *i"), "aliases"),
        # valid YAML, unusable values
        ("companies/listtitle.md", AMAZON_MD.replace("title: Amazon test guide", "title: [a, b]"),
         "field 'title': must be a single text value"),
        ("companies/blanktitle.md", AMAZON_MD.replace("title: Amazon test guide", "title: '   '"), "field 'title': is blank"),
        ("questions/company.yaml", QUESTIONS_YAML.replace("    round: coding\n", "    round: coding\n    company: google\n", 1),
         "field 'questions.company': entry 1 (q.amazon.coding.reverse_shipments): remove 'company'"),
        ("companies/nobody.md", AMAZON_MD.split("# Amazon test guide")[0], "no content found"),
        ("companies/onlyheadings.md", AMAZON_MD.split("# Amazon test guide")[0] + "# A\n## B\n", "no content found"),
    ],
)
def test_bad_values_are_one_clear_error_for_that_file(mini_corpus: Path, name: str, content: str, expected: str) -> None:
    (mini_corpus / name).write_text(content)
    problems = _problems(mini_corpus)
    assert name in problems, problems
    assert problems[name].startswith(f"{name}: ") and expected in problems[name]
    assert len(problems) == 1  # the other files still load


def test_yaml_errors_say_where(mini_corpus: Path) -> None:
    (mini_corpus / "companies/broken.md").write_text("---\ncompany: amazon\nround: [all\n---\n# x\ntext\n")
    message = _problems(mini_corpus)["companies/broken.md"]
    assert "front matter is not valid YAML" in message and "line 4" in message  # line numbers count from the file's top


def test_broken_sidecar_is_named_by_its_corpus_path(mini_corpus: Path) -> None:
    (mini_corpus / "practice.meta.yaml").write_text("company: general\nlast_reviewed: 2026-13-01\n")
    problems = _problems(mini_corpus)
    assert "practice.meta.yaml" in problems and "month must be in 1..12" in problems["practice.meta.yaml"]


def test_registry_with_bad_values_is_a_registry_error(tmp_path: Path) -> None:
    (tmp_path / "registry.yaml").write_text("companies: {general: G}\nrounds: {all: A}\nkinds: {k: K}\nx: 2026-13-45\n")
    with pytest.raises(RegistryError, match="month must be in 1..12"):
        load_registry(tmp_path)
    (tmp_path / "registry.yaml").write_text("- a list\n")
    with pytest.raises(RegistryError, match="must be a YAML mapping"):
        load_registry(tmp_path)
    (tmp_path / "registry.yaml").write_text("companies: {general: G}\nrounds: {all: A}\nkinds: {k: K}\ntopics: [a]\n")
    with pytest.raises(RegistryError, match="'topics' must be a mapping"):
        load_registry(tmp_path)


def test_repeated_headings_get_distinct_section_ids() -> None:
    body = "# T\n## A\none\n## A\ntwo\n## A 2\nthree\n"
    ids = [s.section_id for s in parse_sections(body, "d", "T", ("official",), "d.md")]
    assert len(ids) == len(set(ids)) == 3, ids


def _finishes(fn, seconds: float = 60.0) -> bool:
    """Run ``fn`` in a daemon thread; False when it is still running after ``seconds`` (a regression)."""
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


@pytest.mark.parametrize(
    "body",
    [
        "# a" + " " * 20_000 + "b\ntext\n",  # the old heading pattern backtracked cubically: hours
        "Confidence" + " " * 200_000 + "x\n",  # the confidence pattern is quadratic: minutes
        "# T\n" + "\n" * 300_000 + "text\n",  # popping blank lines one by one was quadratic
    ],
    ids=["heading-spaces", "confidence-spaces", "blank-lines"],
)
def test_pathological_lines_parse_in_linear_time(body: str) -> None:
    result: list = []
    assert _finishes(lambda: result.append(parse_sections(body, "d", "T", ("official",), "d.md")))
    assert result and result[0][-1].text.rstrip().endswith(("text", "x"))
