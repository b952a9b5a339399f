"""Does the candidate's Python pass the question's example tests? Decided by running it, not by a model.

The code (found by ``code_source``) runs in a separate ``python -I -S`` process (``code_sandbox``) with
CPU, memory, core-file and file-size limits, a wall timeout, an empty environment and a temporary working
folder; it talks JSON over stdin/stdout and only the standard library can be imported. Nothing the code
does can raise here.

Statuses: ``passed`` (every test returned the expected value), ``failed`` (the code ran and at least one
test returned a wrong value or raised an exception that shows a bug: IndexError, KeyError, None used as a
node, ...), ``error`` (the code could not be checked: it does not parse, no function takes the tests'
arguments, it timed out, or it raised an exception that may only mean it and the harness do not fit:
NameError, ImportError, TypeError, AttributeError, OSError, RecursionError, MemoryError), ``no_code``
(no Python in the answer), ``no_tests`` (the question has none), ``skipped`` (no sandbox on this
platform). Only ``failed`` says the code is wrong.

A failing test carries its ``mistake_id`` and ``note`` (``CodeTest``) into its ``CaseFailure``;
``CodeRun.mistake_ids()`` lists the catalog mistakes the failing tests catch.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rag_coach.documents.models import CodeTest, Question
from rag_coach.interview.code_source import FENCE, PYTHON_TAGS, UNPARSABLE, choose_function, extract_code

log = logging.getLogger(__name__)

Status = Literal["passed", "failed", "error", "no_code", "no_tests", "skipped"]
SANDBOX = Path(__file__).with_name("code_sandbox.py")
MEMORY_BYTES = 512 * 1024 * 1024
MAX_CODE_CHARS = 50_000


@dataclass(frozen=True)
class CaseFailure:
    """One test the code got wrong; every field is already shortened for display."""

    args: str  # the arguments as passed, e.g. "[12, 7, 30, 18], 25"
    expected: str
    got: str | None  # the returned value; None when the call raised
    error: str | None  # "IndexError: list index out of range" when the call raised
    mistake_id: str | None = None  # the catalog mistake the case catches (CodeTest.mistake_id)
    note: str | None = None  # what the case tests, "two items with the same price" (CodeTest.note)


@dataclass(frozen=True)
class CodeRun:
    status: Status
    passed: int = 0
    total: int = 0
    failures: tuple[CaseFailure, ...] = ()
    function: str = ""  # what was called: "gift_card_pair" or "Solution.twoSum"
    reason: str = ""  # why, for error / no_code / no_tests / skipped

    def mistake_ids(self) -> list[str]:
        """The catalog mistakes the failing tests catch, in test order, each once."""
        return list(dict.fromkeys(f.mistake_id for f in self.failures if f.mistake_id))

    def summary(self) -> str:
        """One sentence for the candidate."""
        if self.status == "passed":
            return f"Your code passed all {self.total} example tests for {self.function}."
        if self.status == "failed":
            f = self.failures[0]
            did = f"returned {f.got}" if f.error is None else f"raised {f.error}"
            note = f" ({f.note})" if f.note else ""  # a few words: CodeTest caps it at NOTE_MAX_CHARS
            more = f" {len(self.failures)} of {self.total} tests failed." if len(self.failures) > 1 else ""
            return f"Your code {did} for {self.function}({f.args}){note}; expected {f.expected}.{more}"
        if self.status == "error":
            return f"Your code could not be checked on the example tests: {self.reason}."
        return self.reason[:1].upper() + self.reason[1:] + "."


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _canon(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return [_canon(x) for x in v] if isinstance(v, list) else v


def matches(test: CodeTest, got: Any) -> bool:
    expected: Any = test.expected
    if expected == [] and got is None:  # "an empty result" written as None
        return True
    if test.compare == "exact":
        return bool(got == expected)
    if not isinstance(got, list):
        return False
    keys = [json.dumps(_canon(x), sort_keys=True) for x in got], [json.dumps(_canon(x), sort_keys=True) for x in expected]
    return Counter(keys[0]) == Counter(keys[1]) if test.compare == "unordered" else set(keys[0]) == set(keys[1])


def _show(value: Any, build: str | None) -> str:
    """A value as the candidate would write it; a linked list (argument or result) as ``9 -> 7 -> 1``."""
    if build == "linked_list" and isinstance(value, list):
        return _short(" -> ".join(map(repr, value))) if value else "an empty list"
    return _short(repr(value))


def _args(test: CodeTest) -> str:
    first = ("tree " if test.build == "tree" else "") + _show(test.args[0], test.build) if test.args else ""
    shown = [first, *map(repr, test.args[1:])] if test.args else []
    return _short(", ".join(shown), 120)


def _sandbox(job: dict[str, Any], timeout_s: float) -> tuple[list[dict[str, Any]], str]:
    """The rows the sandbox wrote, and what went wrong around them ("" when it finished normally)."""
    with tempfile.TemporaryDirectory(prefix="rag_coach_code_") as tmp:
        proc = subprocess.Popen([sys.executable, "-I", "-S", str(SANDBOX)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp, env={"LC_ALL": "C.UTF-8"},
                                start_new_session=True)
        problem = ""
        try:
            out, err = proc.communicate(json.dumps(job).encode(), timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            problem = f"it did not finish within {timeout_s:g} s"
    if not problem and proc.returncode:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        if proc.returncode == -signal.SIGXCPU:
            problem = "it ran out of CPU time"
        elif proc.returncode < 0:
            problem = f"the sandbox was stopped by {signal.Signals(-proc.returncode).name}"
        else:
            problem = f"the sandbox stopped ({_short(tail[0])})"
    rows = []
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith(job["nonce"]):
            try:
                rows.append(json.loads(line[len(job["nonce"]):]))
            except json.JSONDecodeError:
                problem = problem or "the sandbox wrote an unreadable line"
    return rows, problem


def _judge(tests: list[CodeTest], rows: list[dict[str, Any]], problem: str, function: str) -> CodeRun:
    """The status from the sandbox's rows: any wrong value or bug exception fails; else anything that kept a
    test from giving a value (load error, unfit exception, timeout) is an error."""
    load = next((str(r["load"]) for r in rows if "load" in r), None)
    results = {r["i"]: r for r in rows if isinstance(r.get("i"), int)}
    failures: list[CaseFailure] = []
    unfit: list[str] = []
    passed = 0
    for i, test in enumerate(tests):
        row, args, expected = results.get(i), _args(test), _show(test.expected, test.build)
        if row is None:  # not reached: the run stopped here
            problem = problem and f"{problem} (on {function}({args}))"
            break
        if "raised" not in row and matches(test, row.get("got")):
            passed += 1
        elif "raised" not in row:
            failures.append(CaseFailure(args, expected, _show(row.get("got"), test.build), None, test.mistake_id, test.note))
        elif row.get("kind") == "bug":
            failures.append(CaseFailure(args, expected, None, _short(str(row["raised"])), test.mistake_id, test.note))
        else:
            unfit.append(f"{function}({args}) raised {_short(str(row['raised']))}")
    total = len(tests)
    if failures:
        return CodeRun("failed", passed, total, tuple(failures), function)
    if load is not None:
        return CodeRun("error", 0, total, (), function, f"running it raised {_short(load)}")
    if unfit or passed < total:  # a problem after every test answered (a forked child lingering) is moot
        return CodeRun("error", passed, total, (), function, unfit[0] if unfit else problem or "the sandbox gave no result")
    return CodeRun("passed", passed, total, (), function)


def run_for_grading(question: Question, answer: str, code: str = "", timeout_s: float = 3.0) -> CodeRun | None:
    """:func:`run_tests` where grading runs code (a coding question with example tests); None elsewhere."""
    if question.round != "coding" or not question.tests:
        return None
    return run_tests(question, answer, code, timeout_s=timeout_s)


def run_tests(question: Question, answer: str, code: str = "", timeout_s: float = 3.0) -> CodeRun:
    """Run the candidate's code on ``question.tests``; never raises."""
    tests, total = list(question.tests), len(question.tests)
    if not tests:
        return CodeRun("no_tests", reason="this question has no example tests")
    if importlib.util.find_spec("resource") is None or not sys.executable:
        return CodeRun("skipped", total=total, reason="code is only run where the sandbox can limit resources (POSIX)")
    source = extract_code(answer, code)
    if not source:
        others = sorted({tag.lower() for tag, _ in FENCE.findall(answer + "\n" + code)} - PYTHON_TAGS)
        also = f" (only {', '.join(others)} code, which is not run)" if others else ""
        return CodeRun("no_code", total=total, reason=f"no Python code found in the answer{also}")
    if len(source) > MAX_CODE_CHARS:
        return CodeRun("error", total=total, reason=f"the code is longer than {MAX_CODE_CHARS} characters")
    try:
        tree = ast.parse(source)
    except UNPARSABLE as exc:
        where = f" (line {exc.lineno}: {exc.msg})" if isinstance(exc, SyntaxError) else ""
        return CodeRun("error", total=total, reason=f"it does not parse as Python{where}")
    n = len(tests[0].args)
    chosen = choose_function(tree, n)
    if chosen is None:
        return CodeRun("error", total=total, reason=f"no function takes {n} argument{'s' * (n != 1)}")
    name, owner = chosen
    function = f"{owner}.{name}" if owner else name
    job = {"code": source, "function": name, "owner": owner, "build": tests[0].build, "nonce": secrets.token_hex(8),
           "cases": [json.dumps(t.args) for t in tests], "cpu_s": int(timeout_s) + 1, "memory_bytes": MEMORY_BYTES}
    try:
        rows, problem = _sandbox(job, timeout_s)
    except OSError as exc:
        log.warning("code check: the sandbox did not start: %s", exc)
        return CodeRun("error", total=total, function=function, reason=f"the sandbox did not start ({exc})")
    run = _judge(tests, rows, problem, function)
    log.info("code check %s: %s %d/%d via %s", question.id, run.status, run.passed, total, function)
    return run


__all__ = ["CaseFailure", "CodeRun", "Status", "extract_code", "matches", "run_tests"]
