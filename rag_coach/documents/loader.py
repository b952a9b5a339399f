"""Find corpus files, fingerprint them, and load each into a validated :class:`Document`.

Every problem with one file becomes a :class:`DocumentError` for that file alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rag_coach.documents.banks import parse_mistakes, parse_questions
from rag_coach.documents.markdown import parse_sections, split_front_matter
from rag_coach.documents.metadata import validate_metadata
from rag_coach.documents.models import Document, DocumentError
from rag_coach.documents.pdf import extract_pages, pdf_sections
from rag_coach.documents.registry import REGISTRY_FILE, Registry
from rag_coach.documents.yamlio import YamlProblem, parse_yaml

DOCUMENT_SUFFIXES = {".md", ".markdown", ".yaml", ".yml", ".pdf", ".txt"}
SIDECAR_SUFFIX = ".meta.yaml"
YAML_SUFFIXES = (".yaml", ".yml")
YAML_KINDS = ("question_bank", "mistake_catalog")  # only these are YAML; only they hold questions or mistakes


@dataclass(frozen=True)
class SourceFile:
    """One corpus document on disk, with its sidecar if it has one."""

    path: Path  # absolute
    rel: str  # posix path relative to the corpus folder: the manifest key
    sidecar: Path | None

    @property
    def doc_id(self) -> str:
        return self.rel.rsplit(".", 1)[0]

    def fingerprint(self) -> str:
        """Content hash of the file and its sidecar; mtime and other stat data play no part."""
        digest = hashlib.sha256()
        for part in (self.path, self.sidecar):
            if part is None:
                continue
            digest.update(part.name.encode())
            with part.open("rb") as fh:
                hashlib.file_digest(fh, lambda: digest)  # feeds the file into the running digest
        return digest.hexdigest()


def sidecar_for(path: Path) -> Path:
    return path.with_name(path.name[: -len(path.suffix)] + SIDECAR_SUFFIX)


def _ignored(rel: Path) -> bool:
    return any(part.startswith((".", "_")) for part in rel.parts) or rel.name.lower() == "readme.md"


def discover(corpus_dir: Path) -> tuple[list[SourceFile], list[DocumentError]]:
    """All ingestible files (sorted) plus errors for files that can never be ingested (orphans, unknown types)."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus_dir} does not exist; pass --corpus DIR or set RAG_COACH_CORPUS_DIR")
    files: list[SourceFile] = []
    problems: list[DocumentError] = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(corpus_dir)
        if _ignored(rel) or rel.as_posix() == REGISTRY_FILE:
            continue
        if path.name.endswith(SIDECAR_SUFFIX):
            stem = path.name[: -len(SIDECAR_SUFFIX)]
            if not any(path.with_name(stem + s).exists() for s in (".pdf", ".txt")):
                problems.append(DocumentError(rel.as_posix(), "sidecar without a matching .pdf or .txt document"))
            continue
        suffix = path.suffix.lower()
        if suffix not in DOCUMENT_SUFFIXES:
            problems.append(
                DocumentError(rel.as_posix(), f"unsupported file type '{suffix or path.name}'; use .md, .yaml, .pdf or .txt")
            )
            continue
        sidecar = sidecar_for(path) if suffix in (".pdf", ".txt") else None
        files.append(SourceFile(path, rel.as_posix(), sidecar if sidecar and sidecar.exists() else None))
    return files, problems


def _read_text(data: bytes, rel: str) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentError(rel, "binary data in a text document; remove the file or replace it with UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            rel, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save the file as UTF-8"
        ) from None
    if not text.strip():
        raise DocumentError(rel, "file is empty; add content or delete it")
    return text


def _load_sidecar(source: SourceFile) -> dict:
    if source.sidecar is None:
        raise DocumentError(
            source.rel, f"needs a sidecar metadata file {Path(source.rel).name.rsplit('.', 1)[0]}{SIDECAR_SUFFIX}"
        )
    sidecar_rel = Path(source.rel).with_name(source.sidecar.name).as_posix()
    try:
        raw = parse_yaml(_read_text(source.sidecar.read_bytes(), sidecar_rel))
    except YamlProblem as exc:
        raise DocumentError(sidecar_rel, f"sidecar is not valid YAML: {exc}") from None
    return raw if isinstance(raw, dict) else {}


def load_document(source: SourceFile, registry: Registry, max_bytes: int) -> Document:
    """Load and validate one file. Raises :class:`DocumentError` with the file, field and fix."""
    doc = _load_document(source, registry, max_bytes)
    if doc.meta.kind in YAML_KINDS and source.path.suffix.lower() not in YAML_SUFFIXES:
        raise DocumentError(
            source.rel, f"a {doc.meta.kind} must be a YAML file (see corpus/README.md); prose needs a guide kind", "kind"
        )
    if not doc.sections:
        raise DocumentError(source.rel, "no content found; add text after the metadata or delete the file")
    return doc


def _load_document(source: SourceFile, registry: Registry, max_bytes: int) -> Document:
    rel = source.rel
    size = source.path.stat().st_size
    if size > max_bytes:
        raise DocumentError(rel, f"file is {size} bytes, over the {max_bytes}-byte limit (max_file_bytes); split it")
    if size == 0:
        raise DocumentError(rel, "file is empty; add content or delete it")
    data = source.path.read_bytes()
    suffix = source.path.suffix.lower()
    doc_id = source.doc_id
    if suffix == ".pdf":
        raw = _load_sidecar(source)
        meta = validate_metadata(raw, rel, registry)
        pages = extract_pages(data, rel)
        return Document(doc_id, Path(rel), meta, pdf_sections(pages, doc_id, meta.title, registry.confidence or ()))
    text = _read_text(data, rel)
    if suffix in (".md", ".markdown"):
        raw, body = split_front_matter(text, rel)
        meta = validate_metadata(raw, rel, registry)
        return Document(doc_id, Path(rel), meta, parse_sections(body, doc_id, meta.title, registry.confidence or (), rel))
    if suffix == ".txt":
        meta = validate_metadata(_load_sidecar(source), rel, registry)
        return Document(doc_id, Path(rel), meta, parse_sections(text, doc_id, meta.title, registry.confidence or (), rel))
    try:
        raw = parse_yaml(text)
    except YamlProblem as exc:
        raise DocumentError(rel, f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise DocumentError(rel, "a YAML document must be a mapping with metadata and a questions or mistakes list")
    meta = validate_metadata(raw, rel, registry)
    doc = Document(doc_id, Path(rel), meta)
    if meta.kind == "question_bank":
        doc.questions, doc.sections = parse_questions(raw, meta, doc_id, rel, registry)
    elif meta.kind == "mistake_catalog":
        doc.mistakes, doc.sections = parse_mistakes(raw, meta, rel, registry)
    else:
        raise DocumentError(rel, "YAML documents must be a question_bank or mistake_catalog; write guides in Markdown", "kind")
    return doc


def load_corpus(corpus_dir: Path, registry: Registry, max_bytes: int) -> tuple[list[Document], list[DocumentError]]:
    """Load every file; return the good documents and one error per bad file (none stops the others)."""
    sources, problems = discover(corpus_dir)
    docs: list[Document] = []
    for source in sources:
        try:
            docs.append(load_document(source, registry, max_bytes))
        except DocumentError as exc:
            problems.append(exc)
    return docs, problems


def cross_check(docs: list[Document]) -> list[DocumentError]:
    """Corpus-wide checks: unique question/mistake ids, and every linked mistake id (a question's ``mistake_ids``, its
    tests' ``mistake_id``) exists."""
    problems: list[DocumentError] = []
    mistakes: dict[str, str] = {}
    questions: dict[str, str] = {}
    for doc in docs:
        for m in doc.mistakes:
            if m.id in mistakes:
                problems.append(DocumentError(doc.path, f"mistake id {m.id} also defined in {mistakes[m.id]}", "mistakes.id"))
            mistakes.setdefault(m.id, str(doc.path))
        for q in doc.questions:
            if q.id in questions:
                problems.append(DocumentError(doc.path, f"question id {q.id} also defined in {questions[q.id]}", "questions.id"))
            questions.setdefault(q.id, str(doc.path))
    for doc in docs:
        for q in doc.questions:
            for mid in q.mistake_ids:
                if mid not in mistakes:
                    problems.append(
                        DocumentError(doc.path, f"question {q.id} links mistake id '{mid}', which no catalog defines", "mistake_ids")
                    )
            for n, test in enumerate(q.tests):
                if test.mistake_id is not None and test.mistake_id not in mistakes:
                    problems.append(DocumentError(
                        doc.path, f"question {q.id}: the test names mistake id '{test.mistake_id}', which no catalog "
                        "defines; use an id from mistakes/*.yaml or leave mistake_id out", f"questions.tests.{n}.mistake_id"))
    return problems
