"""The feedback's Markdown view: tables, catalog titles, the score note, and escaping every string once."""

from __future__ import annotations

import dataclasses

from rag_coach.interview.feedback import Weakness, finalize
from rag_coach.interview.questions import QuestionBank
from rag_coach.ui.feedback_view import SCORE_NOTE, render_markdown, scores_chart
from tests.interview.test_feedback import QID, _checks

MID = "mistake.hashing.check_before_insert_order"


def test_markdown_shows_scores_rubric_and_catalog_mistakes(bank: QuestionBank) -> None:
    question = bank.get(QID)
    fb = finalize(question, _checks(question, 0.99, mistake_id=MID), hints_used=1, time_used_s=612.34, bank=bank)
    md = render_markdown(fb, bank)
    assert "| approach | 3/4 |" in md and "**Overall: 4/4**" in md and question.rubric[0] in md
    assert "| met |" in md and "hints used: 1" in md
    assert MID in md and bank.mistake(MID).title in md
    assert md.rstrip().endswith(SCORE_NOTE)  # every rendering says how the scores are made
    chart = scores_chart(fb)
    assert [t.get_text() for t in chart.axes[0].get_yticklabels()][-1] == "problem understanding"


def test_markdown_escapes_bank_titles_and_answer_strings_once(bank: QuestionBank) -> None:
    script = "<script>window.__pwned=1</script>"
    link = "[click](javascript:alert(1))"
    question = bank.get(QID)
    hostile = dataclasses.replace(
        bank,
        questions={**bank.questions, QID: question.model_copy(update={"prompt": f"Pair {script} {link}. Rest."})},
        mistakes={**bank.mistakes, MID: bank.mistake(MID).model_copy(update={"title": f"Title <img src=x onerror=1> {link}"})},
    )
    fb = finalize(question, _checks(question, 0.99, mistake_id=MID), bank=bank)
    fb = fb.model_copy(update={
        "strengths": ["a < b & c\n```\n<b>x</b>"],
        "weaknesses": [Weakness(text=f"Missed {script}", mistake_id=MID)],
        "rubric": [fb.rubric[0].model_copy(update={"evidence": "x | <i>y</i>"}), *fb.rubric[1:]],
    })
    md = render_markdown(fb, hostile)
    assert "<" not in md and "[click]" not in md
    assert not any(line.lstrip().startswith("```") for line in md.splitlines())  # no fence opened by a string
    assert "## Feedback: Pair &lt;script&gt;" in md and "&#91;click&#93;(javascript:alert(1))" in md
    assert "**Title &lt;img src=x onerror=1&gt;" in md and f"(`{MID}`)" in md
    assert "- a &lt; b &amp; c" in md and "&amp;lt;" not in md  # escaped exactly once
    assert "x \\| &lt;i&gt;y&lt;/i&gt;" in md
    assert "- Missed &lt;script&gt;" in md
