"""Deterministic answer metrics on hand-made examples, and the report plumbing with the named FakeLLM."""

from __future__ import annotations

from rag_coach.coach.chat import NOTHING_FOUND, TurnResult
from rag_coach.evaluation.answers import citation_checks, evaluate_answers, has_fact, is_refusal
from rag_coach.evaluation.report import parse_variant, to_markdown
from rag_coach.index.chunking import Chunk
from rag_coach.retrieval.retriever import Hit
from rag_coach.services import Services
from tests.fakes import FakeLLM


def _hit(text: str) -> Hit:
    chunk = Chunk("c", "d", "d#s", "T", "S", "amazon", "all", "company_guide", "x.md", text)
    return Hit(1, 1.0, chunk)


def _result(answer: str, sources: list[Hit], dropped: list[int] | None = None, grounded: bool = True) -> TurnResult:
    return TurnResult(answer, sources, [], grounded, {}, {}, "fake", "fake", None, dropped or [])


def test_has_fact_handles_alternatives_case_quotes_and_word_boundaries() -> None:
    assert has_fact("The Bar Raiser can VETO a hire.", "bar raiser")
    assert has_fact("Strive to be Earth\u2019s Best Employer", "earth's best employer")
    assert has_fact("speak with candor", "candour|candor")
    assert not has_fact("an escape hatch", "cape")  # no match inside a word


def test_citation_checks_need_supporting_content() -> None:
    sources = [_hit("A Bar Raiser is an interviewer from outside the team who can veto the hire."),
               _hit("Frugality means doing more with less.")]
    answer = "The bar raiser can veto a hire [1]. Lunch is served at noon [2]. Also see [3]."
    supported, total = citation_checks(_result(answer, sources, dropped=[7]))
    assert (supported, total) == (1, 4)  # [1] supported; [2] unrelated; [3] missing; [7] was dropped


def test_refusal_detection() -> None:
    assert is_refusal(_result(NOTHING_FOUND.format(company="Amazon") + "General advice: ...", [], grounded=False))
    assert is_refusal(_result("The passages do not cover salary figures for that level.", [_hit("x")]))
    assert not is_refusal(_result("The bar raiser can veto a hire [1].", [_hit("x")]))


def test_evaluate_answers_with_fake_llm(settings, embedder) -> None:
    from rag_coach.index.ingest import ingest

    ingest(settings, embedder=embedder)
    settings.coach.min_relevance = 0.0
    fake = FakeLLM(["A Bar Raiser from outside the team can veto the hire [1].", "I cannot say; the corpus does not cover pay."])
    services = Services(settings, backend_override=fake, embedder_override=embedder)
    questions = [{"id": "q1", "question": "Who can veto my hire?", "company": "amazon", "round": "all",
                  "required_facts": ["bar raiser", "veto"], "forbidden_facts": ["googleyness"]}]
    unanswerable = [{"id": "u1", "question": "What will my salary be?", "company": "amazon", "round": "all"}]
    result = evaluate_answers(services.coach, questions, unanswerable)
    assert result["required_fact_recall"] == 1.0 and result["forbidden_fact_rate"] == 0.0
    assert result["citation_validity"] == 1.0 and result["correct_refusal_rate"] == 1.0
    assert len(result["records"]) == 2
    services.retriever.close()


def test_variant_parsing_and_markdown() -> None:
    assert parse_variant("embedded").llm == {"backend": "embedded"}
    v = parse_variant("embedded+adapter=/tmp/a.gguf@0.5")
    assert str(v.llm["adapter"]) == "/tmp/a.gguf" and v.llm["adapter_scale"] == 0.5
    assert parse_variant("ollama:qwen2.5:1.5b").llm == {"backend": "ollama", "ollama_model": "qwen2.5:1.5b"}
    fake = {"variant": "embedded", "answers": {"citation_validity": 0.9}, "feedback": {}, "latency_ms": {
        "first_token": {"p50": 1, "p95": 2}, "total": {"p50": 3, "p95": 4}}, "tokens_per_s": 10, "peak_rss_mb": 1,
        "cpu_s_per_1000_turns": 5, "cost_per_1000_turns": 0.1, "price_per_cpu_hour": 0.04}
    md = to_markdown({"date": "d", "quick": True, "sizes": {"coaching": 1, "unanswerable": 1, "graded": 0},
                      "wall_s": 1, "variants": [fake]})
    assert "| citation validity | 0.9 |" in md and "| first token p50 / p95 (ms) | 1 / 2 |" in md
