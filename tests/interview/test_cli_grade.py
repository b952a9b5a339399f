"""`rag-coach grade` and `rag-coach eval feedback` with FakeLLM standing in for the model (plumbing only)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from rag_coach import cli
from rag_coach.interview.feedback import published_schema
from rag_coach.llm.base import LLMError
from tests.conftest import SHIPPED_CORPUS
from tests.fakes import FakeLLM
from tests.interview.helpers import scripted

QID = "q.amazon.coding.gift_card_pair"


@pytest.fixture()
def fake_model(monkeypatch: pytest.MonkeyPatch, embedder) -> FakeLLM:
    fake = FakeLLM()
    monkeypatch.setattr("rag_coach.llm.factory.make_backend", lambda settings: fake)
    monkeypatch.setattr("rag_coach.services.Embedder", lambda *a, **k: embedder)
    return fake


def _run(tmp_path: Path, *args: str) -> list[str]:
    return ["--corpus", str(SHIPPED_CORPUS), "--index", str(tmp_path / "index"), "--data", str(tmp_path / "data"), *args]


def test_grade_prints_feedback_json(tmp_path, capsys, fake_model, graded_rows) -> None:
    answer = next(r["answer"] for r in graded_rows if r["question_id"] == QID and r["quality"] == "good")
    scripted(fake_model, 4, "mistake.hashing.duplicates_overwrite")
    (tmp_path / "a.txt").write_text(answer)
    code = cli.main(["grade", *_run(tmp_path, "--question-id", QID, "--answer-file", str(tmp_path / "a.txt"),
                                    "--company", "amazon", "--json")])
    assert code == cli.EXIT_OK
    feedback = json.loads(capsys.readouterr().out)
    jsonschema.validate(feedback, published_schema())
    assert feedback["question_id"] == QID and feedback["overall"] == 4 and feedback["hints_used"] == 0


def test_grade_markdown_and_refusal(tmp_path, capsys, fake_model, graded_rows) -> None:
    answer = next(r["answer"] for r in graded_rows if r["question_id"] == QID and r["quality"] == "bad")
    scripted(fake_model, 1)
    (tmp_path / "a.txt").write_text(answer)
    assert cli.main(["grade", *_run(tmp_path, "--question-id", QID, "--answer-file", str(tmp_path / "a.txt"))]) == 0
    assert "**Overall: 1/4**" in capsys.readouterr().out
    (tmp_path / "b.txt").write_text("idk")
    code = cli.main(["grade", *_run(tmp_path, "--question-id", QID, "--answer-file", str(tmp_path / "b.txt"), "--json")])
    out = capsys.readouterr()
    assert code == cli.EXIT_REFUSED and json.loads(out.out)["status"] == "refused" and "too short" in out.err
    before = len(fake_model.checks)
    assert cli.main(["grade", *_run(tmp_path, "--question-id", QID, "--answer-file", str(tmp_path / "b.txt"))]) == cli.EXIT_REFUSED
    assert len(fake_model.checks) == before  # the refused answer never reached the model
    assert cli.main(["grade", *_run(tmp_path, "--question-id", "q.x.coding.nope", "--answer-file", str(tmp_path / "a.txt"))]) == 2


def test_grade_failure_exits_non_zero_without_a_score(tmp_path, capsys, fake_model, graded_rows) -> None:
    answer = next(r["answer"] for r in graded_rows if r["question_id"] == QID and r["quality"] == "good")

    def broken(messages):
        raise LLMError("the model server went away")

    fake_model.yes = broken
    (tmp_path / "a.txt").write_text(answer)
    code = cli.main(["grade", *_run(tmp_path, "--question-id", QID, "--answer-file", str(tmp_path / "a.txt"), "--json")])
    data = json.loads(capsys.readouterr().out)
    assert code == cli.EXIT_ERROR and data["status"] == "failed" and data["feedback"] is None


def test_eval_feedback_report(tmp_path, capsys, fake_model, graded_rows, bank) -> None:
    # scripted: every answer gets the same scores, so ordering is all ties and agreement is what it is
    scripted(fake_model, 3)
    records = tmp_path / "records.json"
    code = cli.main(["eval", "feedback", *_run(tmp_path, "--limit", "3", "--records", str(records), "--json")])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["invalid_refused"] == "3/3"
    assert report["schema_valid_rate"] == 1.0 and report["strengths_for_unmet_items"] == 0
    # the scripted model scores every answer alike: only the deterministic checks can set good above bad
    stored = json.loads(records.read_text())
    findings = {r["quality"]: r["checks"]["findings"] for r in stored if r["set"] == "graded_answers" and r["checks"]}
    assert findings["good"] == [] and findings["bad"]  # the bad answer's code fails a test case
    assert report["good_over_bad"]["pairs"] == 1 and report["good_over_bad"]["higher"] == 1.0
    assert report["findings_on_good_answers"] == 0 and report["findings_by_rule"]
    assert report["offtopic_refused"] is not None and 0 <= report["dimension_within_one"] <= 1
    # the records re-summarise without the model to the same figures
    assert cli.main(["eval", "feedback", *_run(tmp_path, "--from-records", str(records), "--json")]) == 0
    again = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in again.items() if k != "mistake_model"} == {k: v for k, v in report.items() if k != "mistake_model"}
