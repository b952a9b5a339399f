"""YAML parsing for corpus files: every parser failure becomes one readable line, never a stray exception.

PyYAML's safe loader raises more than :class:`yaml.YAMLError` on hostile input: ``ValueError`` for a
date such as ``2026-13-45``, ``KeyError`` for ``!!bool maybe``, ``RecursionError`` for deeply nested
brackets. Aliases (``*name``) are refused: corpus files do not need them, and a few nested aliases
("billion laughs") expand into billions of values as soon as a value is turned into text.
"""

from __future__ import annotations

from typing import Any

import yaml


class YamlProblem(ValueError):
    """Text that is not usable YAML; ``str()`` is one line saying what and where."""


class _NoAliasSafeLoader(yaml.SafeLoader):
    """:class:`yaml.SafeLoader` that rejects aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not supported in corpus files; write the value out in full",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _describe(exc: yaml.YAMLError, first_line: int) -> str:
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if problem:
        where = f" (line {mark.line + first_line}, column {mark.column + 1})" if mark is not None else ""
        return f"{problem}{where}"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def parse_yaml(text: str, first_line: int = 1) -> Any:
    """Parse ``text`` with the safe loader (aliases refused). ``first_line`` numbers the text's first line
    in its file, for messages. Raises :class:`YamlProblem` for anything that is not usable YAML."""
    try:
        return yaml.load(text, Loader=_NoAliasSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise YamlProblem(_describe(exc, first_line)) from None
    except RecursionError:
        raise YamlProblem("nested too deeply; flatten the lists and mappings") from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError) as exc:
        detail = str(exc).strip() or type(exc).__name__
        raise YamlProblem(
            f"a value cannot be read ({detail}); check dates (YYYY-MM-DD), numbers and explicit !!tags"
        ) from None
