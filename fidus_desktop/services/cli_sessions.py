"""CLI sessions: ``fidus login`` once, then commands without ``--user``, until idle too long or ``fidus logout``.

The session secret lives only in this workstation's keyring; the database holds its SHA-256, so a copy of the
database (or a backup) opens no session. A session is opened only for a user who passed the whole sign-in
(password, MFA, no pending password change or MFA enrolment), and every use re-checks the account: a
disabled, locked, reset or role-changed account ends its sessions. Opening, closing and expiry are audited;
each use moves ``last_used_at`` so the idle limit counts from the last command.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from fidus_desktop.services.actor import Actor, workstation_name
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext
from fidus_desktop.services.permissions import Permission
from fidus_desktop.services.users import USERS, AuthenticationFailed, SettingsLike, User, UserService
from fidus_desktop.store.port import Document

SESSIONS = "cli_sessions"
DEFAULT_IDLE_MINUTES = 30
IDLE_SETTING = "security.cli_session_idle_minutes"


class SessionEnded(AuthenticationFailed):
    """The CLI session expired, was closed, or its account can no longer sign in."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def cli_session_idle_minutes(settings: SettingsLike | None) -> int:
    """``security.cli_session_idle_minutes`` (default 30): how long an unused CLI session stays open."""
    value = settings.get(IDLE_SETTING, DEFAULT_IDLE_MINUTES) if settings is not None else DEFAULT_IDLE_MINUTES
    if type(value) is not int or not 1 <= value <= 24 * 60:
        raise ValueError(f"{IDLE_SETTING} in the settings file must be a whole number of minutes from 1 to 1440, "
                         f"not {value!r}.")
    return value


def _fingerprint(account: Document) -> str:
    """What the session was granted on: role, password and MFA enrolment; any change ends the session."""
    parts = (account["role"], account.get("password_hash", ""), str(account.get("mfa_enrolled_at", "")))
    return _digest("\x00".join(parts))


class CliSessionService(Service):
    """Open, resume and close CLI sessions for users who signed in completely."""

    def __init__(self, ctx: ServiceContext, users: UserService, idle_minutes: int = DEFAULT_IDLE_MINUTES) -> None:
        super().__init__(ctx)
        self.users = users
        self.sessions = ctx.store.collection(SESSIONS)
        self.idle = timedelta(minutes=idle_minutes)

    def ensure_indexes(self) -> None:
        self.sessions.ensure_index(["token_hash"], unique=True)

    def open(self, user: User) -> str:
        """A new session for ``user`` (fully signed in); returns the secret to keep in the keyring."""
        if user.must_change_password or user.must_enrol_mfa:
            raise AuthenticationFailed("Finish signing in (new password, MFA set-up) before opening a session.")
        secret = secrets.token_urlsafe(32)
        actor = user.actor()

        def write(rec: ChangeRecorder) -> None:
            stored = self.sessions.insert({
                "token_hash": _digest(secret), "user_id": user.user_id, "workstation": workstation_name(),
                "created_at": self.now(), "last_used_at": self.now(),
                "fingerprint": _fingerprint(self.store.collection(USERS).require(user.user_id)),
            })
            rec.record("user.cli_login", "user", user.user_id,
                       after={"session": stored["_id"], "idle_minutes": int(self.idle.total_seconds() // 60)})

        self.change(actor, Permission.OWN_CREDENTIALS, write)
        return secret

    def resume(self, secret: str) -> User:
        """The session's user, checked again now; ``SessionEnded`` says why not."""
        doc = self.sessions.find_one({"token_hash": _digest(secret)})
        if doc is None:
            raise SessionEnded("Your CLI session has ended (signed out or replaced); sign in again with `fidus login`.")
        account = self.store.collection(USERS).get(doc["user_id"])
        why = self._ended(doc, account)
        if why is not None:
            if not self.store.read_only:
                self._end(doc, "user.cli_session_ended", why)
            raise SessionEnded(f"Your CLI session has ended: {why}. Sign in again with `fidus login`.")
        assert account is not None  # _ended ends the session of a missing account
        if not self.store.read_only:  # a read-only database cannot note the use; the idle time still counts

            def touch() -> None:  # read again inside: two commands of one session may run at once
                current = self.sessions.require(doc["_id"])
                self.sessions.update(doc["_id"], {"last_used_at": self.now()}, expected_version=current["version"])

            self.store.atomic(touch)
        return self._user(account)

    def _ended(self, doc: Document, account: Document | None) -> str | None:
        if doc["last_used_at"] + self.idle < self.now():
            return f"it was idle for more than {int(self.idle.total_seconds() // 60)} minutes"
        if account is None or not account.get("active", True):
            return "the account is disabled"
        user = self._user(account)
        if user.is_locked(self.now()):
            return "the account is locked"
        if user.must_change_password or user.must_enrol_mfa or _fingerprint(account) != doc["fingerprint"]:
            return "the account's password, role or two-step sign-in changed"
        return None

    def close(self, secret: str) -> bool:
        """End the session (``fidus logout``); False if there was none."""
        doc = self.sessions.find_one({"token_hash": _digest(secret)})
        if doc is None:
            return False
        self._end(doc, "user.cli_logout", "signed out")
        return True

    def _end(self, doc: Document, action: str, why: str) -> None:
        account = self.store.collection(USERS).get(doc["user_id"])
        actor = self._user(account).actor() if account else Actor.system("cli-session")

        def end() -> None:
            self.sessions.delete(doc["_id"])
            self.ctx.audit.append(actor, action, "user", doc["user_id"], after={"session": doc["_id"], "why": why})

        self.store.atomic(end)

    def _user(self, doc: Document) -> User:
        return User.from_doc(doc, self.users.policy.mfa_required_roles)
