"""`rag-coach questions generate` with FakeLLM standing in for the model (plumbing and JSON shape)."""

from __future__ import annotations

import io
import json

import pytest

from rag_coach import cli
from tests.fakes import FakeLLM
from tests.generation.conftest import reply

PROMPT = "Split a linked list of parcels so fragile parcels come first, keeping their relative order."


@pytest.fixture()
def fake_model(monkeypatch: pytest.MonkeyPatch, embedder) -> FakeLLM:
    fake = FakeLLM([reply(prompt=PROMPT, mistake_ids=["mistake.linked_list.empty_input"])])
    monkeypatch.setattr("rag_coach.llm.factory.make_backend", lambda settings: fake)
    monkeypatch.setattr("rag_coach.services.Embedder", lambda *a, **k: embedder)
    return fake


def _args(settings, *extra: str) -> list[str]:
    return ["questions", "generate", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
            "--data", str(settings.data_dir), "--company", "amazon", "--round", "coding", "--topic", "linked_list",
            "--difficulty", "easy", *extra]


def test_json_output_shape_and_append_with_yes(settings, capsys, fake_model) -> None:
    bank = settings.corpus_dir / "questions/amazon.yaml"
    code = cli.main(_args(settings, "-n", "1", "--json", "--append-to", str(bank), "--yes"))
    out = capsys.readouterr()
    assert code == cli.EXIT_OK, out.err
    data = json.loads(out.out)
    assert set(data) >= {"request", "threshold", "accepted", "missing", "attempts", "passages", "notes", "metrics",
                         "appended"}
    assert data["request"] == {"company": "amazon", "round": "coding", "topic": "linked_list", "difficulty": "easy", "n": 1}
    (q,) = data["accepted"]
    assert q["id"].startswith("q.amazon.coding.gen_") and q["source"] == "generated" and q["prompt"] == PROMPT
    assert set(data["metrics"]) >= {"schema_valid_rate", "duplicate_rate_bank", "mean_pairwise_distance", "distinct_2",
                                    "topic_similarity", "other_topics_similarity", "margin"}
    assert data["metrics"]["schema_valid_rate"] == 1.0
    assert data["appended"] == {"file": str(bank), "count": 1, "total": 3}
    assert "source: generated" in bank.read_text()
    assert PROMPT in out.err  # shown before appending, even in --json mode


def test_append_asks_first_and_refuses_without_yes(settings, capsys, monkeypatch, fake_model) -> None:
    bank = settings.corpus_dir / "questions/amazon.yaml"
    before = bank.read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert cli.main(_args(settings, "--append-to", str(bank))) == cli.EXIT_OK
    out = capsys.readouterr()
    assert PROMPT in out.out and "schema_valid_rate" in out.out
    assert "Append these 1 question(s)" in out.err and "not appended" in out.err
    assert bank.read_text() == before


def test_append_refuses_company_mismatch(settings, capsys, fake_model) -> None:
    other = settings.corpus_dir / "questions/google.yaml"
    other.write_text((settings.corpus_dir / "questions/amazon.yaml").read_text().replace("company: amazon", "company: google")
                     .replace("q.amazon.", "q.google."))
    before = other.read_text()
    code = cli.main(_args(settings, "--append-to", str(other), "--yes"))
    assert code == cli.EXIT_ERROR
    assert "'google' bank" in capsys.readouterr().err and other.read_text() == before


def test_unknown_topic_is_a_usage_error(settings, capsys, fake_model) -> None:
    args = _args(settings)
    args[args.index("linked_list")] = "ownership"
    assert cli.main(args) == 2
    assert "not a coding topic" in capsys.readouterr().err and fake_model.requests == []
