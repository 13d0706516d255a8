"""Logging to a rotating file in the per-user log folder, with secrets and personal data kept out.

Code logs ids, never names, passwords or document contents; the redaction filter is a second line of
defence for things like a MongoDB URI with credentials in an exception message.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

_REDACTIONS = (
    (re.compile(r"(mongodb(?:\+srv)?://[^:/@\s]+:)[^@\s]+@"), r"\1***@"),
    (re.compile(r"(?i)((?:password|passphrase|secret|token)\s*[=:]\s*)\S+"), r"\1***"),
)


class RedactingFilter(logging.Filter):
    """Masks credentials that slip into log messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        return True


def redact(text: str) -> str:
    """``text`` with credentials masked."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def configure_logging(log_file: Path, level: int = logging.INFO) -> None:
    """Send the application's logs to ``log_file`` (5 files of 2 MB)."""
    root = logging.getLogger("fidus_desktop")
    root.setLevel(level)
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return  # already configured (every open_context calls this); don't open the file again
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
