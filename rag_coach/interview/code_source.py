"""Where the candidate's Python is in an answer, and which of its functions the tests call. Parsing only:
nothing here runs the code (``code_check`` runs it in a sandbox)."""

from __future__ import annotations

import ast
import re
import textwrap

FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.S)
PYTHON_TAGS = {"", "python", "py", "python3", "py3"}
CODE_LINE = re.compile(r"(def |class |import |from \S+ import |@)")
# What ast.parse raises on text that is not Python, or is nested too deeply to parse ("-" * 40000 + "1").
UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


def _blocks(text: str) -> list[str] | None:
    """The Python (or untagged) fenced blocks; None when the text has no fenced block at all."""
    found = FENCE.findall(text)
    return [body for tag, body in found if tag.lower() in PYTHON_TAGS] if found else None


def _unfenced(text: str) -> str:
    """Code written without fences: from the first ``def``/``class``/import line to the first prose line,
    kept only if it parses."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if CODE_LINE.match(line)), None)
    if start is None:
        return ""
    kept: list[str] = []
    for line in lines[start:]:
        if line.strip() and not (line[0].isspace() or CODE_LINE.match(line) or line.startswith("#")):
            break
        kept.append(line)
    found = textwrap.dedent("\n".join(kept)).strip()
    return found if _parses(found) else ""  # a guess: prose that starts "class of problems" is not code


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except UNPARSABLE:
        return False
    return True


def extract_code(answer: str, code: str = "") -> str:
    """The candidate's Python: the answer's Python (or untagged) fenced blocks, else unfenced code, then the
    code box (fenced or not). Pieces that do not parse are left out when another piece parses."""
    fenced = _blocks(answer)
    pieces = fenced if fenced is not None else [] if code.strip() else [_unfenced(answer)]
    if code.strip():
        pieces = [*pieces, *(_blocks(code) or [code])]
    pieces = list(dict.fromkeys(textwrap.dedent(p).strip() for p in pieces if p.strip()))
    return "\n\n".join([p for p in pieces if _parses(p)] or pieces)


def _arity_fits(fn: ast.FunctionDef, n: int, method: bool) -> bool:
    a = fn.args
    params = [*a.posonlyargs, *a.args]
    if method and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in fn.decorator_list):
        params = params[1:]
    required = len(params) - len(a.defaults)
    no_kw_needed = all(d is not None for d in a.kw_defaults)
    return no_kw_needed and required <= n and (n <= len(params) or a.vararg is not None)


def _called(fn: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
    return names


def _pick(defs: list[ast.FunctionDef], n: int, method: bool) -> str | None:
    """The first def that takes ``n`` arguments and that no other def calls (helpers are called)."""
    fits = [f for f in defs if _arity_fits(f, n, method) and not (method and f.name.startswith("__"))]
    helpers: set[str] = set().union(*(_called(f) - {f.name} for f in defs))
    roots = [f for f in fits if f.name not in helpers] or fits
    return roots[0].name if roots else None


def choose_function(tree: ast.Module, n: int) -> tuple[str, str | None] | None:
    """``(name, class or None)``: a top-level function taking ``n`` arguments, else a method of a top-level
    class (a class named ``Solution`` first), else None."""
    funcs = [s for s in tree.body if isinstance(s, ast.FunctionDef)]
    if name := _pick(funcs, n, method=False):
        return name, None
    classes = sorted((s for s in tree.body if isinstance(s, ast.ClassDef)), key=lambda c: c.name != "Solution")
    for cls in classes:
        if name := _pick([s for s in cls.body if isinstance(s, ast.FunctionDef)], n, method=True):
            return name, cls.name
    return None
