"""What every page of versioned compliance policy (checklists, the risk model) shows about a saved version."""

from __future__ import annotations

from typing import Any

from fidus_desktop.ui.common.lazy_table import Column


def saved_columns() -> list[Column[Any]]:
    """When, by whom and why a version was saved (``saved_at`` None: shipped with the application); what it
    changed as the reason's tooltip. For any version record with ``saved_at``, ``saved_by``, ``reason`` and
    ``changes`` (``ChecklistVersion``, ``ModelVersion``)."""
    return [
        Column("Saved", lambda v: f"{v.saved_at.astimezone():%Y-%m-%d %H:%M}" if v.saved_at else "shipped",
               value=lambda v: v.saved_at),
        Column("By", lambda v: v.saved_by or ""),
        Column("Reason", lambda v: v.reason, tooltip=lambda v: "\n".join(v.changes) or None),
    ]
