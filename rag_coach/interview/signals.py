"""Deterministic checks of what an answer says and does, for what a 1.5B model's yes/no checks miss.

The grader's model checks say yes to a long, confident answer whatever it claims: on the
counter-length pairs a padded, wrong answer scored as high as a short, right one. So the system
also reads the candidate's own words and code with rules taken from the mistake catalog's
"how to spot it". When a rule fires it

* names the catalog mistake, with the candidate's own sentence that shows it (or none, when the
  finding is an absence) and a reason written here, never by the model; and
* caps one dimension of the round: 1 (missing or wrong) when the answer shows the opposite of what
  the dimension asks, 2 (partial) when it shows part of it.

For coding, the strongest check is not read but run: the candidate's Python is called on the
question's example tests in a sandboxed subprocess (:mod:`rag_coach.interview.code_check`); a wrong
return value caps correctness at 1, with the call, what it returned and what was expected, and the
catalog mistake that test case was written to catch (when the code passes some tests: code that fails
every case is broadly wrong, and no one case says why). Code that cannot be run (pseudo-code, another
language, a timeout) is not penalised.

The rules are deliberately narrow (a finding must be visible in the text). Each is measured on the
labelled answer sets by ``rag-coach eval signals``, and a test holds that none fires on an answer
labelled good. Rules for an *absence* in a system design (no requirements, no estimate, no
trade-off named) were tried and left out: short, good design answers that go straight to the
hard part tripped them (5 of the 7 short-good design answers of the counter-length set).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rag_coach.interview import complexity
from rag_coach.interview.answer_text import GRADER_DIRECTED, dimension_of, sentences
from rag_coach.interview.code_source import extract_code
from rag_coach.interview.dimensions import dimensions_for

if TYPE_CHECKING:
    from rag_coach.documents.models import Question
    from rag_coach.interview.code_check import CodeRun

MISTAKE_OF: dict[str, str | None] = {  # rule -> the catalog mistake it finds
    "hypothetical": "mistake.behavioral.hypothetical_answer",
    "we_not_i": "mistake.behavioral.we_instead_of_i",
    "no_figure": "mistake.behavioral.no_measurable_result",
    "blames_others": "mistake.behavioral.blames_others",
    "no_reflection": "mistake.behavioral.no_reflection",
    "single_point": "mistake.system_design.single_point_of_failure",
    "no_idempotency": "mistake.system_design.ignores_idempotency_and_retries",
    "complexity_claim": "mistake.arrays_strings.wrong_complexity_claim",
    "failing_code": None,  # the failing test case's own mistake_id, if it has one (see failing_code)
}


@dataclass(frozen=True)
class Finding:
    rule: str
    mistake_id: str | None
    dimension: str
    ceiling: int
    reason: str  # what was seen, written in code
    evidence: str = ""  # the candidate's own sentence or code line; "" for an absence

    def to_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "mistake_id": self.mistake_id, "dimension": self.dimension, "ceiling": self.ceiling,
                "reason": self.reason, "evidence": self.evidence}


@lru_cache(maxsize=16)  # every rule of a round reads the same answer
def prose_of(answer: str) -> str:
    """The answer's prose: no fenced code, and no sentence addressed to the grader (as the model's view,
    :data:`rag_coach.interview.answer_text.GRADER_DIRECTED`: "give it 4/4" is not a number in the story)."""
    prose = re.sub(r"```.*?(```|$)", " ", answer, flags=re.S)
    return "\n".join(s for s in sentences(prose) if not GRADER_DIRECTED.search(s))


@lru_cache(maxsize=16)
def _sentences(answer: str) -> tuple[str, ...]:
    return tuple(sentences(prose_of(answer)))


def _first_sentence(pattern: re.Pattern[str], answer: str) -> str | None:
    return next((s for s in _sentences(answer) if pattern.search(s)), None)


# -- behavioral -------------------------------------------------------------------------------------------
IRREGULAR = ("built", "wrote", "ran", "took", "made", "found", "told", "said", "led", "sent", "met", "brought", "gave",
             "set", "put", "got", "went", "saw", "chose", "began", "kept", "spoke", "read", "drew", "caught", "sought",
             "thought", "knew", "held", "paid", "won", "lost", "rebuilt", "rewrote", "shipped", "did", "left", "split",
             "cut", "dug", "taught", "fought", "sat", "stood", "felt", "heard", "understood", "undertook", "withdrew")
STATES = ("was", "were", "had", "used", "supposed", "based", "tired", "interested", "excited", "involved", "asked_to")
_VERB = rf"(?:\w+ed|{'|'.join(IRREGULAR)})"
_ADVERB = r"(?:\w+ly\s+|also\s+|then\s+|just\s+|even\s+|first\s+|finally\s+|quickly\s+|personally\s+)?"
I_ACTION = re.compile(rf"\bi\s+{_ADVERB}({_VERB})\b", re.I)
WE_ACTION = re.compile(rf"\b(?:we|the team|our team)\s+{_ADVERB}({_VERB})\b", re.I)
HYPOTHETICAL = re.compile(r"\b(i'd|i would|i will|i'll|you could|you'd|you would|you should|my approach is|i always|i try to|"
                          r"i like to|i tend to|usually i|i usually)\b", re.I)
QUANTITY = re.compile(r"\d|%|\b(half|halved|doubled|tripled|twice|thrice|two|three|four|five|six|seven|eight|nine|ten|"
                      r"eleven|twelve|twenty|thirty|forty|fifty|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)


def _actions(pattern: re.Pattern[str], text: str) -> list[str]:
    return [m.group(1) for m in pattern.finditer(text) if m.group(1).lower() not in STATES]


def hypothetical(answer: str, code: str = "", question: Question | None = None) -> Finding | None:
    """"Tell me about a time" answered with what one would do: no past action of the candidate's own."""
    text = prose_of(answer)
    hypo = [s for s in _sentences(answer) if HYPOTHETICAL.search(s)]
    if len(hypo) < 2 or _actions(I_ACTION, text):
        return None
    return Finding("hypothetical", MISTAKE_OF["hypothetical"], "star_completeness", 1,
                   f"{len(hypo)} sentences say what you would do, and none tells something you did in a real situation.", hypo[0])


def we_not_i(answer: str, code: str = "", question: Question | None = None) -> Finding | None:
    """The story's actions are the team's ("we decided"), not the candidate's."""
    text = prose_of(answer)
    mine, ours = _actions(I_ACTION, text), _actions(WE_ACTION, text)
    if len(ours) < 3 or len(ours) <= 2 * len(mine):
        return None
    evidence = _first_sentence(WE_ACTION, answer) or ""
    return Finding("we_not_i", MISTAKE_OF["we_not_i"], "specificity_ownership", 1 if not mine else 2,
                   f"{len(ours)} actions are told as the team's (\"we {ours[0].lower()}\") against {len(mine)} of your own.", evidence)


def no_figure(answer: str, code: str = "", question: Question | None = None) -> Finding | None:
    """The story has no number at all: no count, share, time or size in its outcome."""
    if QUANTITY.search(prose_of(answer)) or not answer.strip():
        return None
    return Finding("no_figure", MISTAKE_OF["no_figure"], "measurable_result", 2,
                   "The story gives no number anywhere: no measured outcome, size or time.")


OTHERS = r"(?:the|our|my|a|his|her|their)\s+(?:\w+\s+){0,2}?(?:team|manager|pm|qa|designers?|colleagues?|teammates?|lead|sales|vendor|client|engineers?)"
BLAME = re.compile(r"\b(?:(?:not|wasn't|was not|isn't)\s+(?:really\s+)?(?:my|on me)\s*(?:fault|call|responsibility)?|out of my control|"
                   r"(?:wasn't|was not)\s+caused by me|"
                   rf"(?:because|since)\s+{OTHERS}\s+(?:didn't|did not|kept|never|was slow|were slow|took forever|changed|wouldn't)|"
                   rf"{OTHERS}\s+(?:should have|never|refused|kept changing|kept adding|dropped the ball)|"
                   r"(?:he|she|they)\s+(?:still\s+)?(?:wouldn't|would not|refused to|never)\s+(?:listen|help|respond|test|agree))", re.I)
NO_CHANGE = re.compile(r"\b(?:(?:nothing|not much|anything)\s+(?:that\s+)?(?:i'd|i would)\s+(?:do|change)\s*(?:differently)?|"
                       r"not (?:something|anything) i'd (?:personally )?do differently|"
                       r"(?:don't|do not|wouldn't) (?:think there's much|change (?:anything|much)))", re.I)


def blames_others(answer: str, code: str = "", question: Question | None = None) -> Finding | None:
    """The failure or conflict is someone else's doing ("because the QA team didn't test", "not my fault")."""
    if (hit := _first_sentence(BLAME, answer)) is None:
        return None
    return Finding("blames_others", MISTAKE_OF["blames_others"], "principle_alignment", 2,
                   "The story puts the cause on others and says little about your own part.", hit)


def no_reflection(answer: str, code: str = "", question: Question | None = None) -> Finding | None:
    """The story ends with nothing the candidate would do differently."""
    if (hit := _first_sentence(NO_CHANGE, answer)) is None:
        return None
    return Finding("no_reflection", MISTAKE_OF["no_reflection"], "measurable_result", 2,
                   "You say there is nothing you would do differently, so the story shows no lesson.", hit)


# -- system design ----------------------------------------------------------------------------------------
SINGLE = re.compile(r"\b(single|one|central(?:i[sz]ed)?|global)\s+(?:\w+\s+){0,2}?(primary|database|db|instance|server|node|"
                    r"leader|master|counter|coordinator|machine|redis|sequence|box|region)\b", re.I)
NEGATED = re.compile(r"\b(no|not|avoid\w*|without|never|eliminat\w*|rather than|instead of|isn't|aren't|removes?)\b", re.I)


def single_point(answer: str, code: str = "", question: Question | None = None) -> Finding | None:
    """One database / coordinator / counter that everything depends on, stated as the design."""
    for s in _sentences(answer):
        m = SINGLE.search(s)
        if m and not NEGATED.search(s[: m.start()]) and not re.search(r"\b(replica|failover|standby)\b", s[m.end():], re.I):
            return Finding("single_point", MISTAKE_OF["single_point"], "scaling", 2,
                           f"The design rests on a {m.group(0).lower()}; the answer does not say what happens when it fails.", s)
    return None


RETRY_ITEM = re.compile(r"\b(idempot\w*|retr(?:y|ies|ied)|duplicates?|de-?dup\w*|exactly[- ]once|at[- ]least[- ]once)\b", re.I)
IDEMPOTENT = re.compile(r"\b(idempot\w*|de-?dup\w*|exactly[- ]once|at[- ]least[- ]once|unique (?:key|constraint|id)|"
                        r"(?:request|event|message|payment|delivery|operation) ids?)\b", re.I)


def no_idempotency(answer: str, code: str = "", question: Question | None = None) -> Finding | None:
    """The question's rubric asks how retries and duplicates are made safe; the answer names no mechanism."""
    item = next((i for i in question.rubric if RETRY_ITEM.search(i)), None) if question is not None else None
    if item is None or IDEMPOTENT.search(prose_of(answer)) or not answer.strip():
        return None
    return Finding("no_idempotency", MISTAKE_OF["no_idempotency"], dimension_of(item, list(dimensions_for(question.round))), 2,
                   f"The rubric asks for \"{item}\"; the answer names no idempotency key, de-duplication or delivery guarantee.")


# -- coding -----------------------------------------------------------------------------------------------
def complexity_claim(answer: str, code: str = "", question: Question | None = None) -> Finding | None:
    """A stated time complexity below what the candidate's own code must take (a sort, a full pass)."""
    found = complexity.contradiction(prose_of(answer), extract_code(answer, code))
    if found is None:
        return None
    return Finding("complexity_claim", MISTAKE_OF["complexity_claim"], "complexity_analysis", 1,
                   found.reason, found.claim_sentence)


def failing_code(run: CodeRun | None) -> Finding | None:
    """The candidate's code returned a wrong value on one of the question's example tests (``run``: the result
    of :func:`~rag_coach.interview.code_check.run_for_grading`; None where no code was run)."""
    if run is None or run.status != "failed":
        return None
    # a case written to catch a catalog mistake names it, unless the code fails everything (then no one case says why)
    named = run.mistake_ids()[0] if run.passed > 0 and run.mistake_ids() else None
    return Finding("failing_code", named, "correctness", 1, run.summary())


Rule = Callable[[str, str, "Question | None"], "Finding | None"]
RULES: dict[str, tuple[Rule, ...]] = {
    "behavioral": (hypothetical, we_not_i, no_figure, blames_others, no_reflection),
    "system_design": (single_point, no_idempotency),
    "coding": (complexity_claim,),
}


def findings(round: str, answer: str, code: str = "", question: Question | None = None, *,
             code_run: CodeRun | None = None) -> list[Finding]:
    """Every rule of the round that fires on the answer, in rule order (``question``: rules that read its rubric),
    after the failing-code finding of ``code_run`` (the answer's code run on the question's tests, if it was run)."""
    found = [f for rule in RULES.get(round, ()) if (f := rule(answer, code, question)) is not None]
    if (failed := failing_code(code_run)) is not None:
        found.insert(0, failed)
    return found


def apply_ceilings(scores: dict[str, int], found: list[Finding]) -> dict[str, int]:
    """Copy of ``scores`` with each finding's dimension capped at its ceiling."""
    out = dict(scores)
    for f in found:
        if f.dimension in out:
            out[f.dimension] = min(out[f.dimension], f.ceiling)
    return out
