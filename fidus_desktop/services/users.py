"""User accounts and sign-in.

Usernames are unique case-insensitively (``username_key``). Passwords are argon2id hashes
(``security.passwords``); the policy is checked on every new password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fidus_desktop.security import passwords
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, Role, require
from fidus_desktop.store.errors import DuplicateKey
from fidus_desktop.store.port import Document

USERS = "users"


class AuthenticationFailed(Exception):
    """Wrong username or password (deliberately not saying which), or a disabled account."""


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    display_name: str
    role: Role
    active: bool
    must_change_password: bool
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> User:
        return cls(
            user_id=doc["_id"],
            username=doc["username"],
            display_name=doc.get("display_name") or doc["username"],
            role=Role(doc["role"]),
            active=doc.get("active", True),
            must_change_password=doc.get("must_change_password", False),
            version=doc["version"],
        )

    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, self.role)


def public_view(doc: Document) -> Document:
    """A user document fit for the audit trail: no password hash or MFA secrets."""
    return {k: v for k, v in doc.items() if k not in ("password_hash", "totp_secret", "recovery_codes")}


class UserService(Service):
    """Create users and sign them in."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.users = ctx.store.collection(USERS)

    def ensure_indexes(self) -> None:
        self.users.ensure_index(["username_key"], unique=True)

    def count(self) -> int:
        return self.users.count()

    def list(self, actor: Actor) -> list[User]:
        require(actor, Permission.USERS_MANAGE)
        return [User.from_doc(d) for d in self.users.find(sort=[("username_key", 1)])]

    def _validate_new(self, username: Any, password: Any, role: Any) -> tuple[str, Role]:
        name = self.required_text(username, "username", "A username", max_length=64)
        if not name.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise ValidationError({"username": "Use letters, digits, '.', '_' or '-' in a username."})
        try:
            role_value = Role(role)
        except ValueError:
            raise ValidationError({"role": f"{role!r} is not a role; choose one of {', '.join(Role)}."}) from None
        if not isinstance(password, str):
            raise ValidationError({"password": "A password is required."})
        problems = passwords.check_password_policy(password, name)
        if problems:
            raise ValidationError({"password": " ".join(problems)})
        return name, role_value

    def _insert(self, rec: Any, name: str, password: str, role: Role, display_name: str | None) -> User:
        doc = {
            "username": name,
            "username_key": name.casefold(),
            "display_name": (display_name or name).strip()[:120],
            "role": role.value,
            "active": True,
            "must_change_password": False,
            "password_hash": passwords.hash_password(password),
            "created_at": self.now(),
        }
        try:
            stored = self.users.insert(doc)
        except DuplicateKey:
            raise ValidationError({"username": f"The username {name!r} is already taken."}) from None
        rec.record("user.create", "user", stored["_id"], after=public_view(stored))
        return User.from_doc(stored)

    def create_user(
        self, actor: Actor, username: Any, password: Any, role: Any, display_name: str | None = None
    ) -> User:
        name, role_value = self._validate_new(username, password, role)
        with self.changing(actor, Permission.USERS_MANAGE) as rec:
            return self._insert(rec, name, password, role_value, display_name)

    def create_first_admin(self, username: Any, password: Any, display_name: str | None = None) -> User:
        """First run only: the database has no user yet, so nobody can be asked for permission."""
        name, role = self._validate_new(username, password, Role.ADMIN)
        with self.changing(Actor.system("first-run"), Permission.USERS_MANAGE) as rec:
            if self.users.count() > 0:
                raise ValidationError("An administrator already exists; sign in instead.")
            return self._insert(rec, name, password, role, display_name)

    def authenticate(self, username: Any, password: Any) -> User:
        """The user, if ``password`` is right; ``AuthenticationFailed`` otherwise (audited either way)."""
        if not isinstance(username, str) or not isinstance(password, str) or not username.strip():
            raise AuthenticationFailed("Enter your username and password.")
        doc = self.users.find_one({"username_key": username.strip().casefold()})
        ok = doc is not None and doc.get("active", True) and passwords.verify(doc["password_hash"], password)
        with self.changing(Actor.system("sign-in"), Permission.USERS_MANAGE) as rec:
            rec.record(
                "user.sign_in" if ok else "user.sign_in_failed",
                "user",
                doc["_id"] if doc else username.strip()[:64],
            )
        if not ok:
            raise AuthenticationFailed("The username or password is not right, or the account is disabled.")
        return User.from_doc(doc)
