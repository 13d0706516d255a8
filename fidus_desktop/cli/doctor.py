"""Health checks for ``fidus doctor``: what is wrong and how to fix it.

Each feature lists its checks (``Feature.doctor``, ``"module:function"``); ``run_checks`` runs them all in
feature order. A check takes a ``DoctorInput`` and returns one ``Check``."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from fidus_desktop.bootstrap import db_password_name, mt5_available, open_context
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.secrets import SecretStore, keyring_status
from fidus_desktop.config.settings import Settings, SettingsError
from fidus_desktop.features.registry import doctor_checks, settings_schema
from fidus_desktop.features.spec import resolve
from fidus_desktop.services.audit_seal_keys import ENABLE
from fidus_desktop.services.diagnostics import CONNECTIONS_WARN, process_figures
from fidus_desktop.services.server_check import prove_server
from fidus_desktop.store.errors import DatabaseMissing, StorageError

MIN_FREE_BYTES = 500 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok" | "warn" | "fail"
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class DoctorInput:
    """What a check may look at: the per-user folders and the ``--db`` given (None: the configured one)."""

    paths: AppPaths
    db_uri: str | None


def check_settings(given: DoctorInput) -> Check:
    paths = given.paths
    try:
        Settings.load(paths.settings_file, settings_schema())
    except SettingsError as exc:
        return Check("settings", "fail", str(exc), f"Edit or rename {paths.settings_file}.")
    return Check("settings", "ok", f"{paths.settings_file}")


def check_database(given: DoctorInput) -> Check:
    try:
        ctx = open_context(given.db_uri, log_to_file=False, create=False)
    except SettingsError:
        return Check("database", "fail", "not checked: the settings file is not usable (see the settings check)")
    except DatabaseMissing as exc:
        return Check("database", "warn", str(exc), "Run `fidus init --admin-user NAME` or `fidus init --demo`.")
    except StorageError as exc:
        return Check("database", "fail", str(exc), "Check --db / FIDUS_DB / database.uri in the settings file.")
    try:
        ctx.store.ping()
        users = ctx.services.users.count()
        detail = "; ".join([f"{ctx.store.describe()}, {users} user(s)", *ctx.store.details()])
        if not ctx.store.supports_transactions:
            return Check(
                "database",
                "warn",
                detail + "; standalone MongoDB: multi-document changes are not atomic",
                "Run MongoDB as a replica set (even a single-node one) or use Atlas.",
            )
        if ctx.store.warnings():
            return Check(
                "database",
                "warn",
                "; ".join([detail, *ctx.store.warnings()]),
                "Remove the overridden options from the database URI; upgrade MongoDB to 5.0 or newer for "
                "point-in-time backups.",
            )
        if users == 0:
            return Check("database", "warn", detail, "Run `fidus init --admin-user NAME` or `fidus init --demo`.")
        return Check("database", "ok", detail)
    finally:
        ctx.close()


def check_process(given: DoctorInput) -> Check:
    """This process's memory, threads, handles and open database connections (the GUI's About box shows the
    same for the window, where a leak would grow)."""
    figures = process_figures(None)
    if (figures.database_connections or 0) > CONNECTIONS_WARN:
        return Check("process", "warn", figures.describe(),
                     "More database connections than threads need: send the log folder to support.")
    return Check("process", "ok", figures.describe())


def check_keyring(given: DoctorInput) -> Check:
    status = keyring_status()
    if status.usable:
        return Check("keyring", "ok", status.backend_name)
    return Check("keyring", "fail", status.problem or "no usable keyring", status.fix or "")


def check_audit_seals(given: DoctorInput) -> Check:
    """Whether the audit entries this workstation writes are sealed (``security.audit_seal``)."""
    try:
        ctx = open_context(given.db_uri, log_to_file=False, create=False)
    except (StorageError, SettingsError):
        return Check("audit seals", "warn", "not checked: the database is not usable (see the database check)")
    try:
        seal_keys = ctx.services.keys.seal_keys
        configured, current = seal_keys.configured(), seal_keys.current()
        retired = current is not None and seal_keys.retired(current.key_id)
    finally:
        ctx.close()
    if not configured:
        return Check("audit seals", "warn", "not configured: audit entries are not sealed", ENABLE)
    if current is None:
        return Check("audit seals", "warn", "this workstation writes unsealed audit entries (it holds neither the "
                     "office data key nor the audit seal key); `fidus audit verify` reports each of them",
                     "Enrol it: `fidus key enroll` (an administrator, with the office passphrase), or "
                     "`fidus key request-enrolment` and an administrator's approval, then `fidus key collect`.")
    if retired:
        return Check("audit seals", "warn", f"this workstation seals its audit entries with key {current.key_id}, "
                     "which a rotation retired; `fidus audit verify` warns about each such entry",
                     "Enrol it again: `fidus key request-enrolment` and an administrator's approval, then `fidus key "
                     "collect` (or `fidus key enroll` with the office passphrase).")
    return Check("audit seals", "ok", f"this workstation seals its audit entries (key {current.key_id})")


def check_mt5(given: DoctorInput) -> Check:
    ok, reason = mt5_available()
    if ok:
        return Check("mt5", "ok", "MetaTrader5 package available")
    return Check("mt5", "warn", reason, "Install on the Windows workstation running the MT5 terminal.")


def check_mt5_server_clocks(given: DoctorInput) -> Check:
    """Each account's server_time against the server clock the poller detected from the newest tick."""
    try:
        ctx = open_context(given.db_uri, log_to_file=False)
    except (StorageError, SettingsError):
        return Check("mt5 server time", "warn", "database unreachable (see the database check)")
    try:
        wrong = ctx.services.trading.sync.server_clock_mismatches()
    finally:
        ctx.close()
    if not wrong:
        return Check("mt5 server time", "ok", "no account's server_time disagrees with its server's clock")
    detail = "; ".join(f"{login}: server_time {check['policy']!r} says UTC{check['configured_minutes'] / 60:+g} h, "
                       f"the server's ticks say UTC{check['detected_minutes'] / 60:+g} h" for login, check in wrong)
    return Check("mt5 server time", "warn", detail,
                 "Correct server_time under Trading > Accounts (EET-NY, EET-EU, a fixed offset such as UTC+0); "
                 "deal times are stored shifted until then, no deal is lost.")


def check_google(given: DoctorInput) -> Check:
    """The office's OAuth client file (each user's own connection: ``fidus google status``)."""
    from fidus_desktop.services.crm.google import client_file_problem

    try:
        settings = Settings.load(given.paths.settings_file, settings_schema())
    except SettingsError:
        return Check("google", "warn", "settings file unreadable (see the settings check)")
    client_file = settings.get("google.oauth_client_file", "")
    if not client_file:
        return Check(
            "google",
            "warn",
            "not configured",
            "Set google.oauth_client_file in the settings file to the OAuth client JSON "
            "from the Google Cloud console.",
        )
    problem = client_file_problem(client_file)
    if problem:
        return Check("google", "fail", problem, "Fix google.oauth_client_file in the settings file.")
    return Check("google", "ok", f"OAuth client file {client_file}; connect with `fidus google connect`")


def check_disk(given: DoctorInput) -> Check:
    paths = given.paths
    target = paths.data_dir if paths.data_dir.exists() else paths.data_dir.anchor or "/"
    free = shutil.disk_usage(target).free
    if free < MIN_FREE_BYTES:
        return Check("disk", "warn", f"{free // 2**20} MB free for data and backups", "Free some disk space.")
    return Check("disk", "ok", f"{free // 2**30} GB free")


def run_checks(db_uri: str | None) -> list[Check]:
    given = DoctorInput(AppPaths.for_user(), db_uri)
    return [resolve(target)(given) for target in doctor_checks()]


def run_deep(uri: str) -> list[Check]:
    """``fidus doctor --deep URI``: prove a MongoDB server in throwaway databases (services/server_check.py)."""
    secrets = SecretStore()
    try:
        with tempfile.TemporaryDirectory(prefix="fidus-check-") as folder:
            findings = prove_server(
                uri, Path(folder), password_lookup=lambda user_host: secrets.get(db_password_name(user_host))
            )
    except StorageError as exc:
        return [Check("server", "fail", str(exc), "Check the URI, the stored password and that the server runs.")]
    return [Check(f.name, "ok" if f.ok else "fail", f.detail) for f in findings]
