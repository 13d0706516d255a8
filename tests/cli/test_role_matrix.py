"""Every ``fidus`` command as every role: never a traceback, refusals are exit 2 naming the exact permission that
is missing, each command checks exactly the permissions listed in ``REQUIRED``, and the least privileged role
(client) succeeds only at the commands every user may run.

The command list comes from the parser itself, so a new command is covered (and must get arguments below, or
the test says which one is missing).
"""

from __future__ import annotations

import argparse
import sys
from enum import StrEnum
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from fidus_desktop.cli import main
from fidus_desktop.cli.main import build_parser
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security import passwords
from fidus_desktop.services import permissions
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.envelopes import SignerInput
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from tests.support.cli_policy import admins_without_mfa
from tests.support.cost import CHEAP_KDF
from tests.support.portfolio_office import ADMIN, D2, PM, PM2, Office, build_office

PASSWORD = "correct horse battery staple 42"

# Plausible arguments per command; {tmp} is a scratch folder, {data} the tests' data folder.
ARGS: dict[str, list[str]] = {
    "login": [], "logout": [], "password change": ["--new-password-env", "NEW_PW"], "mfa enrol": ["--json"],
    "mfa confirm": ["--otp-env", "CODE"], "audit verify": [], "audit anchor": ["--out", "{tmp}/anchor.json"],
    "audit export": ["--out", "{tmp}/audit.csv"], "backup create": ["--out", "{tmp}/b.fidusbak",
                                                                   "--passphrase-env", "BACKUP"],
    "backup verify": ["{tmp}/none.fidusbak", "--passphrase-env", "BACKUP"],
    "backup restore": ["{tmp}/none.fidusbak", "--into", "sqlite:///{tmp}/restored.db", "--passphrase-env", "BACKUP"],
    "backup request-restore": ["{tmp}/none.fidusbak", "--reason", "wrong import", "--passphrase-env", "BACKUP"],
    "backup restore-requests": [], "backup approve-restore": ["00000000-0000-7000-8000-000000000000"],
    "backup reject-restore": ["00000000-0000-7000-8000-000000000000", "--reason", "not needed"],
    "version": [], "init": ["--demo"], "doctor": [], "config set-db-password": ["fidus@db.example", "--password-env",
                                                                                 "NEW_PW"],
    "documents attach": ["--investor", "INV-1", "{data}/README.md"], "documents list": ["--investor", "INV-1"],
    "documents get": ["00000000-0000-7000-8000-000000000000", "--out", "{tmp}/doc.bin"],
    "investors list": [], "investors show": ["INV-1"],
    "investors create": ["--number", "INV-77", "--name", "Ann Smith", "--kind", "individual", "--nationality", "FR"],
    "investors edit": ["INV-1", "--nationality", "DE"], "investors set-personal": ["INV-1", "--tax-id", "env:TAX"],
    "investors end-relationship": ["INV-1", "--on", "2020-06-30"], "investors find": ["--tax-id", "env:TAX"],
    "key init": ["--passphrase-env", "OFFICE"], "key enroll": ["--passphrase-env", "OFFICE"],
    "key rotate": ["--passphrase-env", "OFFICE"], "key status": [], "key request-enrolment": [], "key collect": [],
    "key enrolments": [], "key approve-enrolment": ["00000000-0000-7000-8000-000000000000", "--fingerprint", "0000"],
    "key reject-enrolment": ["00000000-0000-7000-8000-000000000000", "--reason", "unknown computer"],
    "mt5 status": [], "mt5 accounts": [],
    "mt5 exposure": ["12345"], "mt5 sync": ["--once", "--simulated", "7"], "mt5 reconcile": [],
    "mt5 record": ["--login", "12345", "--days", "1", "--out", "{tmp}/record.json", "--simulated", "7"],
    "funds list": [],
    "dealing list": [], "dealing approve": ["T-APPROVE"], "dealing settle": ["T-SETTLE"],
    "dealing cancel": ["T-CANCEL", "--reason", "entered twice"],
    "funds set-benchmark": ["--class", "GLB-A-EUR", "--benchmark", "MSCI-W"],
    "import fx": ["{data}/ecb-sample.xml"], "import nav": ["{data}/portfolio/nav-example.csv"],
    "import transactions": ["{data}/portfolio/transactions-example.csv"],
    "import benchmark": ["{data}/portfolio/benchmark-example.csv", "--code", "IDX", "--name", "Index",
                         "--currency", "EUR"],
    "import trades": ["{data}/portfolio/trades-example.csv"],
    "nav derive": ["--fund", "GLB", "--date", "2023-01-05"], "fees owed": ["--class", "GLB-A-EUR"],
    "fees pay": ["--class", "GLB-A-EUR", "--amount", "1.00", "--date", "2023-01-05", "--reference", "R-1"],
    "holdings show": ["--fund", "GLB", "--date", "2023-01-05"],
    "holdings instrument": ["--code", "EQ-X", "--name", "X", "--currency", "USD", "--asset-class", "equity"],
    "holdings price": ["--instrument", "EQ-REAL", "--date", "2023-01-05", "--price", "1"],
    "holdings trade": ["--fund", "GLB", "--instrument", "EQ-REAL", "--reference", "T-1", "--date", "2023-01-05",
                       "--quantity", "1", "--price", "1"],
    "perf": ["--class", "GLB-A-EUR"], "privacy export": ["--person", "INV-1", "--out", "{tmp}/privacy"],
    "privacy erase": ["--person", "INV-1", "--yes"],
    "report statement": ["--investor", "INV-1", "--period", "2023-Q1", "--out", "{tmp}/s.pdf"],
    "report factsheet": ["--fund", "GLB", "--out", "{tmp}/f.pdf"],
    "report statements": ["--period", "2023-Q1", "--out-dir", "{tmp}/statements"],
    "user add": ["newcomer", "--role", "client", "--new-password-env", "NEW_PW"], "user list": [],
    "user disable": ["bo"], "user enable": ["bo"], "user unlock": ["bo"],
    "user reset-password": ["bo", "--new-password-env", "NEW_PW"], "user set-role": ["bo", "back_office"],
    "crm prospects list": [], "crm prospects import": ["{tmp}/none.csv"],
    "crm move": ["00000000-0000-7000-8000-000000000000", "--stage", "Won"],
    "crm convert": ["00000000-0000-7000-8000-000000000000"],
    "crm activities list": ["--prospect", "00000000-0000-7000-8000-000000000000"],
    "crm activities add": ["00000000-0000-7000-8000-000000000000", "--kind", "call"],
    "crm activities done": ["00000000-0000-7000-8000-000000000000"],
    "crm activities snooze": ["00000000-0000-7000-8000-000000000000", "--until", "2031-01-01"],
    "crm activities cancel": ["00000000-0000-7000-8000-000000000000"], "crm my-day": [],
    "crm agents list": [], "crm agents add": ["AG-9", "--name", "Nine"], "crm agents rate": ["AG-9", "0.05"],
    "crm agents introduce": ["AG-9", "INV-1"], "crm commissions": ["--period", "2023-Q1"],
    "crm chains list": [], "crm chains set": ["{tmp}/none.json"],
    "crm duplicates": [], "crm export": ["--out", "{tmp}/prospects.csv"],
    "crm merge": ["00000000-0000-7000-8000-000000000000", "00000000-0000-7000-8000-000000000001"],
    "crm outbox list": [], "crm outbox run": [], "crm outbox retry": ["00000000-0000-7000-8000-000000000000"],
    "crm outbox cancel": ["00000000-0000-7000-8000-000000000000"],
    "google connect": [], "google status": [], "google disconnect": [],
    "crm templates list": [], "crm templates save": ["Intro", "--subject", "Hello {{first_name}}"],
    "crm templates delete": ["Intro"],
    "crm email": ["00000000-0000-7000-8000-000000000000", "--subject", "Hello"],
    "crm meeting": ["00000000-0000-7000-8000-000000000000", "--title", "Intro", "--start", "2026-12-08T10:00"],
    "crm drive": ["00000000-0000-7000-8000-000000000000"],
    "screening lists import": ["ofac", "{tmp}/none.csv"], "screening check": ["--names", "{tmp}/none.txt"],
    "screening run": [], "screening alerts": [],
    "screening decide": ["{open_alert}", "false_positive", "--reason", "another person"],
    "screening confirm": ["{proposed_alert}", "--reason", "agreed"],
    "kyc status": [], "kyc open": ["INV-1"], "kyc item": ["INV-1", "identity", "received", "--expires", "2031-01-01"],
    "kyc risk": ["INV-1", "low", "--reason", "known client for years"], "kyc confirm-risk": ["INV-1"],
    "kyc submit": ["INV-1"], "kyc approve": ["INV-1"], "kyc reject": ["INV-1", "--reason", "unreadable scans"],
    "kyc lapse": [], "kyc owners show": ["INV-1"], "kyc owners set": ["INV-1", "{tmp}/none.csv"],
    "kyc readiness": [], "kyc agreement": ["INV-1", "--received", "2024-01-02"],
    "kyc override": ["INV-1", "--until", "2099-01-01", "--reason", "documents follow next week"],
    "kyc score": ["INV-1", "--residence", "FR", "--source-of-funds", "salary"], "kyc model show": [],
    "kyc model versions": [], "kyc report": ["--out", "{tmp}/kyc.pdf"],
    "kyc model export": ["--out", "{tmp}/model.json"],
    "kyc model import": ["{tmp}/model.json", "--reason", "reviewed yearly"],
    "kyc checklists show": ["individual"], "kyc checklists versions": ["corporate"],
    "kyc checklists set": ["individual", "{data}/kyc/checklist-individual.json", "--reason", "new fund"],
    "investigation open": ["--title", "Structuring", "--summary", "two deals", "--investor", "INV-1"],
    "investigation list": [], "investigation show": ["INQ-000001"], "investigation note": ["INQ-000001", "called"],
    "investigation attach": ["INQ-000001", "{data}/ecb-extract.csv"], "investigation link": ["INQ-000001"],
    "investigation start": ["INQ-000001"],
    "investigation close": ["INQ-000001", "--outcome", "no_suspicion", "--reason", "explained"],
    "investigation confirm-close": ["INQ-000001"], "investigation reopen": ["INQ-000001", "--reason", "new deal"],
    "investigation sar": ["INQ-000001", "--out", "{tmp}/sar.pdf"],
    "kyc model countries": ["FATF call for action", "--as-of", "2025-02-21", "--codes", "IR,KP,MM,RU",
                            "--reason", "plenary"],
    "sign office-certificate create": ["--name", "Office signing", "--organisation", "Office"],
    "sign office-certificate import": ["{tmp}/none.p12"], "sign office-certificate show": [],
    "sign pdf": ["{tmp}/none.pdf", "--out", "{tmp}/signed.pdf", "--signer", "Someone"],
    "sign trust": ["{tmp}/none.pem"], "sign verify": ["{tmp}/none.pdf"],
    "sign envelopes": [], "sign certificate": ["000000000000", "--out", "{tmp}/certificate.pdf"],
    "sign envelope create": ["--template", "kyc_declaration", "--investor", "INV-1",
                             "--signer", "Ann Smith||investor|1"],
    "sign envelope show": ["000000000000"], "sign envelope send": ["{draft}"],
    "sign envelope remind": ["{sent}"], "sign envelope drive": ["000000000000"],
    "sign envelope sign": ["{sent}", "--signer", "{sent_signer}", "--typed", "Ann Smith", "--identity",
                           "Known client"],
    "sign envelope decline": ["{declined}", "--signer", "{declined_signer}", "--reason", "not now"],
    "sign envelope void": ["{draft}", "--reason", "wrong investor"],
    "sign envelope pdf": ["000000000000", "--out", "{tmp}/envelope.pdf"],
}
# What a client (own credentials, own accounts) may run: no business data, no one else's.
CLIENT_MAY = {"login", "logout", "password change", "mfa enrol", "version", "doctor", "key status",
              "config set-db-password", "investors list", "mt5 status",
              "report statements"}  # statements of their own accounts only (this client has none: 0 written)


# The permission(s) each command checks (services' ``require``, by the signed-in user) with the arguments above,
# across the five roles: a command that starts checking another permission, or stops checking one, fails here.
# Commands not listed check none with these arguments: they need no sign-in (version, doctor, init, backup
# verify, key status, mt5 status, config set-db-password, logout), refuse a missing file before signing in
# (backup restore|request-restore, crm prospects import, screening check|lists import, sign pdf|trust|verify|
# office-certificate import), or decide by the role without ``require`` (investors show, whose client branch
# refuses others' investors).
# Commands that act on one record get a real one in the state their action starts from (``records_to_act_on``),
# so they check the record look-up's reading permission and then the service's own: dealing approve (funds.read,
# dealing.approve), cancel of a pending deal and settle (dealing.enter), screening decide|confirm
# (screening.decide), funds set-benchmark (funds.manage), sign envelope send|remind (signing.envelopes),
# sign|decline (signing.sign; a signature completing the envelope also looks at Google Drive, crm.read), void
# (signing.void) and holdings price|trade of the instrument EQ-REAL (funds.read, funds.manage).
REQUIRED: dict[str, set[str]] = {
    "audit anchor": {"audit.read"}, "audit export": {"audit.read"}, "audit verify": {"audit.read"},
    "backup approve-restore": {"backup.approve_restore"}, "backup reject-restore": {"backup.approve_restore"},
    "backup restore-requests": {"backup.approve_restore"}, "backup create": {"backup.run"},
    "crm convert": {"crm.manage"}, "crm move": {"crm.manage"}, "crm prospects list": {"crm.read"},
    "dealing approve": {"dealing.approve", "funds.read"}, "dealing cancel": {"dealing.enter", "funds.read"},
    "dealing list": {"funds.read"}, "dealing settle": {"dealing.enter", "funds.read"},
    "funds set-benchmark": {"funds.manage"}, "documents attach": {"investors.manage"},
    "documents get": {"personal_data.read"}, "documents list": {"investors.read"}, "fees owed": {"funds.read"},
    "fees pay": {"fees.pay"}, "funds list": {"funds.read"}, "import benchmark": {"funds.manage"},
    "import fx": {"fx.manage"}, "import nav": {"nav.manage"}, "import transactions": {"dealing.enter"},
    "investors end-relationship": {"investors.manage"}, "investors find": {"personal_data.read"},
    "investors list": {"own_accounts.read"}, "investors set-personal": {"investors.manage"},
    "investors create": {"investors.manage"}, "investors edit": {"investors.manage"},
    "key approve-enrolment": {"keys.manage"}, "key collect": {"own_credentials.manage"}, "key enroll": {"keys.manage"},
    "key enrolments": {"keys.manage"}, "key init": {"keys.manage"}, "key reject-enrolment": {"keys.manage"},
    "key request-enrolment": {"own_credentials.manage"}, "key rotate": {"keys.manage"},
    "kyc approve": {"kyc.approve", "kyc.read"}, "kyc confirm-risk": {"kyc.approve", "kyc.read"},
    "kyc item": {"kyc.manage", "kyc.read"}, "kyc lapse": {"kyc.manage"}, "kyc open": {"kyc.manage", "kyc.read"},
    "kyc reject": {"kyc.approve", "kyc.read"}, "kyc risk": {"kyc.manage", "kyc.read"},
    "kyc submit": {"kyc.manage", "kyc.read"}, "login": {"own_credentials.manage"},
    "mfa confirm": {"own_credentials.manage"}, "mfa enrol": {"own_credentials.manage"},
    "password change": {"own_credentials.manage"}, "mt5 accounts": {"mt5.read"}, "mt5 exposure": {"mt5.read"},
    "mt5 reconcile": {"mt5.reconcile"}, "mt5 record": {"mt5.manage", "mt5.read"}, "mt5 sync": {"mt5.sync"},
    "nav derive": {"funds.read"}, "perf": {"funds.read"}, "holdings show": {"funds.read"},
    "holdings instrument": {"funds.manage"}, "holdings price": {"funds.manage", "funds.read"},
    "holdings trade": {"funds.manage", "funds.read"}, "import trades": {"funds.manage"},
    "privacy erase": {"personal_data.erase"},
    "privacy export": {"personal_data.export"}, "report factsheet": {"funds.read", "reports.run"},
    "report statement": {"own_accounts.read"}, "report statements": {"own_accounts.read"},
    "screening alerts": {"screening.read"}, "screening confirm": {"screening.decide", "screening.read"},
    "screening decide": {"screening.decide", "screening.read"}, "screening run": {"screening.read", "screening.run"},
    "sign office-certificate create": {"signing.certificate"}, "sign office-certificate show": {"signing.verify"},
    **{f"user {action}": {"users.manage"} for action in ("add", "disable", "enable", "list", "reset-password",
                                                          "set-role", "unlock")},
    **{f"crm {action}": {"crm.google"} for action in ("drive", "email", "meeting", "outbox cancel", "outbox retry",
                                                        "outbox run")},
    **{f"crm {action}": {"crm.manage"} for action in ("activities cancel", "activities done", "activities snooze",
                                                        "agents add", "agents introduce", "agents rate", "merge")},
    **{f"crm {action}": {"crm.read"} for action in ("activities list", "agents list", "chains list", "duplicates",
                                                      "export", "my-day")},
    "crm activities add": {"crm.manage", "crm.read"}, "crm commissions": {"crm.read", "funds.read"},
    "investigation attach": {"investigations.manage", "investigations.read"},
    "investigation close": {"investigations.manage", "investigations.read"},
    "investigation confirm-close": {"investigations.manage", "investigations.read"},
    "investigation link": {"investigations.manage", "investigations.read"},
    "investigation list": {"investigations.read"},
    "investigation note": {"investigations.manage", "investigations.read"},
    "investigation open": {"investigations.manage"},
    "investigation reopen": {"investigations.manage", "investigations.read"},
    "investigation sar": {"investigations.manage", "investigations.read"},
    "investigation show": {"investigations.read"},
    "investigation start": {"investigations.manage", "investigations.read"},
    "kyc agreement": {"kyc.manage", "kyc.read"},
    "kyc checklists set": {"kyc.checklist"},
    "kyc checklists show": {"kyc.read"},
    "kyc checklists versions": {"kyc.read"},
    "kyc model countries": {"kyc.model", "kyc.read"},
    "kyc model export": {"kyc.read"},
    "kyc model import": {"kyc.model", "kyc.read"},
    "kyc model show": {"kyc.read"},
    "kyc model versions": {"kyc.read"},
    "kyc override": {"kyc.read"},
    "kyc readiness": {"investors.read"},
    "kyc report": {"kyc.read", "screening.read"},
    "kyc score": {"kyc.manage", "kyc.read"},
    "kyc status": {"investors.read", "kyc.read"},
    "kyc owners show": {"kyc.read"},
    "sign envelope drive": {"signing.read"},
    "crm outbox list": {"crm.read"}, "crm templates list": {"crm.read"}, "crm templates save": {"crm.manage"},
    "crm templates delete": {"crm.manage"}, "google connect": {"crm.google"}, "google disconnect": {"crm.google"},
    "google status": {"crm.read"}, "sign certificate": {"signing.read"}, "sign envelopes": {"signing.read"},
    "sign envelope create": {"signing.envelopes"},
    **{f"sign envelope {action}": {"signing.read"} for action in ("pdf", "show")},
    "sign envelope send": {"signing.envelopes", "signing.read"},
    "sign envelope remind": {"signing.envelopes", "signing.read"},
    "sign envelope sign": {"crm.read", "signing.read", "signing.sign"},
    "sign envelope decline": {"signing.read", "signing.sign"}, "sign envelope void": {"signing.read", "signing.void"},
}
CHECKED: dict[str, dict[str, set[str]]] = {}  # role → command → permissions required during its run


def record_requires(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ``require`` a signed-in user's call makes from now on (the system's own sign-in bookkeeping not)."""
    seen: list[str] = []
    original = permissions.require

    def recording(actor: Actor, permission: StrEnum) -> None:
        if actor.user_id != "system":
            seen.append(str(permission))
        original(actor, permission)

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("fidus_desktop") and getattr(module, "require", None) is original:
            monkeypatch.setattr(module, "require", recording)
    return seen


def commands() -> list[str]:
    def leaves(parser: argparse.ArgumentParser, prefix: list[str]) -> list[str]:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            return [" ".join(prefix)]
        return [leaf for name, sub in subs[0].choices.items() for leaf in leaves(sub, [*prefix, name])]

    return leaves(build_parser(), [])


def test_every_command_has_arguments_here() -> None:
    assert sorted(set(commands()) - set(ARGS)) == []


# Two entries of the real OFAC SDN list (2024-05-03), so that two investors raise screening alerts.
SDN_LINES = (
    '3754,"ABU MARZOOK, Mousa Mohammed","individual","SDGT","Political Leader in Amman, Jordan and Damascus, Syria '
    'for HAMAS",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 09 Feb 1951; POB Gaza, Egypt; Political Leader in Amman, Jordan '
    'and Damascus, Syria for HAMAS; a.k.a. \'ABU-\'UMAR\'."\n'
    '35096,"PUTIN, Vladimir Vladimirovich","individual","RUSSIA-EO14024","President of the Russian Federation",-0- ,'
    '-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 07 Oct 1952; POB Leningrad, Russia; President of the Russian Federation."\n')
OFFICER = Actor("u-olga", "olga", Role.COMPLIANCE_OFFICER, workstation="test")


def records_to_act_on(office: Office) -> dict[str, str]:
    """The records the commands that act on one record name (``{name}`` in ``ARGS``), in the states their
    actions start from, so that every role's run gets past the look-up to the service's own ``require``:
    pending and approved deals, an open and a proposed screening alert, a benchmark, a draft envelope and two
    sent ones (their documents are sealed: the office gets a data key, this workstation is enrolled)."""
    services, p = office.services, office.p
    KeyService(services.ctx, SecretStore(), kdf=CHEAP_KDF).init(ADMIN, "office safe combination 7")
    for ref in ("T-APPROVE", "T-CANCEL", "T-SETTLE"):
        p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.bob.investor_id, D2, D2,
                                               D2, amount="1000", ref=ref))
    settle = p.dealing.by_ref(PM, "T-SETTLE")
    assert settle is not None
    p.dealing.approve(PM2, settle.transaction_id, settle.version)
    p.benchmarks.import_levels(PM, "date,level\n2023-01-02,100\n", "MSCI-W", "World index", "EUR")
    p.holdings.add_instrument(PM, "EQ-REAL", "Euro equity", "EUR", "equity")  # holdings price|trade
    services.screening_lists.import_file(ADMIN, "ofac", SDN_LINES.encode(), "sdn.csv")
    alerts = []
    for number, name in (("INV-3", "Musa Mohamed Abu Marzuk"), ("INV-4", "Vladimir Putin")):
        investor = p.investors.create_investor(ADMIN, number, name, "individual")
        [alert] = services.screening.list_alerts(OFFICER, open_only=True, investor_id=investor.investor_id)
        alerts.append(alert)
    services.screening.decide(OFFICER, alerts[1].alert_id, alerts[1].version, "false_positive", "born elsewhere")
    envelopes = services.envelopes
    made = [envelopes.create_from_template(PM, "kyc_declaration", office.ann.investor_id,
                                           [SignerInput("Ann Smith", "ann@example.com", "investor")])
            for _ in range(3)]
    sent = [envelopes.send(PM, e.envelope_id, e.version) for e in made[1:]]
    return {"open_alert": alerts[0].alert_id, "proposed_alert": alerts[1].alert_id,
            "draft": made[0].reference, "sent": sent[0].reference, "sent_signer": sent[0].signers[0].key,
            "declined": sent[1].reference, "declined_signer": sent[1].signers[0].key}


@pytest.fixture
def office_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], dict[str, str]]:
    monkeypatch.setattr(passwords, "DEFAULT_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    office = build_office(tmp_path)
    records = records_to_act_on(office)
    users = office.services.users
    for role in Role:
        users.create_user(ADMIN, {"back_office": "bo"}.get(role.value, role.value.replace("_", "")), PASSWORD,
                          role.value)
    office.services.ctx.store.close()
    admins_without_mfa()
    settings_roles = []  # no role requires MFA here: the matrix is about permissions, sign-in has its own tests
    from fidus_desktop.config.paths import AppPaths
    from fidus_desktop.config.settings import Settings

    settings = Settings.load(AppPaths.for_user().settings_file)
    settings.set("security.mfa_required_roles", settings_roles)
    settings.save()
    for var, value in (("FIDUS_PASSWORD", PASSWORD), ("NEW_PW", "violet kettle under moonlight"),
                       ("BACKUP", "blue ledger on the shelf"), ("OFFICE", "office safe combination 7"),
                       ("TAX", "T-1"), ("CODE", "000000")):
        monkeypatch.setenv(var, value)
    monkeypatch.delenv("FIDUS_USER", raising=False)
    return ["--db", f"sqlite:///{(tmp_path / 't.db').as_posix()}"], records


def username(role: Role) -> str:
    return {"back_office": "bo"}.get(role.value, role.value.replace("_", ""))


@pytest.mark.slow
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_command_as_every_role(role: Role, office_db: tuple[list[str], dict[str, str]], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = Path(__file__).resolve().parents[1] / "data"
    db, records = office_db
    outcomes: dict[str, int] = {}
    seen = record_requires(monkeypatch)
    checked = CHECKED.setdefault(role.value, {})
    for command in sorted(commands(), key=lambda c: c == "password change"):  # it changes the password: last
        if command in ("init", "user disable", "user reset-password", "user set-role") and role is Role.ADMIN:
            continue  # would change the office under the rest of the run; covered by tests/cli/test_user_commands
        args = [a.format(tmp=tmp_path.as_posix(), data=data.as_posix(), **records) for a in ARGS[command]]
        argv = [*db, *command.split(), *args]
        if "--user" not in argv and command not in ("version", "init", "doctor", "logout",
                                                      "config set-db-password", "backup verify", "key status",
                                                      "mt5 status"):
            argv += ["--user", username(role)]
        capsys.readouterr()
        seen.clear()
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors only
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err, (command, captured.err)
        assert code in (0, 1, 2), (command, code)
        if "may not" in captured.err:
            assert code == 2, command
            lacking = [p for p in seen if not permissions.allowed(role, p)]
            if lacking:  # a refusal by the service names the exact permission missing
                assert f"may not {lacking[-1].replace('.', ': ')}" in captured.err, (command, captured.err)
        checked[command] = set(seen)
        outcomes[command] = code
    succeeded = {c for c, code in outcomes.items() if code == 0}
    if role is Role.CLIENT:
        assert succeeded <= CLIENT_MAY, sorted(succeeded - CLIENT_MAY)
    if role is Role.ADMIN:  # the arguments above are good ones: the office's administrator gets real work done
        assert {"user list", "funds list", "audit verify", "backup create", "report factsheet"} <= succeeded
    if len(CHECKED) == len(Role):  # the last role: which permission each command checks, across all five
        union: dict[str, set[str]] = {}
        for runs in CHECKED.values():
            for command, found in runs.items():
                union.setdefault(command, set()).update(found)
        assert {c: p for c, p in union.items() if p} == REQUIRED, "REQUIRED should now be:\n" + "\n".join(
            f"    {c!r}: {sorted(p)}," for c, p in sorted(union.items()) if p)
