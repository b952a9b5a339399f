"""The corpus registry (``corpus/registry.yaml``): the only source of valid companies, rounds, kinds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rag_coach.documents.models import DIFFICULTIES
from rag_coach.documents.yamlio import YamlProblem, parse_yaml

REGISTRY_FILE = "registry.yaml"


class RegistryError(ValueError):
    """The registry file is missing or malformed."""


@dataclass(frozen=True)
class Registry:
    companies: dict[str, str]
    rounds: dict[str, str]
    kinds: dict[str, str]
    confidence: dict[str, str]
    difficulties: tuple[str, ...]
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mistake_areas: tuple[str, ...] = ()

    def company_name(self, slug: str) -> str:
        return self.companies.get(slug, slug)

    def round_name(self, slug: str) -> str:
        return self.rounds.get(slug, slug)


def load_registry(corpus_dir: Path) -> Registry:
    path = Path(corpus_dir) / REGISTRY_FILE
    if not path.is_file():
        raise RegistryError(
            f"{path}: registry file not found; every corpus needs a {REGISTRY_FILE} listing companies, rounds and kinds "
            "(see corpus/README.md)"
        )
    try:
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
    except (YamlProblem, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: must be a YAML mapping with companies, rounds and kinds")
    for key in ("companies", "rounds", "kinds"):
        if not isinstance(data.get(key), dict) or not data[key]:
            raise RegistryError(f"{path}: field '{key}' must be a non-empty mapping of slug: display name")
    if "general" not in data["companies"]:
        raise RegistryError(f"{path}: 'companies' must include 'general'")
    if "all" not in data["rounds"]:
        raise RegistryError(f"{path}: 'rounds' must include 'all'")
    for key in ("topics", "confidence"):
        if not isinstance(data.get(key) or {}, dict):
            raise RegistryError(f"{path}: field '{key}' must be a mapping")
    topics = {str(k): tuple(v or ()) for k, v in (data.get("topics") or {}).items()}
    return Registry(
        companies={str(k): str(v) for k, v in data["companies"].items()},
        rounds={str(k): str(v) for k, v in data["rounds"].items()},
        kinds={str(k): str(v) for k, v in data["kinds"].items()},
        confidence={str(k): str(v) for k, v in (data.get("confidence") or {}).items()},
        difficulties=tuple(data.get("difficulties") or DIFFICULTIES),
        topics=topics,
        mistake_areas=tuple(data.get("mistake_areas") or ()),
    )
