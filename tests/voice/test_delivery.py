"""Delivery metrics from words + timestamps (pure; no model)."""

from __future__ import annotations

from dataclasses import dataclass

from rag_coach.voice.delivery import analyse, fillers, long_pauses, render_markdown


@dataclass(frozen=True)
class W:
    text: str
    start: float
    end: float


def timed(text: str, step: float = 0.4, gaps: dict[int, float] | None = None) -> list[W]:
    """Words of ``text`` every ``step`` s; ``gaps`` adds silence before word i."""
    out, t = [], 0.0
    for i, word in enumerate(text.split()):
        t += (gaps or {}).get(i, 0.0)
        out.append(W(word, t, t + step * 0.8))
        t += step
    return out


def names(text: str) -> list[str]:
    return [name for _, name in fillers(timed(text))]


def test_hesitations_always_count() -> None:
    assert names("Um, I think, uh, the cache. Erm ok") == ["um", "uh", "uh"]


def test_like_only_as_a_filler() -> None:
    assert names("It was, like, really slow.") == ["like"]
    assert names("Like, the queue was full.") == ["like"]
    assert names("I like working with the design team.") == []
    assert names("It looks like a bug, like the one before.") == []
    assert names("Things I like, such as tests.") == []
    assert names("It looks like, a bug.") == []


def test_you_know_only_when_set_apart() -> None:
    assert names("So, you know, the project was late.") == ["you know"]
    assert names("It was late, you know.") == ["you know"]
    assert names("Do you know the answer?") == []
    assert names("If you know Python you can start.") == []


def test_sort_of_and_kind_of_only_as_hedges() -> None:
    assert names("I was kind of worried and it was sort of late.") == ["kind of", "sort of"]
    assert names("What kind of data is it? A sort of cache. The same kind of bug.") == []


def test_long_pauses_with_their_position() -> None:
    words = timed("I designed the cache layer. It cut the load time in half.", gaps={5: 2.5, 8: 1.0})
    pauses = long_pauses(words, 2.0)
    assert len(pauses) == 1
    p = pauses[0]
    assert p.after_word == 4 and p.before_text.endswith("cache layer.") and p.after_text.startswith("It cut")
    assert abs(p.seconds - (2.5 + 0.4 * 0.2)) < 1e-6 and abs(p.at_s - words[4].end) < 1e-6


def test_rate_fillers_and_length_against_the_round() -> None:
    words = timed(" ".join(["word"] * 150), step=0.5)  # 150 words in ~75 s -> 120 wpm
    d = analyse(words, 80.0, "behavioral", {"behavioral": (90.0, 180.0)})
    assert abs(d.words_per_minute - 150 / (words[-1].end / 60)) < 0.2 and 115 < d.words_per_minute < 125
    assert d.length == "short" and d.expected_s == (90.0, 180.0) and d.filler_total == 0 and d.pauses == []
    assert analyse(words, 120.0, "behavioral", {"behavioral": (90.0, 180.0)}).length == "within"
    assert analyse(words, 200.0, "behavioral", {"behavioral": (90.0, 180.0)}).length == "long"
    assert analyse(words, 200.0, "coding", {}).length is None
    assert analyse([], 3.0).words_per_minute == 0.0


def test_panel_says_only_what_was_measured_and_escapes_words() -> None:
    words = timed("So, you know, <img src=x onerror=alert(1)> [link](http://x) done.", gaps={3: 3.0})
    text = render_markdown(analyse(words, 10.0, "behavioral", {"behavioral": (90.0, 180.0)}))
    assert "<img" not in text and "](http" not in text
    assert "“you know” ×1" in text and "shorter than the 1:30–3:00 expected for a behavioral answer" in text
    lowered = text.lower()
    assert "confiden" not in lowered and "body language" not in lowered and "tone" not in lowered
