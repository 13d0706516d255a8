"""docs/SECURITY.md prints the permission matrix; it must say exactly what ``ROLE_PERMISSIONS`` enforces."""

from __future__ import annotations

from pathlib import Path

from fidus_desktop.services.permissions import ROLE_PERMISSIONS, Role

SECURITY_MD = Path(__file__).resolve().parents[2] / "docs" / "SECURITY.md"
BEGIN, END = "<!-- permission-matrix:begin -->", "<!-- permission-matrix:end -->"


def matrix_table() -> str:
    """The Markdown table for docs/SECURITY.md, one row per permission (in feature order), one column per role."""
    header = "| Permission | " + " | ".join(role.value for role in Role) + " |"
    rule = "|---|" + "---|" * len(Role)
    rows = [
        f"| `{p}` | " + " | ".join("✓" if p in ROLE_PERMISSIONS[r] else "" for r in Role) + " |"
        for p in ROLE_PERMISSIONS.declared()
    ]
    return "\n".join([header, rule, *rows])


def test_security_doc_matrix_matches_the_code() -> None:
    text = SECURITY_MD.read_text(encoding="utf-8")
    assert BEGIN in text, f"docs/SECURITY.md lost its {BEGIN} marker"
    assert END in text, f"docs/SECURITY.md lost its {END} marker"
    documented = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert documented == matrix_table(), (
        "docs/SECURITY.md's permission matrix differs from ROLE_PERMISSIONS; replace it with:\n" + matrix_table()
    )
