"""A stated time complexity checked against a lower bound read from the candidate's own code.

The catalog's ``wrong_complexity_claim``: "claims O(n) while calling ``sort`` ...". The check is
one-sided on purpose: it only reports a claim *below* what the code must cost, from two facts
:mod:`ast` can see for certain —

* a sort of an input (``sorted(xs)``, ``xs.sort()``): at least O(n log n);
* a full pass over an input (``for x in xs``, ``range(len(xs))``, ``Counter(xs)``, ``set(xs)``,
  ``sum(xs)`` …): at least O(n).

An input is a function parameter or a name assigned from an expression that uses one. ``while``
loops, recursion and nested loops are not bounded (they may halve, or walk a tree path). The claim
is the largest O(...) the prose gives for time (a clause about space or memory is not a time
claim); an answer that mentions its brute force O(n^2) is therefore never flagged.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from rag_coach.interview.answer_text import sentences

BIG_O = re.compile(r"\bO\(\s*((?:[^()]|\([^()]*\))+?)\s*\)")
SPACE_WORDS = re.compile(r"\b(space|memory|extra|stack|storage|auxiliary)\b", re.I)
TIME_WORDS = re.compile(r"\b(time|overall|total|runs?|runtime|algorithm|linear|operations?|solution|whole)\b", re.I)
CLAUSE = re.compile(r"[,;:]|\band\b|\bwith\b|\bwhile\b|\bplus\b", re.I)
FULL_PASS = {"Counter", "set", "frozenset", "sum", "max", "min", "list", "tuple", "dict", "enumerate", "reversed", "any", "all",
             "zip", "sorted", "heapify"}
RANK_NAMES = {0: "O(1)", 1: "sub-linear", 2: "O(n)", 3: "O(n log n)", 4: "O(n^2)"}


@dataclass(frozen=True)
class Contradiction:
    claim: str  # e.g. "O(log n)"
    claim_sentence: str
    bound: str  # e.g. "O(n)"
    reason: str


def rank(expression: str) -> int:
    """Order of an O(...) expression: 0 constant, 1 sub-linear (log, k, h), 2 linear or unknown, 3 n log, 4 n^2+."""
    e = expression.lower().replace(" ", "").replace("*", "").replace("·", "")
    outside = re.sub(r"log[_0-9]*\(?[a-z0-9+]*\)?", "", e)  # the expression without its log terms
    has_n = bool(re.search(r"[a-bd-gi-jl-z]", outside))  # a size other than k (top-k) or h (tree height)
    if has_n and re.search(r"\^[2-9]|²|³|n{2}|2\^|!", e):
        return 4
    if has_n and "log" in e:
        return 3
    if has_n:
        return 2
    if e in {"1", "c"}:
        return 0
    return 1  # log n, log k, k, k log k, h


def time_claims(prose: str) -> list[tuple[int, str, str]]:
    """(rank, "O(...)", sentence) for every O(...) the prose gives for time."""
    out = []
    for sentence in sentences(prose):
        for clause in CLAUSE.split(sentence):
            for m in BIG_O.finditer(clause or ""):
                if SPACE_WORDS.search(clause) and not TIME_WORDS.search(clause):
                    continue
                out.append((rank(m.group(1)), m.group(0), sentence))
    return out


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _input_of(node: ast.AST, inputs: set[str]) -> str | None:
    """The input a loop or call covers in full, if any: ``xs``, ``range(len(xs))``, ``xs.items()``, ``enumerate(xs)``."""
    if isinstance(node, ast.Name) and node.id in inputs:
        return node.id
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "range" and node.args:
            inner = node.args[-1] if len(node.args) > 1 else node.args[0]
            lens = [n for n in ast.walk(inner) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len"]
            return next((_input_of(c.args[0], inputs) for c in lens if c.args and _input_of(c.args[0], inputs)), None)
        if isinstance(func, ast.Name) and func.id in FULL_PASS and node.args:
            return _input_of(node.args[0], inputs)
        if isinstance(func, ast.Attribute) and func.attr in {"items", "keys", "values"}:
            return _input_of(func.value, inputs)
    return None


def code_bound(code: str) -> tuple[int, str] | None:
    """(rank, what the code does) for the costliest certain operation on an input, or None."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    best: tuple[int, str] | None = None
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
        inputs = {a.arg for a in fn.args.args if a.arg != "self"}
        for node in ast.walk(fn):  # names assigned from an input are inputs too (one step, in order)
            if isinstance(node, ast.Assign) and _names(node.value) & inputs:
                inputs |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(fn):
            found: tuple[int, str] | None = None
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id == "sorted" and node.args and (src := _input_of(node.args[0], inputs)):
                    found = (3, f"sorts {src}")
                elif isinstance(func, ast.Attribute) and func.attr == "sort" and (src := _input_of(func.value, inputs)):
                    found = (3, f"sorts {src}")
                elif (src := _input_of(node, inputs)) and not (isinstance(func, ast.Name) and func.id == "range"):
                    found = (2, f"passes over all of {src}")
            elif isinstance(node, ast.For | ast.comprehension) and (src := _input_of(node.iter, inputs)):
                found = (2, f"loops over all of {src}")
            if found and (best is None or found[0] > best[0]):
                best = found
    return best


def contradiction(prose: str, code: str) -> Contradiction | None:
    """The answer's largest time claim, when it is below the code's certain lower bound."""
    claims = time_claims(prose)
    bound = code_bound(code) if code.strip() else None
    if not claims or bound is None:
        return None
    top = max(claims, key=lambda c: c[0])
    if top[0] >= bound[0]:
        return None
    return Contradiction(top[1], top[2], RANK_NAMES[bound[0]],
                         f"You state {top[1]} time, but your code {bound[1]}, which alone takes {RANK_NAMES[bound[0]]}.")
