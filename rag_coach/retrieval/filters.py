"""Company/round/kind filters. A company filter admits that company and `general` — never another company."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag_coach.index.chunking import Chunk


@dataclass(frozen=True)
class Filters:
    company: str | None = None
    round: str | None = None
    kind: str | None = None

    def companies(self) -> list[str] | None:
        if not self.company:
            return None
        return sorted({self.company, "general"})

    def rounds(self) -> list[str] | None:
        if not self.round or self.round == "all":
            return None
        return sorted({self.round, "all"})

    def admits(self, chunk: Chunk) -> bool:
        companies, rounds = self.companies(), self.rounds()
        return (
            (companies is None or chunk.company in companies)
            and (rounds is None or chunk.round in rounds)
            and (not self.kind or chunk.kind == self.kind)
        )

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if (companies := self.companies()) is not None:
            clauses.append({"company": {"$in": companies}})
        if (rounds := self.rounds()) is not None:
            clauses.append({"round": {"$in": rounds}})
        if self.kind:
            clauses.append({"kind": self.kind})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}
