"""Sample document files: a PDF big enough to span three stored chunks, and a small PNG."""

from __future__ import annotations

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 10_000  # 2.5 MB: three chunks


PNG = b"\x89PNG\r\n\x1a\n" + b"passport scan pixels" * 100

