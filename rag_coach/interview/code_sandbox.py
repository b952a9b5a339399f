"""The child side of ``code_check``: runs in its own ``python -I -S`` process, never in the grader's.

Reads one JSON job on stdin (``code``, ``function``, ``owner`` class or null, ``build``, ``cases`` as JSON
strings of the positional arguments, ``nonce``, ``cpu_s``, ``memory_bytes``), caps its own resources, runs
the candidate's code and writes one JSON line per test case to stdout, each prefixed with the nonce:
``{"i": 0, "got": ...}`` or ``{"i": 0, "raised": "IndexError: ...", "kind": "bug" | "env"}``; a failure
before any case is ``{"load": "..."}``. The candidate's own prints go to /dev/null. Standard library only.
"""

from __future__ import annotations

import builtins
import collections.abc
import itertools
import json
import os
import resource
import sys
import typing
from typing import Any

MAX_LINE = 200_000  # characters of one result line
MAX_ITEMS = 10_000  # a returned linked list or iterator is read up to this many items (a cycle stops here)
# Exceptions that say the harness and the code did not fit (a class the candidate assumed, a third-party
# import, arguments in another shape) rather than that the code is wrong: reported, never called wrong.
# OSError: the sandbox's own limits (file size, no network) or files the code expected.
ENVIRONMENT = (NameError, ImportError, RecursionError, MemoryError, TypeError, AttributeError, OSError, SystemExit)


class ListNode:
    def __init__(self, val: Any = 0, next: ListNode | None = None) -> None:  # noqa: A002 - LeetCode's name
        self.val = val
        self.next = next

    value = property(lambda self: self.val, lambda self, v: setattr(self, "val", v))


class TreeNode:
    def __init__(self, val: Any = 0, left: TreeNode | None = None, right: TreeNode | None = None) -> None:
        self.val = val
        self.left = left
        self.right = right

    value = property(lambda self: self.val, lambda self, v: setattr(self, "val", v))


def linked_list(values: list[Any]) -> ListNode | None:
    head = None
    for v in reversed(values):
        head = ListNode(v, head)
    return head


def tree(values: list[Any]) -> TreeNode | None:
    """LeetCode level order: ``None`` marks a missing child and has no children listed."""
    if not values or values[0] is None:
        return None
    rest = iter(values[1:])
    root = TreeNode(values[0])
    queue = [root]
    for node in queue:  # grows while it is walked
        for side in ("left", "right"):
            v = next(rest, StopIteration)
            if v is StopIteration:
                return root
            if v is not None:
                child = TreeNode(v)
                setattr(node, side, child)
                queue.append(child)
    return root


def plain(x: Any, depth: int = 0) -> Any:
    """A returned value as JSON: tuples and sets as lists, a linked list as its values."""
    if depth > 50:
        return "<nested too deep>"
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, (list, tuple)):
        return [plain(v, depth + 1) for v in x]
    if isinstance(x, (set, frozenset)):
        return sorted((plain(v, depth + 1) for v in x), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(x, dict):
        return {str(k): plain(v, depth + 1) for k, v in x.items()}
    if hasattr(x, "next") and (hasattr(x, "val") or hasattr(x, "value")):
        values = []
        while x is not None and len(values) < MAX_ITEMS:
            values.append(plain(getattr(x, "val", getattr(x, "value", None)), depth + 1))
            x = x.next
        return values
    if isinstance(x, collections.abc.Iterator):
        return [plain(v, depth + 1) for v in itertools.islice(x, MAX_ITEMS)]
    return f"<{type(x).__name__} object>"


def kind(exc: BaseException) -> str:
    """``bug`` when the exception shows the code is wrong (an index past the end, a missing key, None used
    as a node), ``env`` when the code and the harness may just not fit (see ENVIRONMENT)."""
    if not isinstance(exc, Exception):
        return "env"
    if isinstance(exc, UnboundLocalError) or "NoneType" in str(exc):
        return "bug"
    return "env" if isinstance(exc, ENVIRONMENT) else "bug"


def cap(limit: int, value: int) -> None:
    try:
        hard = resource.getrlimit(limit)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))
    except (ValueError, OSError):
        pass


def main() -> None:
    job = json.loads(sys.stdin.read())
    cap(resource.RLIMIT_CPU, int(job["cpu_s"]))
    cap(resource.RLIMIT_AS, int(job["memory_bytes"]))
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_FSIZE, 1 << 20)
    out = sys.stdout
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process

    def emit(**row: Any) -> None:
        try:
            line = json.dumps(row)
        except (TypeError, ValueError, RecursionError):
            line = json.dumps({**row, "got": "<unreadable result>"})
        if len(line) > MAX_LINE:
            line = json.dumps({**row, "got": "<result too large to compare>"})
        out.write(job["nonce"] + line + "\n")
        out.flush()

    build = job["build"]
    names = {n: getattr(typing, n) for n in ("Any", "Dict", "List", "Optional", "Set", "Tuple", "Deque")}
    node = {"tree": TreeNode, "linked_list": ListNode}.get(build)
    ns: dict[str, Any] = {"__name__": "candidate", "__builtins__": builtins, "ListNode": ListNode,
                          "TreeNode": TreeNode, **names, **({"Node": node} if node else {})}
    try:
        exec(compile(job["code"], "<answer>", "exec"), ns)  # noqa: S102 - this process is the sandbox
    except BaseException as exc:  # noqa: BLE001 - anything the code does at load is reported
        emit(load=f"{type(exc).__name__}: {exc}")
        return
    owner = job["owner"]
    for i, case in enumerate(job["cases"]):
        args = json.loads(case)  # fresh inputs for every case: the code may mutate them
        if build == "tree":
            args[0] = tree(args[0])
        elif build == "linked_list":
            args[0] = linked_list(args[0])
        try:
            fn = getattr(ns[owner](), job["function"]) if owner else ns[job["function"]]
            got = fn(*args)
            emit(i=i, got=[] if got is None and build == "linked_list" else plain(got))
        except BaseException as exc:  # noqa: BLE001 - the candidate's exception is the result
            emit(i=i, raised=f"{type(exc).__name__}: {exc}"[:300], kind=kind(exc))


if __name__ == "__main__":
    main()
