"""PDF text extraction (pypdf) into sections: headings are lines followed by a 'Confidence:' line, else pages."""

from __future__ import annotations

import io
from pathlib import Path

from rag_coach.documents.markdown import confidence_label, slugify
from rag_coach.documents.models import DocumentError, Section


def extract_pages(data: bytes, path: Path | str) -> list[str]:
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(path, "PDF is encrypted; save an unencrypted copy and re-run ingest")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(path, f"PDF cannot be read ({type(exc).__name__}: {exc}); replace the file") from exc
    except Exception as exc:  # pypdf raises many types on corrupt input
        raise DocumentError(path, f"PDF cannot be read ({type(exc).__name__}); replace the file") from exc
    if not any(p.strip() for p in pages):
        raise DocumentError(path, "PDF has no extractable text (scanned images?); add a text version instead")
    return pages


def pdf_sections(
    pages: list[str], doc_id: str, title: str, valid_confidence: dict[str, str] | tuple[str, ...]
) -> list[Section]:
    lines: list[tuple[int, str]] = [
        (number, line.rstrip()) for number, text in enumerate(pages, start=1) for line in text.splitlines()
    ]
    labels = [confidence_label(line) for _, line in lines]
    heading_at = {
        i - 1 for i in range(1, len(lines)) if labels[i] is not None and labels[i] in valid_confidence and lines[i - 1][1].strip()
    }
    sections: list[Section] = []
    if not heading_at:
        for number, text in enumerate(pages, start=1):
            if text.strip():
                sections.append(
                    Section(f"{doc_id}#page-{number}", (title, f"Page {number}"), text.strip(), page=number)
                )
        return sections
    current: tuple[str, str | None, int] | None = None
    buffer: list[str] = []
    seen: dict[str, int] = {}
    used: set[str] = set()

    def flush() -> None:
        text = "\n".join(buffer).strip()
        buffer.clear()
        if not text:
            return
        heading, confidence, page = current if current else ("Introduction", None, 1)
        base = f"{doc_id}#{slugify(heading)}"
        seen[base] = seen.get(base, 0) + 1
        sid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        while sid in used:  # e.g. headings 'A', 'A' and 'A 2'
            seen[base] += 1
            sid = f"{base}-{seen[base]}"
        used.add(sid)
        sections.append(Section(sid, (title, heading), text, confidence, page=page))

    skip_next = False
    for i, (page, line) in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        if i in heading_at:
            flush()
            current = (line.strip(), labels[i + 1], page)
            skip_next = True
            continue
        if line.strip() == title.strip() and not sections and not buffer:
            continue
        buffer.append(line)
    flush()
    return sections
