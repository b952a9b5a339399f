"""How a :class:`~rag_coach.interview.feedback.Feedback` is shown: Markdown (UI and CLI) and a score chart.

Presentation only; nothing here decides a score or a sentence. Every string in the feedback and
every title from the bank is escaped here (and only here), so no HTML, link or image from an answer
or the corpus can render.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rag_coach.textsafety import md_text

if TYPE_CHECKING:
    from rag_coach.interview.feedback import Feedback
    from rag_coach.interview.questions import QuestionBank

# Shown under every rendered feedback: what the scores are, and what a small local model can miss.
SCORE_NOTE = ("_How these scores are made: the local model answers yes or no for each rubric item, dimension and "
              "likely catalog mistake, and fixed rules turn its confidence into 1–4 scores and the mistakes named. "
              "A small model can miss subtle bugs or vague stories, so read the rubric table and the evidence, "
              "not only the number._")
MET_WORDS = {"yes": "met", "partly": "partly", "no": "not shown"}  # words: no emoji font on a stock browser


def _inline(text: str) -> str:
    """Any text (the candidate's, the bank's) on one line, shown literally (see ``md_text``)."""
    return md_text(" ".join(str(text).split()))


def _code(text: str) -> str:
    """An id in a code span; anything that could close the span is shown as escaped text instead."""
    text = str(text)
    return f"`{text}`" if text and "`" not in text and text == " ".join(text.split()) else _inline(text)


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|") if text else "—"


def render_markdown(feedback: Feedback, bank: QuestionBank) -> str:
    """Scores table, rubric table, strengths, weaknesses with catalog titles and ids, next steps."""
    question = bank.questions.get(feedback.question_id)
    title = _inline(question.prompt.split(". ")[0][:90]) if question else _code(feedback.question_id)
    lines = [f"## Feedback: {title}", "", f"**Overall: {feedback.overall}/4** ({_inline(feedback.round)} round, "
             f"{_code(feedback.question_id)})", ""]
    if feedback.time_used_s is not None or feedback.hints_used:
        minutes = (feedback.time_used_s or 0) / 60
        lines += [f"Time used: {minutes:.1f} min · hints used: {feedback.hints_used}", ""]
    lines += ["| Dimension | Score | Evidence from your answer |", "|---|---|---|"]
    for name, dim in feedback.dimensions.items():
        lines.append(f"| {_cell(name.replace('_', ' '))} | {dim.score}/4 | {_cell(dim.evidence)} |")
    if feedback.rubric:
        lines += ["", "### What the interviewer looks for", "", "| Rubric item | Your answer | Where |", "|---|---|---|"]
        lines += [f"| {_cell(c.item)} | {MET_WORDS[c.met]} | {_cell(c.evidence)} |" for c in feedback.rubric]
    if feedback.strengths:
        lines += ["", "### Strengths", *[f"- {_inline(s)}" for s in feedback.strengths]]
    if feedback.weaknesses:
        lines += ["", "### Mistakes and weaknesses"]
        for w in feedback.weaknesses:
            mistake = bank.mistake(w.mistake_id) if w.mistake_id else None
            tag = f" — **{_inline(mistake.title)}** ({_code(mistake.id)})" if mistake else ""
            lines.append(f"- {_inline(w.text)}{tag}")
    if feedback.next_steps:
        lines += ["", "### Next steps", *[f"- {_inline(s)}" for s in feedback.next_steps]]
    lines += ["", SCORE_NOTE]
    return "\n".join(lines) + "\n"


def scores_chart(feedback: Feedback) -> Any:
    """Horizontal bars of the per-dimension scores (1–4) of one feedback (a matplotlib Figure)."""
    from matplotlib.figure import Figure

    names = [n.replace("_", " ") for n in feedback.dimensions][::-1]
    scores = [d.score for d in feedback.dimensions.values()][::-1]
    fig = Figure(figsize=(6, 0.45 * len(names) + 0.8))
    ax = fig.add_subplot()
    colours = ["#d9534f" if s <= 1 else "#f0ad4e" if s == 2 else "#5bc0de" if s == 3 else "#5cb85c" for s in scores]
    ax.barh(names, scores, color=colours)
    ax.set_xlim(0, 4)
    ax.set_xticks([1, 2, 3, 4])
    ax.set_title(f"Overall {feedback.overall}/4")
    fig.tight_layout()
    return fig
