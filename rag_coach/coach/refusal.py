"""The fixed, helpful form of "the corpus does not cover this" — written by code, no model call.

1. What the corpus does not cover (the question's words that no evidence holds);
2. what it does cover nearby, as cited evidence sentences;
3. general advice, clearly labelled, only for the kinds of question it exists for (pay, people,
   recent questions, statistics, visas, team details) — advice about where to find the answer,
   never a fact or figure.
"""

from __future__ import annotations

import re

from rag_coach.coach.compose import AnswerSentence
from rag_coach.coach.evidence import EvidenceItem

NOT_COVERED = "**Not covered by the corpus.** The rag_coach sources have nothing that answers this question for {company}"
NEARBY = "**What the corpus does cover nearby:**"
GENERAL = "**General advice (not from the corpus):** "
GENERAL_ADVICE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(salar\w*|pay|paid|compensation|bonus\w*|rsus?|equity|stock|offer amount|earn\w*|tc)\b", re.I),
     "pay depends on level, location and date, and public figures go stale; ask the recruiter for the level and the "
     "full offer breakdown in writing."),
    (re.compile(r"\b(who (?:will|is|are)|name of|interviewer'?s? names?|recruiter'?s? name|which person)\b", re.I),
     "interviewer assignments are not public and change; prepare for the round's format rather than for a person."),
    (re.compile(r"\b(last (?:week|month|year)|this (?:week|month)|recent(?:ly)?|latest|leaked|currently asking)\b", re.I),
     "recent or leaked question lists are not part of the corpus; practise the question bank for this round instead."),
    (re.compile(r"\b(pass(?:ing)? rate|offer rate|acceptance rate|success rate|odds|chance|percentage of)\b", re.I),
     "no reliable public pass rates exist; judge your readiness with timed mock interviews and their feedback."),
    (re.compile(r"\b(visa|h-?1b|sponsor\w*|immigration|green card|relocat\w*|work permit)\b", re.I),
     "ask the recruiter early whether the role sponsors visas or relocation; it depends on the role and country."),
    (re.compile(r"\b(headcount|team size|how many (?:people|engineers)|org chart|reorg)\b", re.I),
     "team details are best asked of the recruiter or the hiring manager in the team-matching or final call."),
)


def general_advice(question: str) -> str | None:
    for pattern, advice in GENERAL_ADVICE:
        if pattern.search(question):
            return advice
    return None


def refusal(question: str, company_name: str, nearby: list[EvidenceItem], missing_words: tuple[str, ...],
            max_nearby: int = 2) -> tuple[str, list[AnswerSentence]]:
    """(Markdown text, the cited nearby sentences). ``missing_words`` are stems of the question's focus words."""
    head = NOT_COVERED.format(company=company_name)
    head += f" (nothing on: {', '.join(missing_words[:4])})." if missing_words else "."
    parts = [head]
    cited = [AnswerSentence(item.text, item.passage, item.key, item.text, True) for item in nearby[:max_nearby]]
    if cited:
        parts.append(NEARBY + "\n" + "\n".join(f"- {s.render()}" for s in cited))
    advice = general_advice(question)
    if advice:
        parts.append(GENERAL + advice[0].upper() + advice[1:])
    return "\n\n".join(parts), cited
