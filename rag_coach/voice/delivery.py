"""Delivery metrics computed in code from the transcript's words and timestamps (pure functions).

Only what the audio and its timestamps support: speaking rate, long silences between words, filler
words and the answer's length against the round's expectation. Nothing about confidence, tone or body
language: the transcript cannot show them. Filler counts are a lower bound — Whisper often leaves
"uh"/"um" out of its transcript — and "like", "you know", "sort of" and "kind of" are counted only
where they are used as fillers (see :func:`fillers`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from rag_coach.textsafety import md_text

_HESITATIONS = {"um": "um", "umm": "um", "uhm": "um", "hmm": "um", "mm": "um", "uh": "uh", "uhh": "uh", "er": "uh", "erm": "uh"}
# "a sort of", "what kind of", "the same kind of": the noun, not a hedge
_KIND_NOUN_BEFORE = {
    "a", "an", "the", "this", "that", "these", "those", "what", "which", "any", "some", "every", "each", "one", "no",
    "same", "other", "another", "different", "right", "wrong", "new", "first", "only", "particular", "certain",
    "its", "their", "our", "my", "your", "his", "her", "whatever", "all", "many", "several", "two", "three",
}
# "I like," "we'd like," — the verb before a comma, not a filler
_LIKE_VERB_BEFORE = {"i", "you", "we", "they", "would", "i'd", "we'd", "you'd", "they'd", "do", "don't", "did", "didn't",
                     "really", "also", "not", "to", "look", "looks", "looked", "feel", "feels", "felt", "seems", "just"}
FILLERS = ("um", "uh", "like", "you know", "sort of", "kind of")


class TimedWord(Protocol):
    text: str
    start: float
    end: float


def norm(text: str) -> str:
    return re.sub(r"[^\w']+", "", text.lower()).strip("'")


def _comma_after(text: str) -> bool:
    return text.rstrip().endswith((",", "...", "…", "—", "-"))


def fillers(words: Sequence[TimedWord]) -> list[tuple[int, str]]:
    """``(word index, filler)`` for each filler use.

    * um / uh (and umm, er, erm, hmm): always.
    * "you know": when it stands apart — "know" carries a comma, or the phrase closes the clause
      ("…, you know."), so "Do you know the answer?" and "if you know Python" are not fillers.
    * "sort of" / "kind of": unless a determiner or adjective comes before it ("a sort of cache",
      "what kind of data", "the same kind of bug"), so "I was kind of worried" counts.
    * "like": only when set off by a comma after it ("it was, like, slow", "like, the queue…") and
      not after a subject or auxiliary ("things I like, such as…"); "I like working" and
      "looks like a bug" are never counted.
    """
    found: list[tuple[int, str]] = []
    toks = [norm(w.text) for w in words]
    i = 0
    while i < len(words):
        tok = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        prev = toks[i - 1] if i > 0 else ""
        if tok in _HESITATIONS:
            found.append((i, _HESITATIONS[tok]))
        elif tok == "you" and nxt == "know":
            know = words[i + 1].text.rstrip()
            if _comma_after(know) or (know.endswith((".", "?", "!")) and i > 0 and _comma_after(words[i - 1].text)):
                found.append((i, "you know"))
                i += 2
                continue
        elif tok in ("sort", "kind") and nxt == "of" and not _comma_after(words[i].text):
            if prev not in _KIND_NOUN_BEFORE:
                found.append((i, f"{tok} of"))
                i += 2
                continue
        elif tok == "like" and _comma_after(words[i].text) and prev not in _LIKE_VERB_BEFORE:
            found.append((i, "like"))
        i += 1
    return found


@dataclass(frozen=True)
class Pause:
    at_s: float  # when the silence starts (end of the word before it)
    seconds: float
    after_word: int  # index of the word before the silence
    before_text: str  # a few words up to the silence
    after_text: str  # a few words after it


@dataclass
class Delivery:
    words: int
    duration_s: float  # the recording
    speaking_s: float  # first word start to last word end
    words_per_minute: float
    long_pause_s: float
    pauses: list[Pause] = field(default_factory=list)
    fillers: dict[str, int] = field(default_factory=dict)
    filler_total: int = 0
    fillers_per_minute: float = 0.0
    round: str | None = None
    expected_s: tuple[float, float] | None = None
    length: str | None = None  # "short" | "within" | "long" against expected_s

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["expected_s"] = list(self.expected_s) if self.expected_s else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Delivery:
        """The inverse of :meth:`to_dict` (as stored with an attempt)."""
        values = dict(data)
        values["pauses"] = [Pause(**p) for p in values.get("pauses") or []]
        values["expected_s"] = tuple(values["expected_s"]) if values.get("expected_s") else None
        return cls(**values)


def long_pauses(words: Sequence[TimedWord], threshold_s: float, context: int = 4) -> list[Pause]:
    out: list[Pause] = []
    for i in range(len(words) - 1):
        gap = words[i + 1].start - words[i].end
        if gap >= threshold_s:
            before = " ".join(w.text for w in words[max(0, i - context + 1): i + 1])
            after = " ".join(w.text for w in words[i + 1: i + 1 + context])
            out.append(Pause(round(words[i].end, 2), round(gap, 2), i, before, after))
    return out


def analyse(words: Sequence[TimedWord], duration_s: float, round_slug: str | None = None,
            expectations: Mapping[str, tuple[float, float]] | None = None, long_pause_s: float = 2.0) -> Delivery:
    """All the metrics of one spoken answer. ``duration_s`` is the recording's length."""
    speaking = max(0.0, words[-1].end - words[0].start) if words else 0.0
    minutes = speaking / 60 if speaking > 0 else 0.0
    counts: dict[str, int] = {name: 0 for name in FILLERS}
    for _, name in fillers(words):
        counts[name] += 1
    total = sum(counts.values())
    expected = (expectations or {}).get(round_slug or "") if round_slug else None
    length = None
    if expected:
        length = "short" if duration_s < expected[0] else "long" if duration_s > expected[1] else "within"
    return Delivery(
        words=len(words), duration_s=round(duration_s, 2), speaking_s=round(speaking, 2),
        words_per_minute=round(len(words) / minutes, 1) if minutes else 0.0, long_pause_s=long_pause_s,
        pauses=long_pauses(words, long_pause_s), fillers=counts, filler_total=total,
        fillers_per_minute=round(total / minutes, 2) if minutes else 0.0, round=round_slug,
        expected_s=tuple(expected) if expected else None, length=length,
    )


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def render_markdown(d: Delivery) -> str:
    """The delivery panel (Markdown); transcript words are escaped as text."""
    lines = ["#### Delivery (from the recording)",
             f"- **Speaking rate:** {d.words_per_minute:.0f} words per minute ({d.words} words in {_clock(d.speaking_s)})"]
    if d.expected_s and d.length:
        lo, hi = d.expected_s
        verdict = {"short": "shorter than", "long": "longer than", "within": "within"}[d.length]
        lines.append(f"- **Length:** {_clock(d.duration_s)}, {verdict} the {_clock(lo)}–{_clock(hi)} expected for a "
                     f"{(d.round or '').replace('_', ' ')} answer")
    else:
        lines.append(f"- **Length:** {_clock(d.duration_s)}")
    if d.pauses:
        shown = "; ".join(f"{p.seconds:.1f} s at {_clock(p.at_s)} after “{md_text(p.before_text)}”" for p in d.pauses[:5])
        more = f" (and {len(d.pauses) - 5} more)" if len(d.pauses) > 5 else ""
        lines.append(f"- **Pauses of {d.long_pause_s:g} s or more:** {len(d.pauses)} — {shown}{more}")
    else:
        lines.append(f"- **Pauses of {d.long_pause_s:g} s or more:** none")
    used = ", ".join(f"“{k}” ×{v}" for k, v in d.fillers.items() if v)
    lines.append(f"- **Filler words:** {d.filler_total} ({d.fillers_per_minute:.1f} per minute)" + (f": {used}" if used else ""))
    lines.append("\n_Measured from the transcript's word timings only; the transcriber often drops “uh”/“um”, so "
                 "filler counts are a lower bound._")
    return "\n".join(lines)


__all__ = ["FILLERS", "Delivery", "Pause", "analyse", "fillers", "long_pauses", "norm", "render_markdown"]
