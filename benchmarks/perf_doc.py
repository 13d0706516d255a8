"""Replace one ``## Section`` of docs/PERFORMANCE.md, keeping every other benchmark's section as it is."""

from __future__ import annotations

from pathlib import Path

PERFORMANCE_MD = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"


def write_section(title: str, body: str, document: Path = PERFORMANCE_MD) -> None:
    """Write ``## title`` + ``body`` in place of the section of that title in ``document`` (appended if it is
    new)."""
    heading = f"## {title}\n"
    section = f"{heading}\n{body.rstrip()}\n"
    text = document.read_text(encoding="utf-8") if document.exists() else "# Performance\n"
    start = text.find(heading)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + ("" if end == -1 else "\n" + text[end + 1:])
    document.write_text(text, encoding="utf-8")


def replace_section(markdown: str) -> None:
    """Like ``write_section`` for text that already starts with its ``## Title`` line."""
    heading, _, body = markdown.partition("\n")
    if not heading.startswith("## "):
        raise ValueError(f"A section starts with '## Title', not {heading!r}.")
    write_section(heading[3:], body.lstrip("\n"))
