"""Database URIs: which store to open, and where a MongoDB password may (and may not) come from.

Accepted: ``sqlite:///absolute/path.db`` (also written ``sqlite:////absolute/path.db``), ``sqlite:///C:/path.db``
(Windows), ``sqlite:relative.db``, each optionally followed by ``?mode=ro`` (open read-only, as a write-protected
file or folder is anyway),
``mongodb://[user@]host[:port][,host…]/[database][?options]`` and ``mongodb+srv://[user@]cluster/…``.
A MongoDB password is never taken from the URI (it would sit in shell history, settings files and logs):
``fidus config set-db-password USER@HOST`` keeps it in the OS keyring and ``password_lookup`` returns it.
The adapters are imported when a URI needs them, so a SQLite workstation never loads the MongoDB driver.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from fidus_desktop.store.errors import DatabaseMissing, DatabaseUnreachable, InvalidDatabaseUri
from fidus_desktop.store.port import Store

ACCEPTED = (
    "sqlite:///C:/path/fidus.db (Windows), sqlite:///absolute/path/fidus.db, sqlite:relative/fidus.db, "
    "mongodb://user@host:27017/fidus or mongodb+srv://user@cluster.example.mongodb.net/fidus"
)
# Mechanisms that authenticate without a password (certificates, cloud identity, Kerberos).
_PASSWORDLESS = ("mongodb-x509", "mongodb-aws", "gssapi", "mongodb-oidc")
READ_ONLY_QUERY = "mode=ro"
_WINDOWS_DRIVE = re.compile(r"^/[A-Za-z]:[/\\]")
_USERINFO_PASSWORD = re.compile(r"^(mongodb(?:\+srv)?://[^:/@?]*):[^@/]*@")
_SECRET_OPTION = re.compile(r"([?&][^=&]*(?:password|secret|token)[^=&]*=)[^&]*", re.IGNORECASE)


@dataclass(frozen=True)
class MongoUri:
    """The parts of a ``mongodb://`` / ``mongodb+srv://`` URI this application needs, without DNS look-ups."""

    srv: bool
    username: str | None
    has_password: bool
    hosts: tuple[str, ...]
    database: str | None
    options: str

    @property
    def first_host(self) -> str:
        """The first host name without its port (the keyring entry is ``user@first_host``)."""
        return _host_port(self.hosts[0])[0]

    @property
    def credential_name(self) -> str | None:
        """``user@host`` as given to ``fidus config set-db-password``; None without a user name."""
        return f"{self.username}@{self.first_host}" if self.username else None

    def needs_password(self) -> bool:
        mechanism = re.search(r"(?:^|&)authMechanism=([^&]*)", self.options, re.IGNORECASE)
        return bool(self.username) and not (mechanism and unquote(mechanism.group(1)).lower() in _PASSWORDLESS)

    def label(self) -> str:
        """ "MongoDB host:port" or "MongoDB Atlas <cluster>", never with credentials."""
        if self.srv:
            name = self.hosts[0]
            return f"MongoDB Atlas {name.split('.', 1)[0]}" if name.endswith(".mongodb.net") else f"MongoDB {name}"
        return "MongoDB " + ",".join(f"{h}:{p or 27017}" for h, p in map(_host_port, self.hosts))


def _host_port(text: str) -> tuple[str, str | None]:
    """Split ``host:port`` / ``[ipv6]:port``; the port is None when not given."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, rest[1:] or None
    host, colon, port = text.partition(":")
    return host, port if colon else None


def split_mongo_uri(uri: str) -> MongoUri:
    """Split a MongoDB URI; raise ``ValueError`` if it is not one."""
    for prefix in ("mongodb+srv://", "mongodb://"):
        if uri.startswith(prefix):
            break
    else:
        raise ValueError(uri)
    netloc, _, tail = uri[len(prefix) :].partition("/")
    if "?" in netloc:
        netloc, _, query = netloc.partition("?")
        tail = "?" + query
    userinfo, at, hostlist = netloc.rpartition("@")
    username, has_password = None, False
    if at:
        user, colon, _ = userinfo.partition(":")
        username, has_password = unquote(user), bool(colon)
    hosts = tuple(h for h in hostlist.split(",") if h)
    path, _, options = tail.partition("?")
    if not hosts or (at and not username) or any(not _host_port(h)[0] for h in hosts):
        raise ValueError(uri)
    return MongoUri(prefix == "mongodb+srv://", username, has_password, hosts, unquote(path) or None, options)


def sqlite_path(uri: str) -> Path:
    """The file named by a ``sqlite:`` URI; raise ``InvalidDatabaseUri`` for other shapes."""
    rest = uri[len("sqlite:") :]
    if rest.startswith("//"):
        rest = rest[2:]
        if not rest.startswith("/"):
            raise _invalid(uri, "a sqlite:// URI has no host: use three slashes before an absolute path")
        rest = "/" + rest.lstrip("/")  # sqlite:////abs (an absolute POSIX path after three slashes) too
        if _WINDOWS_DRIVE.match(rest):
            rest = rest[1:]
    rest, _, query = rest.partition("?")
    if query not in ("", READ_ONLY_QUERY):
        raise _invalid(uri, f"the only option a sqlite: URI takes is ?{READ_ONLY_QUERY} (open read-only)")
    if not rest.strip():
        raise _invalid(uri, "name the database file after 'sqlite:'")
    return Path(unquote(rest))


def sqlite_read_only(uri: str, path: Path) -> str | None:
    """Why the SQLite database at ``path`` opens read-only, or None: asked for with ``?mode=ro``, or this user
    may not write to the file or to its folder (where SQLite keeps its journal files)."""
    if uri.endswith("?" + READ_ONLY_QUERY):
        return f"opened with ?{READ_ONLY_QUERY}"
    if path.exists() and not os.access(path, os.W_OK):
        return "this user may not write to the file"
    if path.exists() and not os.access(path.parent, os.W_OK):
        return "this user may not write to its folder"
    return None


def redact(uri: str) -> str:
    """``uri`` fit for logs and messages: any password or secret option replaced by ***."""
    text = _USERINFO_PASSWORD.sub(r"\1:***@", uri)
    return _SECRET_OPTION.sub(r"\1***", text)


def _invalid(uri: str, why: str) -> InvalidDatabaseUri:
    return InvalidDatabaseUri(
        f"{redact(uri)!r} is not a database URI this application understands ({why}). Use one of: {ACCEPTED}."
    )


def open_store(
    uri: str, *, password_lookup: Callable[[str], str | None] | None = None, database: str | None = None,
    create: bool = True,
) -> Store:
    """Open (and ping) the store named by ``uri``; ``password_lookup('user@host')`` supplies a MongoDB password.

    ``database`` names another MongoDB database on the same server than the URI's (``fidus doctor --deep``).
    With ``create=False`` a SQLite file that does not exist is an error (``DatabaseMissing``) instead of a new
    empty database, so a mistyped ``--db`` does not silently start an empty office.
    """
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidDatabaseUri(f"No database URI was given. Use one of: {ACCEPTED}.")
    uri = uri.strip()
    if uri.startswith("sqlite:"):
        from fidus_desktop.store.sqlite import SqliteStore

        path = sqlite_path(uri)
        read_only = sqlite_read_only(uri, path)
        if (read_only or not create) and not path.exists():
            raise DatabaseMissing(
                f"There is no database at {path} (nothing was created). Check the path in --db / FIDUS_DB / "
                "database.uri for a typo, or create a database there with `fidus init`.", str(path)
            )
        return SqliteStore(path, read_only=read_only)
    if uri.startswith(("mongodb://", "mongodb+srv://")):
        try:
            parts = split_mongo_uri(uri)
        except ValueError:
            raise _invalid(uri, "it needs at least one host, and a user name before any '@'") from None
        if parts.has_password:
            who = parts.credential_name
            raise InvalidDatabaseUri(
                f"The database URI contains a password; it would end up in shell history and settings files. "
                f"Remove it from the URI ({redact(uri)}) and store it with `fidus config set-db-password {who}`, "
                "which keeps it in the OS keyring."
            )
        options: dict[str, str] = {}
        if parts.needs_password():
            who = parts.credential_name
            password = password_lookup(who) if password_lookup and who else None
            if password is None:
                raise DatabaseUnreachable(
                    f"No password is stored for {who}. Set it with `fidus config set-db-password {who}`."
                )
            options["password"] = password
        from fidus_desktop.store.mongo import MongoStore

        return MongoStore(uri, database, client_options=options)
    raise _invalid(uri, "it starts with neither 'sqlite:' nor 'mongodb'")
