"""The CLI's JSON contracts, run as a user would (subprocess, env vars, exit codes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rag_coach.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAG_COACH_CORPUS_DIR": str(settings.corpus_dir), "RAG_COACH_INDEX_DIR": str(settings.index_dir)}
    return subprocess.run([sys.executable, "-m", "rag_coach.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ingest_retrieve_stats_contracts(settings: Settings, tmp_path: Path) -> None:
    (settings.corpus_dir / "companies/broken.md").write_text("no front matter")
    out = run(settings, "ingest", "--json")
    assert out.returncode == 3, out.stderr  # something was skipped
    summary = json.loads(out.stdout)
    assert set(summary) >= {"added", "updated", "deleted", "unchanged", "failed", "chunks", "seconds"}
    assert summary["added"] == 6 and summary["failed"][0]["file"] == "companies/broken.md"
    assert "skipped: companies/broken.md" in out.stderr

    again = json.loads(run(settings, "ingest", "--json").stdout)
    assert (again["added"], again["updated"], again["deleted"]) == (0, 0, 0)

    out = run(settings, "retrieve", "who can veto a hire", "--company", "amazon", "--round", "behavioral",
              "--top-k", "3", "--mode", "hybrid", "--json")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert len(hits) == 3 and hits[0]["section"] == "Bar Raiser"
    assert {h["company"] for h in hits} <= {"amazon", "general"}

    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"query": "googleyness", "company": "google"}) + "\n"
        + json.dumps({"query": "reverse linked list", "kind": "question_bank", "top_k": 1}) + "\n"
    )
    lines = [json.loads(x) for x in run(settings, "retrieve", "--queries", str(queries), "--json").stdout.splitlines()]
    assert [x["query"] for x in lines] == ["googleyness", "reverse linked list"]
    assert len(lines[1]["hits"]) == 1 and lines[1]["hits"][0]["question_id"] == "q.amazon.coding.reverse_shipments"

    stats = json.loads(run(settings, "stats", "--json").stdout)
    assert stats["documents"] == 6 and stats["questions"] == 2 and stats["mistakes"] == 1
    assert stats["by_company"]["amazon"] > 0 and sum(stats["by_kind"].values()) == stats["chunks"]


def test_validate_names_the_problem_and_fails(settings: Settings) -> None:
    ok = run(settings, "validate")
    assert ok.returncode == 0 and "0 problems" in ok.stdout
    (settings.corpus_dir / "companies/bad.md").write_text("---\ncompany: nowhere\n---\n# t\n")
    bad = run(settings, "validate")
    assert bad.returncode == 1
    assert "companies/bad.md: field 'round': missing" in bad.stdout + bad.stderr and "1 problems" in bad.stdout
    assert not settings.index_dir.exists()  # validate never touches the index


def test_missing_index_is_a_clear_error(settings: Settings) -> None:
    out = run(settings, "retrieve", "anything")
    assert out.returncode == 1
    assert "no index in" in out.stderr and "rag-coach ingest" in out.stderr
    assert "Traceback" not in out.stderr
