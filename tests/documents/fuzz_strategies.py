"""Hypothesis strategies for corpus files: random bytes, YAML-ish text, front matter, question banks."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml
from hypothesis import strategies as st

from rag_coach.documents.registry import Registry

# Fragments that poke at YAML's corners: flow collections, anchors/aliases, tags, bad dates, merge keys.
YAML_TOKENS = [
    "'", '"', "[", "]", "{", "}", ":", ": ", "- ", ",", "&a ", "*a", "!!int ", "!!float ", "!!bool ", "!!timestamp ",
    "!!binary ", "!!set ", "!!omap ", "!!python/object:os.system ", "!custom ", "? ", "|", ">", "\t", "%YAML 1.1\n",
    "---\n", "...\n", "2026-13-45", "2026-02-30", "2026-11-01", "0x", "0o", "1e999", ".nan", "~", "<<: ", "\n",
    "\n  ", "\n- ", "#", "@", "`", "\\", "\x85", "\u2028", "\ufeff", "é", "maybe",
]
BAD_UTF8 = [b"\xff", b"\xc3", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\xf4\x90\x80\x80", b"\x00"]

PRINTABLE = st.characters(blacklist_categories=("Cs", "Cc"))
words = st.one_of(st.text(PRINTABLE, max_size=20), st.text(PRINTABLE, max_size=20), st.text(max_size=20))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), words,
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
yaml_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
yamlish_text = st.lists(st.one_of(st.sampled_from(YAML_TOKENS), st.text(max_size=6)), max_size=40).map("".join)


def leaning(valid: list[str] | tuple[str, ...], good: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    """Mostly a valid value (about nine times in ten), sometimes anything."""
    good = good if good is not None else st.sampled_from(list(valid))
    return st.sampled_from([good] * 9 + [yaml_values]).flatmap(lambda strategy: strategy)


@st.composite
def mostly_complete(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """Every field, usually; sometimes a few dropped; plus the odd unknown key."""
    data = {name: draw(strategy) for name, strategy in fields.items()}
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 0, 1, 2]))):
        data.pop(draw(st.sampled_from(sorted(fields))), None)
    extra = draw(st.dictionaries(st.text(max_size=8), yaml_values, max_size=1))
    return {**extra, **data}


def metadata(registry: Registry, kinds: list[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    name = st.from_regex(r"[A-Za-z][A-Za-z0-9 ]{0,15}", fullmatch=True)
    sources = leaning((), st.lists(st.one_of(name, st.fixed_dictionaries({"title": name}, optional={"url": words}),
                                             st.fixed_dictionaries({}, optional={"title": words, "url": words})),
                                   min_size=1, max_size=3))
    reviewed = leaning((), st.one_of(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
                                     st.datetimes(min_value=dt.datetime(2000, 1, 1))))
    return mostly_complete({
        "company": leaning(tuple(registry.companies)), "round": leaning(tuple(registry.rounds)),
        "kind": leaning(kinds or tuple(registry.kinds)), "title": leaning((), st.text(PRINTABLE, min_size=1, max_size=20)),
        "sources": sources, "last_reviewed": reviewed,
    })


def dump(data: Any, style: str) -> str:
    if style == "json":
        return json.dumps(data, default=str, ensure_ascii=False, allow_nan=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """``text``, sometimes with a slice cut out or a YAML-ish fragment spliced in."""
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + text[at + draw(st.integers(1, 10)):]
        else:
            text = text[:at] + draw(st.sampled_from(YAML_TOKENS)) + text[at:]
    return text


markdown_line = st.one_of(
    st.tuples(st.integers(1, 8), st.text(max_size=20)).map(lambda t: "#" * t[0] + " " + t[1]),
    st.tuples(st.sampled_from(["Confidence: ", "**Confidence:** ", "confidence ", "_Confidence_: "]),
              st.sampled_from(["official", "widely_reported", "inferred", "rumour", ""])).map("".join),
    st.sampled_from(["```", "~~~", "", "   ", "---"]),
    st.text(max_size=40),
)
markdown_body = st.lists(markdown_line, max_size=15).map("\n".join)


@st.composite
def front_matter_documents(draw: st.DrawFn, registry: Registry) -> bytes:
    prose_kinds = [k for k in registry.kinds if k not in ("question_bank", "mistake_catalog")] * 4 + ["question_bank"]
    head = dump(draw(metadata(registry, kinds=prose_kinds)), draw(st.sampled_from(["yaml", "json"])))
    variant = draw(st.sampled_from(["as is", "as is", "as is", "mutated", "yamlish"]))
    if variant != "as is":
        head = draw(mutated(head) if variant == "mutated" else yamlish_text)
    closing = draw(st.sampled_from(["---\n"] * 6 + ["--- \n", "", "...\n"]))
    return ("---\n" + head.rstrip("\n") + "\n" + closing + draw(markdown_body)).encode("utf-8")


def _question(registry: Registry) -> st.SearchStrategy[dict[str, Any]]:
    slug = st.from_regex(r"[a-z0-9_]{1,8}", fullmatch=True)
    qid = leaning((), st.builds(lambda c, r, s: f"q.{c}.{r}.{s}", st.sampled_from(list(registry.companies)),
                                st.sampled_from(list(registry.rounds)), slug))
    all_topics = sorted({t for ts in registry.topics.values() for t in ts})
    texts = st.lists(st.text(PRINTABLE, min_size=1, max_size=15), min_size=2, max_size=4)
    concrete = [r for r in registry.rounds if r != "all"]

    def fields(round_: str) -> dict[str, st.SearchStrategy[Any]]:
        return {
            "id": qid, "round": st.just(round_),
            "topic": leaning(registry.topics.get(round_) or all_topics),
            "difficulty": leaning(registry.difficulties), "prompt": leaning((), st.text(PRINTABLE, min_size=15, max_size=60)),
            "rubric": leaning((), texts), "hints": leaning((), st.lists(st.text(PRINTABLE, min_size=1, max_size=9),
                                                                       min_size=3, max_size=3)),
            "follow_ups": leaning((), texts), "mistake_ids": leaning((), st.lists(st.text(max_size=9), max_size=2)),
        }

    optional = {"level": leaning((), texts), "principles": leaning((), texts), "source": leaning(("original", "generated")),
                "company": yaml_values}
    extras = st.fixed_dictionaries({}, optional=optional)
    return st.tuples(st.sampled_from(concrete + ["all"]).flatmap(lambda r: mostly_complete(fields(r))), extras).map(
        lambda pair: {**pair[0], **pair[1]})


def _mistake(registry: Registry) -> st.SearchStrategy[dict[str, Any]]:
    slug = st.from_regex(r"[a-z0-9_]{1,8}", fullmatch=True)
    mid = leaning((), st.builds(lambda a, s: f"mistake.{a}.{s}", st.sampled_from(list(registry.mistake_areas)), slug))
    prose = leaning((), st.text(PRINTABLE, min_size=10, max_size=40))
    return mostly_complete({"id": mid, "title": prose, "spot": prose, "why": prose, "fix": prose, "follow_up": prose})


@st.composite
def bank_documents(draw: st.DrawFn, registry: Registry) -> bytes:
    data = draw(metadata(registry, kinds=["question_bank", "mistake_catalog"]))
    catalog = data.get("kind") == "mistake_catalog"
    entry = _mistake(registry) if catalog else _question(registry)
    entries = draw(st.lists(leaning((), entry), min_size=draw(st.sampled_from([1, 1, 1, 0])), max_size=4))
    right, wrong = ("mistakes", "questions") if catalog else ("questions", "mistakes")
    data[draw(st.sampled_from([right, right, right, right, wrong]))] = entries
    first_id = entries[0].get("id") if entries and isinstance(entries[0], dict) else None
    if catalog and isinstance(first_id, str) and first_id.count(".") == 2:
        data["area"] = draw(leaning((), st.just(first_id.split(".")[1])))  # the area its first id names, usually
    elif draw(st.booleans()):
        data["area"] = draw(leaning(registry.mistake_areas))
    text = dump(data, draw(st.sampled_from(["yaml", "json"])))
    if draw(st.sampled_from([False, False, True])):
        text = draw(mutated(text))
    return text.encode("utf-8")


@st.composite
def invalid_utf8(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    data = draw(base)
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.sampled_from(BAD_UTF8)) + data[at:]
