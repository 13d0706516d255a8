"""Files only their owner may read: exports of audit entries and personal data, anchors, decrypted copies.

On POSIX the file is created with mode 0600 (whatever the umask), so it is never readable by others even
for a moment; on Windows a new file inherits the ACL of its folder, which for the user's profile folders is
the user (and administrators) only. Content is written to ``<name>.partial`` and renamed, so a crash or a
full disk never leaves a half file under the final name, and the partial file is removed on failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

OWNER_ONLY = 0o600


def create_private(path: Path, *, exclusive: bool = False) -> int:
    """Open ``path`` for writing as a new owner-only file; returns the descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, OWNER_ONLY)
    if os.name == "posix":
        os.fchmod(fd, OWNER_ONLY)  # an existing file keeps its old mode otherwise
    return fd


@contextmanager
def private_binary_file(path: Path) -> Iterator[IO[bytes]]:
    """Write ``path`` owner-only, atomically (temporary name, fsync, rename)."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with os.fdopen(create_private(partial), "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@contextmanager
def private_text_file(path: Path) -> Iterator[IO[str]]:
    """``private_binary_file`` for UTF-8 text with universal newlines off (what ``csv`` wants)."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with os.fdopen(create_private(partial), "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_private(path: Path, data: bytes) -> None:
    """``data`` to ``path``, owner-only and atomically."""
    with private_binary_file(path) as out:
        out.write(data)
