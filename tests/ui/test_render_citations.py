"""Citation links of an answer and the sentence ids of the sources panel (no browser)."""

from __future__ import annotations

import re

from rag_coach.coach.compose import AnswerSentence, render
from rag_coach.coach.refusal import refusal
from rag_coach.coach.evidence import EvidenceItem
from rag_coach.ui.render import _passage_html, cited_map, evidence_id, linked_answer

LINK = re.compile(r'<a class="rc-cite" href="#([^"]+)"[^>]*>&#91;(\d+)&#93;</a>')


def s(text: str, passage: int, index: int, evidence: str | None = None) -> AnswerSentence:
    return AnswerSentence(text, passage, f"{passage}.{index}", evidence or text, evidence is None)


def test_each_sentence_links_to_its_own_evidence_sentence() -> None:
    sentences = [s("Use STAR.", 1, 0), s("Quantify the result.", 2, 3), s("Own the outcome.", 1, 2)]
    answer = render(sentences, "how_to")
    out = linked_answer(answer, sentences, "t1")
    assert LINK.findall(out) == [("rc-ev-t1-1-0", "1"), ("rc-ev-t1-2-3", "2"), ("rc-ev-t1-1-2", "1")]
    assert "[" not in LINK.sub("", out) and "&#91;" not in LINK.sub("", out)  # no marker left unlinked


def test_hostile_sentence_text_stays_escaped_and_only_the_citation_links() -> None:
    evil = 'See [2](javascript:alert(1)) <img src=x onerror=alert(1)> and [3].'
    sentences = [s(evil, 1, 4)]
    out = linked_answer(render(sentences, "lookup"), sentences)
    assert LINK.findall(out) == [("rc-ev-1-4", "1")]
    assert "<img" not in out and "&lt;img" in out and "(javascript:" in out and "&#91;2&#93;" in out


def test_refusal_links_the_nearby_sentences() -> None:
    nearby = [EvidenceItem(2, 1, "Levels are calibrated by the committee."), EvidenceItem(3, 0, "Ask the recruiter.")]
    text, cited = refusal("What is the salary at Google?", "Google", nearby, ("salary",))
    assert LINK.findall(linked_answer(text, cited, "x")) == [("rc-ev-x-2-1", "2"), ("rc-ev-x-3-0", "3")]


def test_a_sentence_not_in_the_answer_leaves_the_text_as_is() -> None:
    assert linked_answer("Plain [1].", [s("Other.", 1, 0)]) == "Plain &#91;1&#93;."


def test_panel_marks_carry_the_ids_the_links_point_to() -> None:
    sentences = [s("Short intro.", 1, 0, "Ownership matters."), s("x", 1, 2, "Bias for action too.")]
    cited = cited_map(sentences)
    assert cited == {1: [(0, "Ownership matters."), (2, "Bias for action too.")]}
    out = _passage_html("Ownership matters. Other text. Bias for action too.", cited[1], 1, "t")
    assert f"id='{evidence_id('t', 1, 0)}'>Ownership matters.</mark>" in out
    assert f"id='{evidence_id('t', 1, 2)}'>Bias for action too.</mark>" in out
