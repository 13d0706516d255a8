"""What a person reads when something fails, for the GUI, start-up and the CLI alike (no Qt here).

Two kinds of failure:

- *Expected*: a condition the user can fix. Every layer's error classes derive from ``UserError`` (storage,
  validation, permissions, settings, keyring, MT5, domain rules …), and their message already says what is
  wrong and how to fix it. A few conditions the standard library and ``keyring`` raise are expected too:
  a missing file, a permission refused, a full disk, a missing or locked keyring. ``user_message`` words
  each of them with its fix.
- *Unexpected*: anything else is a bug or an unforeseen environment problem. The user gets a message with
  a short reference and where the details are; the log gets the trace under the same reference.

``report(exc, logger)`` is the one call front ends make: it logs exactly once per exception object, however
many layers report it (expected errors as one line naming their kind, never their text, which may quote
personal data the user typed; unexpected ones with their trace), and returns the message to show.
A feature adds its errors by subclassing ``UserError``; no list elsewhere needs editing.
"""

from __future__ import annotations

import errno
import logging
import secrets

GUI_LOG_HINT = "Help → Open log folder"
_LOGGED = "_fidus_logged"
_REFERENCE = "_fidus_reference"


class UserError(Exception):
    """A condition the user can fix; ``str(exc)`` says what is wrong and how to fix it.

    ``exit_code`` is what the ``fidus`` command leaves with (2: the input or the set-up needs fixing).
    """

    exit_code = 2


def is_expected(exc: BaseException) -> bool:
    """Whether ``exc`` is a known condition with a fix (no trace needed) rather than a bug."""
    return isinstance(exc, UserError) or _known_condition(exc) is not None


def user_message(exc: BaseException, *, log_hint: str = GUI_LOG_HINT) -> str:
    """The paragraph a person reads about ``exc``: what went wrong and what to do about it.

    ``log_hint`` says where the log is (the GUI's menu entry, or the CLI's log file path); it is used only
    for unexpected errors, whose own text may hold internals and is never shown.
    """
    if isinstance(exc, UserError):
        return str(exc) or f"{type(exc).__name__} (no details given)."
    known = _known_condition(exc)
    if known is not None:
        return known
    return (f"An unexpected problem stopped this action ({type(exc).__name__}, reference {reference(exc)}). "
            f"The details are in the log ({log_hint}); quote the reference when you report it.")


def reference(exc: BaseException) -> str:
    """A short random tag tying the message a user saw to the log entry holding the trace."""
    ref = getattr(exc, _REFERENCE, None)
    if ref is None:
        ref = secrets.token_hex(4)
        _mark(exc, _REFERENCE, ref)
    return ref


def report(exc: BaseException, logger: logging.Logger, *, doing: str = "", log_hint: str = GUI_LOG_HINT) -> str:
    """Log ``exc`` once (unexpected: with its trace) and return the message for the user."""
    message = user_message(exc, log_hint=log_hint)
    if not getattr(exc, _LOGGED, False):
        _mark(exc, _LOGGED, True)
        what = f"{doing}: " if doing else ""
        if is_expected(exc):  # its message may quote what the user typed (names): the log keeps the kind only
            logger.info("%s%s, told the user how to fix it", what, type(exc).__name__)
        else:
            logger.error("%sunexpected %s [reference %s]", what, type(exc).__name__, reference(exc), exc_info=exc)
    return message


def _mark(exc: BaseException, name: str, value: object) -> None:
    try:
        setattr(exc, name, value)
    except AttributeError:  # an exception type with __slots__: it is then logged and tagged afresh each time
        pass


def _known_condition(exc: BaseException) -> str | None:
    """A specific message for conditions raised outside our own code, or None."""
    keyring = _keyring_message(exc)
    if keyring is not None:
        return keyring
    if isinstance(exc, OSError):
        return _os_message(exc)
    return None


def _os_message(exc: OSError) -> str | None:
    name = f"'{exc.filename}'" if exc.filename else None
    if isinstance(exc, FileNotFoundError):
        return (f"{name or 'A file FIDUS Desktop needs'} does not exist. Check the path (the file may have been "
                "moved, renamed or be on a drive that is not connected) and try again.")
    if isinstance(exc, PermissionError):
        return (f"FIDUS Desktop was refused access to {name or 'a file or folder'} (permission denied). Choose "
                "a location your account may use, close any program that holds the file open, or ask your "
                "administrator for access.")
    if isinstance(exc, IsADirectoryError):
        return f"{name or 'The path'} is a folder; choose a file instead."
    if isinstance(exc, NotADirectoryError):
        return f"{name or 'Part of the path'} is not a folder; check the path."
    if isinstance(exc, FileExistsError):
        return f"{name or 'The file'} already exists; choose another name or move the existing file away."
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return (f"The disk holding {name or 'the file'} is full (or your quota is used up). Free some space "
                "and try again; nothing was half-written.")
    if isinstance(exc, TimeoutError):
        return "The server did not answer in time. Check the network connection and try again."
    if isinstance(exc, ConnectionError):
        return ("The connection to the server was refused or lost. Check that the server is running and the "
                "network is up, then try again.")
    return None


def _keyring_message(exc: BaseException) -> str | None:
    """Errors the ``keyring`` package raises when called directly (``SecretStore`` wraps its own)."""
    from keyring.errors import KeyringError, KeyringLocked, NoKeyringError

    if not isinstance(exc, KeyringError):
        return None
    if isinstance(exc, NoKeyringError):
        from fidus_desktop.security.keyring_file import describe_keyring

        status = describe_keyring()
        return f"No OS keyring is available, so FIDUS cannot store passwords or keys. {status.fix or ''}".strip()
    if isinstance(exc, KeyringLocked):
        return ("The OS keyring is locked. Unlock it (sign in to the desktop session, or unlock the keyring in "
                "its own tool) and try again.")
    return ("The OS keyring refused the request. Unlock it and check that FIDUS Desktop may use it (run "
            "'fidus doctor'), then try again.")
