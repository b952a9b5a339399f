"""Deterministic answer metrics on hand-made examples, and the report plumbing with the named FakeLLM."""

from __future__ import annotations

from rag_coach.coach.chat import TurnResult
from rag_coach.evaluation.answers import citation_checks, evaluate_answers, has_fact, is_refusal
from rag_coach.evaluation.report import parse_variant, to_markdown
from rag_coach.index.chunking import Chunk
from rag_coach.retrieval.retriever import Hit
from rag_coach.services import Services
from tests.fakes import FakeLLM


def _hit(text: str) -> Hit:
    chunk = Chunk("c", "d", "d#s", "T", "S", "amazon", "all", "company_guide", "x.md", text)
    return Hit(1, 1.0, chunk)


def _result(answer: str, sources: list[Hit], grounded: bool = True, refused: bool = False) -> TurnResult:
    return TurnResult(answer, sources, [], grounded, {}, {}, "fake", "fake", None, refused=refused)


def test_has_fact_handles_alternatives_case_quotes_and_word_boundaries() -> None:
    assert has_fact("The Bar Raiser can VETO a hire.", "bar raiser")
    assert has_fact("Strive to be Earth\u2019s Best Employer", "earth's best employer")
    assert has_fact("speak with candor", "candour|candor")
    assert not has_fact("an escape hatch", "cape")  # no match inside a word


def test_citation_checks_strict_and_lenient() -> None:
    sources = [_hit("A Bar Raiser is an interviewer from outside the team who can veto the hire."),
               _hit("Frugality means doing more with less.")]
    answer = ("The bar raiser can veto a hire [1]. Lunch is served at noon [2]. Also see the frugality notes [3]. "
              "The Bar Raiser from outside the team reviews 40 interviews a year and can veto [1]. No citation here at all.")
    counts = citation_checks(_result(answer, sources))
    # [1] supported both ways; [2] unrelated; [3] points at no passage; the last [1] shares words (lenient)
    # but adds a figure the passage does not hold (strict: unsupported)
    assert counts == {"lenient": 2, "strict": 1, "citations": 4, "claims": 5, "cited_claims": 4}


def test_a_list_literal_in_quoted_evidence_is_not_a_citation() -> None:
    from rag_coach.evaluation.answers import claims

    answer = "Example: [1, 2, 1, 3, 5, 6, 4] gives 1 or 5 [2]. Peaks need O(log n) [1][3].\n- One more [4]"
    assert claims(answer) == [("Example: [1, 2, 1, 3, 5, 6, 4] gives 1 or 5", [2]), ("Peaks need O(log n)", [1, 3]),
                              ("One more", [4])]


def test_refusal_detection() -> None:
    assert is_refusal(_result("**Not covered by the corpus.** The rag_coach sources have nothing ...", [], refused=True))
    assert is_refusal(_result("The passages do not cover salary figures for that level.", [_hit("x")]))
    assert not is_refusal(_result("The bar raiser can veto a hire [1].", [_hit("x")]))


def test_evaluate_answers_with_fake_llm(settings, embedder) -> None:
    from rag_coach.index.ingest import ingest

    from tests.coach.test_chat import fixed_gate

    ingest(settings, embedder=embedder)
    settings = settings.model_copy(update={"coach": settings.coach.model_copy(update={"min_relevance": 0.0})})
    fake = FakeLLM(["must not be called: a lookup is extractive"])
    services = Services(settings, backend_override=fake, embedder_override=embedder, gate_override=fixed_gate(True))
    questions = [{"id": "q1", "question": "Who is a Bar Raiser and can they veto my hire?", "company": "amazon", "round": "all",
                  "required_facts": ["bar raiser", "veto"], "forbidden_facts": ["googleyness"]}]
    unanswerable = [{"id": "u1", "question": "What will my salary be?", "company": "amazon", "round": "all"}]
    result = evaluate_answers(services.coach, questions, unanswerable)
    assert result["required_fact_recall"] == 1.0 and result["forbidden_fact_rate"] == 0.0
    assert result["citation_validity_strict"] == 1.0 and result["claims_with_citation"] == 1.0
    assert result["answered_rate_on_answerable"] == 1.0 and result["correct_refusal_rate"] == 0.0  # this gate never refuses
    assert len(result["records"]) == 2 and fake.requests == []
    refusing = Services(settings, backend_override=fake, embedder_override=embedder, gate_override=fixed_gate(False))
    everything_refused = evaluate_answers(refusing.coach, questions, unanswerable)
    assert everything_refused["correct_refusal_rate"] == 1.0 and everything_refused["answered_rate_on_answerable"] == 0.0
    refusing.retriever.close()
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
    assert "| citation validity, lenient (earlier measure) | 0.9 |" in md and "| first token p50 / p95 (ms) | 1 / 2 |" in md
