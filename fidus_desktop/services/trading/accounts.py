"""MT5 accounts FIDUS follows: which login, on which server, mapped to which fund, with which limits.

The account record never holds the trading password: it lives in the OS keyring under ``mt5/<login>``
(``SecretStore``), so a database backup or export cannot leak it. Every change is audited and needs
``mt5.manage``; reading needs ``mt5.read``.

An account may name its own MT5 installation (``terminal_path``, the ``terminal64.exe`` of a portable
install): the poller then follows it through that terminal instead of cycling logins on the shared one.
"""

from __future__ import annotations

import builtins
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from enum import StrEnum
from pathlib import Path, PureWindowsPath
from typing import Any

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.money import Money, MoneyError, check_currency, to_decimal
from fidus_desktop.domain.trading.alerts import AlertThresholds
from fidus_desktop.integrations.mt5.timezones import policy_from_config
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.trading.documents import ACCOUNTS
from fidus_desktop.store.errors import DuplicateKey
from fidus_desktop.store.port import Document

log = logging.getLogger(__name__)
THRESHOLD_FIELDS = tuple(f.name for f in fields(AlertThresholds))
TERMINAL_EXE = "terminal64.exe"


class CapitalSource(StrEnum):
    """Whose money the account trades: decides how its results are reported to investors."""

    CLIENT_MONEY = "client_money"
    HOUSE_MONEY = "house_money"
    REINVESTED_PROFIT = "reinvested_profit"


def password_name(login: int) -> str:
    """Keyring entry holding the trading password of ``login``."""
    return f"mt5/{login}"


@dataclass(frozen=True)
class Mt5AccountInput:
    """What a person enters for an account (the form and ``fidus mt5`` build this)."""

    login: int
    server: str
    name: str
    currency: str
    initial_allocation: Decimal | str | int = Decimal(0)
    server_time: str = "EET-NY"
    terminal_path: str = ""
    fund_id: str | None = None
    investor_account_id: str | None = None
    manager_user_id: str | None = None
    capital_source: str = CapitalSource.CLIENT_MONEY.value
    alert_thresholds: Mapping[str, Decimal | str | int | None] = field(default_factory=dict)
    active: bool = True


@dataclass(frozen=True)
class Mt5Account:
    login: int
    server: str
    name: str
    currency: str
    initial_allocation: Money
    server_time: str
    terminal_path: str
    fund_id: str | None
    investor_account_id: str | None
    manager_user_id: str | None
    capital_source: CapitalSource
    thresholds: AlertThresholds
    active: bool
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> Mt5Account:
        limits = doc.get("alert_thresholds") or {}
        return cls(
            login=doc["login"], server=doc["server"], name=doc["name"], currency=doc["currency"],
            initial_allocation=Money(doc["initial_allocation"], doc["currency"]), server_time=doc["server_time"],
            terminal_path=doc.get("terminal_path", ""), fund_id=doc.get("fund_id"),
            investor_account_id=doc.get("investor_account_id"), manager_user_id=doc.get("manager_user_id"),
            capital_source=CapitalSource(doc["capital_source"]),
            thresholds=AlertThresholds(**{k: limits.get(k) for k in THRESHOLD_FIELDS}),
            active=doc.get("active", True), version=doc["version"],
        )


def _optional_id(value: Any, name: str, label: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise ValidationError({name: f"{label} must be a record id (text)."})
    return value.strip()


def _thresholds(values: Mapping[str, Any]) -> dict[str, Decimal | None]:
    unknown = sorted(set(values) - set(THRESHOLD_FIELDS))
    if unknown:
        raise ValidationError({"alert_thresholds": f"Unknown alert limit(s) {', '.join(unknown)}; "
                                                   f"use {', '.join(THRESHOLD_FIELDS)}."})
    limits: dict[str, Decimal | None] = {}
    for name in THRESHOLD_FIELDS:
        raw = values.get(name)
        if raw is None or raw == "":
            limits[name] = None
            continue
        try:
            limit = to_decimal(raw, name.replace("_", " "))
        except MoneyError as exc:
            raise ValidationError({f"alert_thresholds.{name}": str(exc)}) from None
        if limit <= 0:
            raise ValidationError({f"alert_thresholds.{name}": f"{name.replace('_', ' ')} must be above zero."})
        limits[name] = limit
    return limits


def on_windows() -> bool:
    """Whether terminal paths can be checked here (MT5 and its paths exist on Windows only)."""
    return sys.platform == "win32"


def check_terminal_path(raw: str | None) -> str:
    """The trimmed path to an account's own ``terminal64.exe`` ("" for the shared terminal), or a ValidationError.

    On Windows the file must exist; elsewhere it cannot be checked and is accepted (see
    :func:`terminal_path_warning`).
    """
    path = (raw or "").strip().strip('"').strip()
    if not path:
        return ""
    if PureWindowsPath(path).name.lower() != TERMINAL_EXE:
        raise ValidationError({"terminal_path": f"The terminal path must end in {TERMINAL_EXE} (the account's own "
                                                f"MT5 installation, e.g. C:/MT5/5001001/{TERMINAL_EXE}); {path!r} "
                                                "does not. Leave it empty to use the shared terminal."})
    if on_windows() and not Path(path).is_file():
        raise ValidationError({"terminal_path": f"{path} does not exist on this PC: install MetaTrader 5 there "
                                                "(portable mode) or correct the path."})
    return path


def terminal_path_warning(path: str) -> str:
    """What to tell the person when ``path`` cannot be checked on this computer; "" when nothing."""
    if not path or on_windows():
        return ""
    return (f"{path} cannot be checked on this computer (not Windows); the poller reports it if the Windows PC "
            "has no terminal there.")


def validate_account(data: Mt5AccountInput) -> Document:
    """The stored form of ``data``, or a ValidationError naming every field to fix."""
    if isinstance(data.login, bool) or not isinstance(data.login, int) or data.login <= 0:
        raise ValidationError({"login": f"The MT5 login {data.login!r} must be a positive whole number."})
    server = Service.required_text(data.server, "server", "The trade server name")
    name = Service.required_text(data.name, "name", "The account name")
    try:
        policy_from_config(data.server_time)
    except ValueError as exc:
        raise ValidationError({"server_time": str(exc)}) from None
    try:
        currency = check_currency(data.currency)
        allocation = to_decimal(data.initial_allocation, "initial allocation")
    except MoneyError as exc:
        raise ValidationError({"initial_allocation": str(exc)}) from None
    if allocation < 0:
        raise ValidationError({"initial_allocation": "The initial allocation cannot be negative."})
    try:
        source = CapitalSource(data.capital_source)
    except ValueError:
        raise ValidationError({"capital_source": f"Capital source {data.capital_source!r} is not one of "
                                                 f"{', '.join(s.value for s in CapitalSource)}."}) from None
    fund_id = _optional_id(data.fund_id, "fund_id", "The fund")
    investor_account_id = _optional_id(data.investor_account_id, "investor_account_id", "The investor account")
    if fund_id and investor_account_id:
        raise ValidationError({"fund_id": "Map the account to a fund or to a managed investor account, not both."})
    return {
        "login": data.login, "server": server, "name": name, "currency": currency,
        "initial_allocation": allocation, "server_time": str(data.server_time).strip(),
        "terminal_path": check_terminal_path(data.terminal_path), "fund_id": fund_id,
        "investor_account_id": investor_account_id,
        "manager_user_id": _optional_id(data.manager_user_id, "manager_user_id", "The manager"),
        "capital_source": source.value, "alert_thresholds": _thresholds(data.alert_thresholds),
        "active": bool(data.active),
    }


class Mt5AccountService(Service):
    """Create, change and list MT5 accounts; keep their passwords in the keyring."""

    def __init__(self, ctx: ServiceContext, secrets: SecretStore) -> None:
        super().__init__(ctx)
        self.accounts = ctx.store.collection(ACCOUNTS)
        self.secrets = secrets

    def ensure_indexes(self) -> None:
        self.accounts.ensure_index(["login"], unique=True)
        self.accounts.ensure_index(["fund_id"])

    # -- reading ----------------------------------------------------------------------------
    def list(self, actor: Actor, *, active_only: bool = False) -> list[Mt5Account]:
        require(actor, Permission.MT5_READ)
        return self.all(active_only=active_only)

    def all(self, *, active_only: bool = False) -> builtins.list[Mt5Account]:  # ``list`` here is the method above
        """Every account, for the poller and demo builder (callers check permissions themselves)."""
        docs = self.accounts.find({"active": True} if active_only else None, sort=[("login", 1)])
        return [Mt5Account.from_doc(d) for d in docs]

    def get(self, actor: Actor, login: int) -> Mt5Account:
        require(actor, Permission.MT5_READ)
        return Mt5Account.from_doc(self._require(login))

    def has_password(self, login: int) -> bool:
        return self.secrets.get(password_name(login)) is not None

    def password(self, login: int) -> str | None:
        """The trading password for the poller (from the keyring; None when none was stored)."""
        return self.secrets.get(password_name(login))

    # -- changing ---------------------------------------------------------------------------
    def create(self, actor: Actor, data: Mt5AccountInput, password: str | None = None) -> Mt5Account:
        """Add an account; ``password`` (optional) goes to the keyring only after the record is stored."""
        doc = validate_account(data)

        def write(rec: ChangeRecorder) -> Document:
            try:
                stored = self.accounts.insert(doc)
            except DuplicateKey:
                raise ValidationError({"login": f"MT5 account {data.login} is already set up."}) from None
            rec.record("mt5_account.create", ACCOUNTS, stored["_id"], after=stored)
            return stored

        stored = self.change(actor, Permission.MT5_MANAGE, write)
        self._warn_unchecked(stored["terminal_path"])
        if password:
            self.set_password(actor, data.login, password)
        return Mt5Account.from_doc(stored)

    def update(self, actor: Actor, data: Mt5AccountInput, *, expected_version: int) -> Mt5Account:
        """Change an account (the login itself is the key and cannot change)."""
        doc = validate_account(data)

        def write(rec: ChangeRecorder) -> Document:
            before = self._require(data.login)
            after = self.accounts.update(before["_id"], doc, expected_version=expected_version)
            rec.record("mt5_account.update", ACCOUNTS, after["_id"], before=before, after=after)
            return after

        after = self.change(actor, Permission.MT5_MANAGE, write)
        self._warn_unchecked(after["terminal_path"])
        return Mt5Account.from_doc(after)

    def set_terminal_path(self, actor: Actor, login: int, path: str) -> Mt5Account:
        """Give ``login`` its own MT5 installation, or ``""`` to poll it on the shared terminal again (audited)."""
        checked = check_terminal_path(path)

        def write(rec: ChangeRecorder) -> Document:
            before = self._require(login)
            after = self.accounts.update(before["_id"], {"terminal_path": checked}, expected_version=before["version"])
            rec.record("mt5_account.set_terminal_path", ACCOUNTS, after["_id"], before=before, after=after)
            return after

        after = self.change(actor, Permission.MT5_MANAGE, write)
        self._warn_unchecked(checked)
        return Mt5Account.from_doc(after)

    def set_password(self, actor: Actor, login: int, password: str) -> None:
        """Store the trading password in the keyring; the audit entry says *that* it changed, never the value."""
        if not isinstance(password, str) or not password:
            raise ValidationError({"password": "The MT5 password is empty; type the account's trading password."})

        def write(rec: ChangeRecorder) -> None:
            doc = self._require(login)
            rec.record("mt5_account.set_password", ACCOUNTS, doc["_id"])
            # Inside the change, so a keyring failure keeps no audit entry; a change run again sets the same value.
            self.secrets.set(password_name(login), password)

        self.change(actor, Permission.MT5_MANAGE, write)

    @staticmethod
    def _warn_unchecked(path: str) -> None:
        warning = terminal_path_warning(path)
        if warning:
            log.warning(warning)

    def _require(self, login: int) -> Document:
        doc = self.accounts.find_one({"login": login})
        if doc is None:
            raise ValidationError({"login": f"No MT5 account {login} is set up; add it under Trading > Accounts."})
        return doc
