"""User accounts, sign-in with lockout and a second factor, and the administrator's user actions.

Usernames are unique case-insensitively (``username_key``). Passwords are argon2id hashes
(``security.passwords``); the policy is checked on every new password.

Signing in (the login dialog, the idle lock and the CLI all do this)::

    try:
        user = users.authenticate(username, password)        # no MFA enrolled: done
    except SecondFactorRequired as step:                      # MFA enrolled: ask for the code
        user = users.complete_mfa(step.challenge, code)       # TOTP code or a recovery code
    if user.must_change_password:                             # after an administrator's reset
        user = users.change_password(user.actor(), password, new_password)
    if user.must_enrol_mfa:                                   # role needs MFA (security.mfa_required_roles)
        enrolment = users.begin_totp_enrolment(user.actor())  # show QR, then:
        codes = users.confirm_totp_enrolment(user.actor(), enrolment.secret, first_code, password)  # show once

``SecondFactorRequired``, ``AccountLocked`` and a wrong password are all ``AuthenticationFailed``, so a caller
that knows nothing of MFA fails closed. Failed attempts (password or code) are counted in the user document
with versioned updates, so the lockout holds across workstations and no increment is lost; success resets it.

The TOTP secret is stored wrapped under the user's password (``services.mfa``): enrolment asks for the
password, a password change re-wraps it, and an administrator's password reset cannot, so it drops the
enrolment (audited as ``user.reset_mfa`` too): the user enrols again after choosing their new password.
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from argon2 import PasswordHasher

from fidus_desktop.errors import UserError
from fidus_desktop.security import passwords, totp
from fidus_desktop.security.crypto import CryptoError, ScryptParams
from fidus_desktop.services import mfa
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, Role, require
from fidus_desktop.store.errors import ConcurrencyError, DuplicateKey
from fidus_desktop.store.port import Document

USERS = "users"
SECRET_FIELDS = ("password_hash", mfa.WRAPPED, mfa.LEGACY, "recovery_codes")
MAX_SIGN_IN_RETRIES = 5
UNKNOWN_USER = "(unknown user name, not recorded)"
_WRONG = "The username or password is not right, or the account is disabled."
_WRONG_CODE = (
    "That code is not right or was already used; enter the code your app shows now, or an unused recovery code."
)
_SIGN_IN = Actor.system("sign-in")
_UNREADABLE = (
    "Your two-step sign-in set-up cannot be opened with this password (its stored record was altered); "
    "ask an administrator to reset two-step sign-in, then set it up again."
)


class AuthenticationFailed(UserError):
    """Wrong username or password (deliberately not saying which), or a disabled account."""


class AccountLocked(AuthenticationFailed):
    """Too many failed attempts; ``until`` says when the account opens again."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        local = until.astimezone()
        super().__init__(
            f"This account is locked after too many failed sign-ins until {local:%H:%M} on {local:%d %b %Y}. "
            "Wait until then, or ask an administrator to unlock it."
        )


class SignInExpired(AuthenticationFailed):
    """The code step came too late (or twice); start again with the password."""


class SecondFactorRequired(AuthenticationFailed):
    """The password was right and the account uses MFA: call ``complete_mfa(challenge, code)``."""

    def __init__(self, challenge: mfa.MfaChallenge) -> None:
        self.challenge = challenge
        super().__init__("Enter the 6-digit code from your authenticator app, or one of your recovery codes.")


class SettingsLike(Protocol):
    def get(self, name: str, default: Any = None) -> Any: ...


@dataclass(frozen=True)
class SignInPolicy:
    """Lockout and MFA rules (``security.*`` settings)."""

    lockout_attempts: int = 5
    lockout_minutes: int = 15
    mfa_required_roles: frozenset[Role] = frozenset({Role.ADMIN, Role.COMPLIANCE_OFFICER})

    @classmethod
    def from_settings(cls, settings: SettingsLike | None) -> SignInPolicy:
        if settings is None:
            return cls()
        roles = settings.get("security.mfa_required_roles", [r.value for r in cls.mfa_required_roles])
        try:
            required = frozenset(Role(r) for r in roles)
        except (TypeError, ValueError):
            raise ValueError(
                f"security.mfa_required_roles in the settings file must be a list of roles ({', '.join(Role)}), "
                f"not {roles!r}."
            ) from None
        return cls(
            _positive(settings, "security.lockout_attempts", cls.lockout_attempts),
            _positive(settings, "security.lockout_minutes", cls.lockout_minutes),
            required,
        )


def _positive(settings: SettingsLike, name: str, default: int) -> int:
    value = settings.get(name, default)
    if type(value) is not int or value < 1:
        raise ValueError(f"{name} in the settings file must be a whole number of at least 1, not {value!r}.")
    return value


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    display_name: str
    role: Role
    active: bool
    must_change_password: bool
    version: int
    mfa_enabled: bool = False
    must_enrol_mfa: bool = False  # the role requires MFA and none is enrolled: enrol before working
    locked_until: datetime | None = None
    last_sign_in_at: datetime | None = None
    investor_ids: frozenset[str] = frozenset()

    @classmethod
    def from_doc(cls, doc: Document, mfa_required: frozenset[Role] = frozenset()) -> User:
        role = Role(doc["role"])
        mfa_enabled = mfa.enrolled(doc)
        return cls(
            user_id=doc["_id"],
            username=doc["username"],
            display_name=doc.get("display_name") or doc["username"],
            role=role,
            active=doc.get("active", True),
            must_change_password=doc.get("must_change_password", False),
            version=doc["version"],
            mfa_enabled=mfa_enabled,
            must_enrol_mfa=role in mfa_required and not mfa_enabled,
            locked_until=doc.get("locked_until"),
            last_sign_in_at=doc.get("last_sign_in_at"),
            investor_ids=frozenset(doc.get("investor_ids") or ()),
        )

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, self.role, investor_ids=self.investor_ids)


def public_view(doc: Document) -> Document:
    """A user document fit for the audit trail and exports: no password hash or MFA secrets."""
    return {k: v for k, v in doc.items() if k not in SECRET_FIELDS}


def _credentials(doc: Document) -> tuple[Any, ...]:
    """What a factor check depends on; if it changed since the check, the check is repeated."""
    return tuple(doc.get(k) for k in (*SECRET_FIELDS, "totp_last_step"))


@dataclass
class _Attempt:
    """What one sign-in step decided: fields to store, audit actions, and the error to raise after commit."""

    changes: Document = field(default_factory=dict)
    unset: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    error: AuthenticationFailed | None = None
    # The password was right and MFA is enrolled: the code comes next, checked against this secret.
    opened: mfa.OpenedSecret | None = field(default=None, repr=False)


Decider = Callable[[Document], _Attempt]


class UserService(Service):
    """Create and manage users and sign them in."""

    def __init__(
        self,
        ctx: ServiceContext,
        policy: SignInPolicy | None = None,
        hasher: PasswordHasher | None = None,
        kdf: ScryptParams | None = None,
    ) -> None:
        super().__init__(ctx)
        self.users = ctx.store.collection(USERS)
        self.policy = policy or SignInPolicy()
        self.hasher = hasher or passwords.DEFAULT_HASHER
        self.kdf = kdf  # wraps TOTP secrets; None means the scrypt defaults (tests pass cheaper ones)
        self._challenges = mfa.ChallengeBook()
        self._dummy_hash: str | None = None

    def ensure_indexes(self) -> None:
        self.users.ensure_index(["username_key"], unique=True)

    def count(self) -> int:
        return self.users.count()

    def _user(self, doc: Document) -> User:
        return User.from_doc(doc, self.policy.mfa_required_roles)

    def list(self, actor: Actor) -> list[User]:
        require(actor, Permission.USERS_MANAGE)
        return [self._user(d) for d in self.users.find(sort=[("username_key", 1)])]

    def by_username(self, actor: Actor, username: Any) -> User:
        """The user called ``username`` (any case); ``ValidationError`` naming it if there is none."""
        require(actor, Permission.USERS_MANAGE)
        name = self.required_text(username, "username", "A username", max_length=64)
        doc = self.users.find_one({"username_key": name.casefold()})
        if doc is None:
            raise ValidationError({"username": f"There is no user called {name!r}; `fidus user list` shows them."})
        return self._user(doc)

    # --- creating users ---------------------------------------------------------------------------------

    def _check_password(self, password: Any, username: str, field_name: str = "password") -> str:
        if not isinstance(password, str) or not password:
            raise ValidationError({field_name: "A password is required."})
        problems = passwords.check_password_policy(password, username)
        if problems:
            raise ValidationError({field_name: " ".join(problems)})
        return password

    @staticmethod
    def _role(role: Any) -> Role:
        try:
            return Role(role)
        except ValueError:
            raise ValidationError({"role": f"{role!r} is not a role; choose one of {', '.join(Role)}."}) from None

    def check_new(self, username: Any, password: Any, role: Any) -> None:
        """Refuse a username, password or role ``create_user`` would refuse, writing nothing (a caller that
        writes other things first, such as ``fidus init --demo --admin-user``, checks before it starts)."""
        self._validate_new(username, password, role)

    def _validate_new(self, username: Any, password: Any, role: Any) -> tuple[str, Role]:
        name = self.required_text(username, "username", "A username", max_length=64)
        if not name.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise ValidationError({"username": "Use letters, digits, '.', '_' or '-' in a username."})
        role_value = self._role(role)
        self._check_password(password, name)
        return name, role_value

    def _insert(self, rec: ChangeRecorder, name: str, password: str, role: Role, display_name: str | None) -> User:
        doc = {
            "username": name,
            "username_key": name.casefold(),
            "display_name": (display_name or name).strip()[:120],
            "role": role.value,
            "active": True,
            "must_change_password": False,
            "failed_attempts": 0,
            "password_hash": passwords.hash_password(password, hasher=self.hasher),
            "created_at": self.now(),
        }
        try:
            stored = self.users.insert(doc)
        except DuplicateKey:
            raise ValidationError({"username": f"The username {name!r} is already taken."}) from None
        rec.record("user.create", "user", stored["_id"], after=public_view(stored))
        return self._user(stored)

    def create_user(
        self, actor: Actor, username: Any, password: Any, role: Any, display_name: str | None = None
    ) -> User:
        name, role_value = self._validate_new(username, password, role)
        return self.change(actor, Permission.USERS_MANAGE,
                           lambda rec: self._insert(rec, name, password, role_value, display_name))

    def create_first_admin(self, username: Any, password: Any, display_name: str | None = None) -> User:
        """First run only: the database has no user yet, so nobody can be asked for permission."""
        name, role = self._validate_new(username, password, Role.ADMIN)

        def first(rec: ChangeRecorder) -> User:
            if self.users.count() > 0:
                raise ValidationError("An administrator already exists; sign in instead.")
            return self._insert(rec, name, password, role, display_name)

        return self.change(Actor.system("first-run"), Permission.USERS_MANAGE, first)

    # --- administrator actions ----------------------------------------------------------------------------

    def _admin_change(
        self, actor: Actor, user_id: Any, action: str, decide: Callable[[Document], tuple[Document, tuple[str, ...]]]
    ) -> User:
        """Apply ``decide(doc) -> (changes, unset)`` to one user, audited with before/after images."""
        user_id = self.required_text(user_id, "user", "A user")

        def apply(rec: ChangeRecorder) -> User:
            doc = self.users.require(user_id)
            changes, unset = decide(doc)
            updated = self.users.update(user_id, changes, expected_version=doc["version"], unset=unset)
            rec.record(action, "user", user_id, before=public_view(doc), after=public_view(updated))
            if action != "user.reset_mfa" and mfa.enrolled(doc) and not mfa.enrolled(updated):
                rec.record("user.reset_mfa", "user", user_id, after={"because": action})
            return self._user(updated)

        return self.change(actor, Permission.USERS_MANAGE, apply)

    def _keep_an_admin(self, actor: Actor, doc: Document, what: str) -> None:
        """Refuse to lock the office out: not on one's own account, and never the last active admin."""
        if doc["_id"] == actor.user_id:
            raise ValidationError(f"You cannot {what} your own account; ask another administrator.")
        if doc["role"] == Role.ADMIN.value and doc.get("active", True):
            if self.users.count({"role": Role.ADMIN.value, "active": True}) <= 1:
                raise ValidationError(f"{doc['username']} is the last active administrator; make another first.")

    def disable_user(self, actor: Actor, user_id: str) -> User:
        def decide(doc: Document) -> tuple[Document, tuple[str, ...]]:
            self._keep_an_admin(actor, doc, "disable")
            return {"active": False}, ()

        return self._admin_change(actor, user_id, "user.disable", decide)

    def enable_user(self, actor: Actor, user_id: str) -> User:
        return self._admin_change(actor, user_id, "user.enable", lambda doc: ({"active": True}, ()))

    def unlock_user(self, actor: Actor, user_id: str) -> User:
        return self._admin_change(
            actor, user_id, "user.unlock", lambda doc: ({"failed_attempts": 0}, ("locked_until",))
        )

    def set_role(self, actor: Actor, user_id: str, role: Any) -> User:
        new_role = self._role(role)

        def decide(doc: Document) -> tuple[Document, tuple[str, ...]]:
            if doc["role"] != new_role.value:
                self._keep_an_admin(actor, doc, "change the role of")
            return {"role": new_role.value}, ()

        return self._admin_change(actor, user_id, "user.set_role", decide)

    def reset_password(self, actor: Actor, user_id: str, temporary_password: Any) -> User:
        """Set a temporary password the user must change at the next sign-in; also lifts a lockout.

        The TOTP secret is wrapped under the old password, which nobody here knows, so the enrolment is
        dropped (audited as ``user.reset_mfa`` as well); the user enrols again after the password change."""

        def decide(doc: Document) -> tuple[Document, tuple[str, ...]]:
            password = self._check_password(temporary_password, doc["username"])
            changes = {
                "password_hash": passwords.hash_password(password, hasher=self.hasher),
                "must_change_password": True,
                "failed_attempts": 0,
            }
            return changes, ("locked_until", *mfa.ENROLMENT_FIELDS)

        return self._admin_change(actor, user_id, "user.reset_password", decide)

    def reset_mfa(self, actor: Actor, user_id: str) -> User:
        """Remove the user's authenticator and recovery codes (lost phone); they enrol again if required."""
        return self._admin_change(actor, user_id, "user.reset_mfa", lambda doc: ({}, mfa.ENROLMENT_FIELDS))

    # --- the user's own credentials -----------------------------------------------------------------------

    def _own(self, actor: Actor) -> Document:
        require(actor, Permission.OWN_CREDENTIALS)
        doc = self.users.get(actor.user_id)
        if doc is None:
            raise ValidationError("Only a user account has a password and MFA; the system actor has none.")
        return doc

    def change_password(self, actor: Actor, old_password: Any, new_password: Any) -> User:
        doc = self._own(actor)
        if not isinstance(old_password, str) or not passwords.verify(
            doc["password_hash"], old_password, hasher=self.hasher
        ):
            raise ValidationError({"old_password": "The current password is not right."})
        new = self._check_password(new_password, doc["username"], "new_password")
        if new == old_password:
            raise ValidationError({"new_password": "Choose a password different from the current one."})
        try:
            rewrap, unset = mfa.rewrapped(doc, old_password, new, self.kdf)
        except CryptoError:
            raise ValidationError(_UNREADABLE) from None
        changes = {
            "password_hash": passwords.hash_password(new, hasher=self.hasher),
            "must_change_password": False,
            **rewrap,
        }

        def save(rec: ChangeRecorder) -> User:
            updated = self.users.update(doc["_id"], changes, expected_version=doc["version"], unset=unset)
            rec.record("user.change_password", "user", doc["_id"])
            return self._user(updated)

        return self.change(actor, Permission.OWN_CREDENTIALS, save)

    def begin_totp_enrolment(self, actor: Actor) -> totp.TotpEnrolment:
        """A new secret with its QR code; nothing is stored until ``confirm_totp_enrolment``."""
        if mfa.enrolled(self._own(actor)):
            raise ValidationError(
                "Two-step sign-in is already set up; ask an administrator to reset it to enrol a new device."
            )
        return totp.enrol_totp(actor.username)

    def new_recovery_codes(self) -> tuple[builtins.list[str], builtins.list[str]]:
        """(codes to show once, hashes to store) for ``confirm_totp_enrolment(..., recovery=...)``."""
        return totp.new_recovery_codes(hasher=self.hasher)

    def confirm_totp_enrolment(
        self, actor: Actor, secret: Any, code: Any, password: Any,
        recovery: tuple[builtins.list[str], builtins.list[str]] | None = None,
    ) -> builtins.list[str]:
        """Store the secret, wrapped under ``password``, once the user proves their app works; returns the
        recovery codes to show once. The password is asked again because only it can wrap the secret.
        ``recovery`` (codes, hashes) from ``totp.new_recovery_codes`` when they were shown at the start
        (``fidus mfa enrol`` prints them with the secret)."""
        doc = self._own(actor)
        if not mfa.is_totp_secret(secret):
            raise ValidationError("The enrolment is not valid; start the set-up again.")
        step = totp.verify_totp(secret, code, last_timestep=None, at=self.wall_now()) if isinstance(code, str) else None
        if step is None:
            raise ValidationError({"code": "That code is not right; enter the 6 digits your app shows now."})
        if not isinstance(password, str) or not passwords.verify(doc["password_hash"], password, hasher=self.hasher):
            raise ValidationError({"password": "That is not your current password; it protects the stored secret."})
        wrapped = totp.wrap_secret(secret, password, doc["_id"], kdf=self.kdf)
        codes, hashes = recovery or totp.new_recovery_codes(hasher=self.hasher)

        def enrol(rec: ChangeRecorder) -> None:
            fresh = self.users.require(doc["_id"])
            if mfa.enrolled(fresh):
                raise ValidationError("Two-step sign-in was already set up for this account.")
            if fresh["password_hash"] != doc["password_hash"]:
                raise ValidationError("The password changed meanwhile; start the set-up again.")
            changes = {
                mfa.WRAPPED: wrapped,
                "totp_last_step": step,
                "recovery_codes": hashes,
                "mfa_enrolled_at": self.now(),
            }
            self.users.update(doc["_id"], changes, expected_version=fresh["version"])
            rec.record("user.mfa_enrol", "user", doc["_id"])

        self.change(actor, Permission.OWN_CREDENTIALS, enrol)
        return codes

    # --- signing in ---------------------------------------------------------------------------------------

    def sign_out(self, actor: Actor) -> None:
        """Record the end of a session (File → Sign out, or "Sign out" on the idle lock)."""
        self.change(actor, Permission.OWN_CREDENTIALS, lambda rec: rec.record("user.sign_out", "user", actor.user_id))

    def authenticate(self, username: Any, password: Any) -> User:
        """The user if ``password`` is right and no second factor is enrolled (see the module docstring)."""
        if not isinstance(username, str) or not isinstance(password, str) or not username.strip():
            raise AuthenticationFailed("Enter your username and password.")
        doc = self.users.find_one({"username_key": username.strip().casefold()})
        if doc is None:
            passwords.verify(self._dummy(), password, hasher=self.hasher)  # as slow as a real check
            if not self.store.read_only:
                # Not the typed name: it may be a password typed into the wrong field; the trail is permanent.
                self.change(_SIGN_IN, Permission.USERS_MANAGE,
                            lambda rec: rec.record("user.sign_in_failed", "user", UNKNOWN_USER))
            raise AuthenticationFailed(_WRONG)

        def evaluate(current: Document) -> Decider:
            ok = passwords.verify(current["password_hash"], password, hasher=self.hasher)
            if mfa.enrolled(current):
                opened = self._open_secret(current, password) if ok else None
                return lambda fresh: self._decide(fresh, ok, _Attempt(opened=opened))
            rehash = ok and passwords.needs_rehash(current["password_hash"], hasher=self.hasher)
            renewed = {"password_hash": passwords.hash_password(password, hasher=self.hasher)} if rehash else {}
            return lambda fresh: self._decide(fresh, ok, self._success(fresh, renewed))

        final, attempt = self._settle(doc, evaluate)
        if attempt.opened is not None:
            raise SecondFactorRequired(
                self._challenges.issue(final["_id"], final["username"], self.now(), attempt.opened)
            )
        return self._user(final)

    def _open_secret(self, doc: Document, password: str) -> mfa.OpenedSecret:
        try:
            return mfa.open_secret(doc, password, self.kdf)
        except CryptoError:
            raise AuthenticationFailed(_UNREADABLE) from None

    def complete_mfa(self, challenge: Any, code: Any) -> User:
        """Finish a sign-in with a TOTP code or a recovery code; wrong codes count towards the lockout."""
        try:
            pending = self._challenges.check(challenge, self.now())
        except mfa.ChallengeExpired as exc:
            raise SignInExpired(str(exc)) from None
        if not isinstance(code, str) or not code.strip():
            raise AuthenticationFailed("Enter the 6-digit code from your authenticator app or a recovery code.")

        def evaluate(current: Document) -> Decider:
            if not mfa.still_enrolled(current, pending.opened):
                self._challenges.close(pending.challenge)
                raise SignInExpired("Two-step sign-in was reset or set up again meanwhile; enter your password again.")
            used = mfa.check_code(current, pending.opened, code, at=self.wall_now(), hasher=self.hasher)
            if used is None:
                return lambda fresh: self._decide(fresh, False, _Attempt(), _WRONG_CODE)
            return lambda fresh: self._decide(
                fresh, True, self._success(fresh, used.changes, used.actions, used.unset)
            )

        final, _ = self._settle(self.users.require(pending.challenge.user_id), evaluate)
        self._challenges.close(pending.challenge)
        return self._user(final)

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = passwords.hash_password(secrets.token_urlsafe(16), hasher=self.hasher)
        return self._dummy_hash

    def _decide(self, doc: Document, factor_ok: bool, success: _Attempt, wrong: str = _WRONG) -> _Attempt:
        """The outcome on the stored state: locked and disabled accounts first, then count or clear failures."""
        locked_until = doc.get("locked_until")
        if locked_until is not None and locked_until > self.now():
            return _Attempt(actions=("user.sign_in_locked",), error=AccountLocked(locked_until))
        if not doc.get("active", True):
            return _Attempt(actions=("user.sign_in_failed",), error=AuthenticationFailed(_WRONG))
        if factor_ok:
            return success
        failed = doc.get("failed_attempts", 0) + 1
        if failed >= self.policy.lockout_attempts:
            until = self.now() + timedelta(minutes=self.policy.lockout_minutes)
            return _Attempt(
                {"failed_attempts": 0, "locked_until": until},
                actions=("user.sign_in_failed", "user.locked"),
                error=AccountLocked(until),
            )
        return _Attempt(
            {"failed_attempts": failed}, actions=("user.sign_in_failed",), error=AuthenticationFailed(wrong)
        )

    def _success(
        self, doc: Document, changes: Document, actions: tuple[str, ...] = (), unset: tuple[str, ...] = ()
    ) -> _Attempt:
        stored = {"failed_attempts": 0, "last_sign_in_at": self.now(), **changes}
        cleared = (*unset, "locked_until") if "locked_until" in doc else unset
        return _Attempt(stored, cleared, ("user.sign_in", *actions))

    def _settle(self, doc: Document, evaluate: Callable[[Document], Decider]) -> tuple[Document, _Attempt]:
        """Check the factor (slow hashing) outside the transaction, then decide and store on the state read
        inside it, so concurrent attempts from other workstations are all counted. If the credentials
        themselves changed meanwhile (a code was just used, the password reset), check again.

        On a read-only database the same decision is taken but nothing can be stored: no audit entry, no failure
        count, no replay mark for a TOTP code. Nothing can be changed there either, and whoever can read the file
        holds the password hashes anyway."""
        if self.store.read_only:
            attempt = evaluate(doc)(doc)
            if attempt.error is not None:
                raise attempt.error
            return doc, attempt
        for _ in range(MAX_SIGN_IN_RETRIES):
            try:
                doc, stored = self.change(_SIGN_IN, Permission.USERS_MANAGE, partial(self._store, doc, evaluate(doc)))
            except ConcurrencyError:  # another workstation wrote first (and kept doing so): decide again on its result
                doc = self.users.require(doc["_id"])
                continue
            if stored is None:
                continue
            if stored.error is not None:
                raise stored.error
            return doc, stored
        raise AuthenticationFailed("Too many sign-ins for this account at the same moment; try again.")

    def _store(self, checked: Document, decide: Decider, rec: ChangeRecorder) -> tuple[Document, _Attempt | None]:
        """Decide on the stored state and store the outcome; (the stored account, None) when the credentials
        changed since ``checked`` was checked."""
        fresh = self.users.require(checked["_id"])
        if _credentials(fresh) != _credentials(checked):
            return fresh, None
        attempt = decide(fresh)
        stored = fresh
        if attempt.changes or attempt.unset:
            stored = self.users.update(
                fresh["_id"], attempt.changes, expected_version=fresh["version"], unset=attempt.unset
            )
        for action in attempt.actions:
            rec.record(action, "user", fresh["_id"])
        return stored, attempt
