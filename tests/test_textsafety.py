"""Hostile text: control characters, length limits, and Markdown that renders literally."""

from __future__ import annotations

from rag_coach.textsafety import clean_input, md_text, md_tree, strip_control

PAYLOADS = ["<script>window.__pwned=1</script>", "<img src=x onerror=\"window.__pwned=2\">",
            "[click me](javascript:window.__pwned=3)", "![tracker](http://example.com/t.png)", "<http://example.com>"]


def test_control_characters_go_newlines_and_tabs_stay() -> None:
    text = "a\x00b\x07c\x1b[2Jd\x7fe\x85f\u202eg\u2066h\ufeffi\ud800j\r\nk\rl\tm\n"
    assert strip_control(text) == "abc[2Jdefghij\nk\nl\tm\n"
    assert strip_control("naïve — 日本語 🙂 ∑") == "naïve — 日本語 🙂 ∑"


def test_long_input_is_cut_with_a_notice() -> None:
    short = clean_input("hello\x00 world", 50)
    assert (short.text, short.truncated, short.notice()) == ("hello world", False, None)
    long = clean_input("x" * 5000 + "\x01", 4000)
    assert long.text == "x" * 4000 and long.truncated and long.original_chars == 5000
    assert long.notice("answer") == ("Your answer was 5,000 characters long; only the first 4,000 were used. "
                                     "Shorten it or split it into several parts.")
    assert clean_input(None, 10).text == ""


def test_markup_is_escaped_and_links_defused() -> None:
    for payload in PAYLOADS:
        out = md_text(f"before {payload} after")
        assert "<" not in out and "[" not in out and "]" not in out, out
    assert md_text("<b>&amp;</b> [1]") == "&lt;b&gt;&amp;amp;&lt;/b&gt; &#91;1&#93;"


def test_code_is_left_for_the_renderer_to_show_literally() -> None:
    assert md_text("use `a < b` here") == "use `a < b` here"
    fenced = "Try:\n```python\nif a < b and c > d:\n    pass\n```\nthen <b>"
    assert md_text(fenced) == "Try:\n```python\nif a < b and c > d:\n    pass\n```\nthen &lt;b&gt;"
    assert md_text("**bold**, _em_, - item") == "**bold**, _em_, - item"


def test_no_way_around_the_escaping() -> None:
    # constructs where a naive code detector would pass markup through that the renderer shows as HTML
    tricky = [
        "\\`<img src=x onerror=1>`",  # escaped backtick: not a code span
        "`a\n\n<img src=x onerror=1>\n\n`",  # a span cannot cross paragraphs
        "| `a | <img src=x onerror=1> | b` |",  # table cells split before code spans
        "```\nx\n```~\n<img src=x onerror=1>",  # marked closes a fence on ```~
        "```\nx\n````\n<img src=x onerror=1>",  # a longer closing fence
        "```<img src=x onerror=1>\ncode\n```",  # the info string
    ]
    for text in tricky:
        out = md_text(text)
        assert "<img" not in out, (text, out)


def test_tree_escapes_values_not_keys() -> None:
    tree = {"strengths": ["<b>x</b>"], "score": 3, "mistake_id": None, "dims": {"a_b": {"evidence": "[x](y)"}}}
    assert md_tree(tree) == {"strengths": ["&lt;b&gt;x&lt;/b&gt;"], "score": 3, "mistake_id": None,
                             "dims": {"a_b": {"evidence": "&#91;x&#93;(y)"}}}
