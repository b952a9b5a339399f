"""`bench chat` plumbing with the named fake model (FakeLLM): runs, medians of the runs, turns split by kind."""

from __future__ import annotations

from rag_coach.evaluation.bench_chat import bench_chat
from tests.coach.test_chat import make_services


def test_bench_chat_repeats_the_list_and_reports_medians_of_runs(settings, embedder) -> None:
    services = make_services(settings, embedder, ["You should tell a story where you saved money [9]."])
    questions = [{"id": "q1", "company": "amazon", "round": "behavioral", "question": "How should I prepare a frugality story?"},
                 {"id": "q2", "company": "amazon", "round": "all", "question": "Who is a Bar Raiser?"}]
    report = bench_chat(services.settings, runs=2, services=services, questions=questions)
    assert report["runs"] == 2 and len(report["per_run"]) == 2
    assert len(report["rows"]) == 2 * 3  # 2 questions + 1 follow-up (every fourth question, the first included), twice
    kinds = report["all_turns"]["turns_by_kind"]
    assert kinds["model_phrased"] >= 2 and sum(kinds.values()) == 6  # the how-to turn asks the model in both runs
    medians = report["median_of_runs_p50"]
    assert all(medians[k] is not None and medians[k] >= 0 for k in ("retrieval_ms", "first_token_ms", "total_ms"))
    assert "sources visible (retrieval)" in report["text"] and "whole turn, model-phrased" in report["text"]
    services.retriever.close()
