"""Screening investors and typed names against the current list versions, and the alerts that follow.

The index (``domain.compliance.screening.ScreeningIndex``) is built from the stored entries of the current
version of every list and kept while that set of versions is current, so a new import is picked up by the
next screening without a restart.

An investor is screened with its name, kind (individual → person, corporate → organisation), nationalities
or a company's country of incorporation (country evidence: one shared with the entry raises the score, only
others listed lower it) and date of
birth when one is on file and this workstation holds the data key (the alert says when it could not be
read). Every entity in a corporate investor's ownership tree (``kyc_ownership``) is screened with it by
name, a person as a person and a company as an organisation (the matcher's entity-kind factor), with the
country entered for it as country evidence: their alerts
carry the ``owner`` they are about, besides the investor, and are decided the same way.

Alerts (one per investor and list entry while undecided) keep the hit's explanation. Dispositions:

- ``needs_information``: the alert stays open, marked as waiting for documents;
- ``true_match`` and ``false_positive``: proposed by one officer, then confirmed by another (maker ≠ checker,
  enforced here); the second officer may instead send the alert back to open.

A confirmed decision is remembered for that investor (or owner) and that list entry: the same hit is not raised
again until the investor's screened data (name, kind, country evidence, date of birth) or the list entry changes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from fidus_desktop.domain.compliance.lists import EntityKind
from fidus_desktop.domain.compliance.screening import DEFAULT_THRESHOLD, Hit, ScreeningIndex, Subject
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.compliance.lists import ImportResult, ListService, ListVersion
from fidus_desktop.services.compliance.ownership import OWNERSHIP
from fidus_desktop.services.compliance.permissions import ScreeningPermission
from fidus_desktop.services.permissions import PermissionDenied, allowed, require
from fidus_desktop.services.personal_data import KYC_RETENTION, Locked, PersonCollection, Retention, Vault
from fidus_desktop.services.portfolio.investors import INVESTORS, Investor, country_of, nationalities_of
from fidus_desktop.store.port import Document

ALERTS = "screening_alerts"
RETRIED = "the next screening run retries it"
ALERT_PERSONAL_DATA = PersonCollection(
    ALERTS, "investor_id", ("explanation", "pairs", "owner"),
    Retention(KYC_RETENTION.years_setting, KYC_RETENTION.default_years, KYC_RETENTION.ends_field,
              owner=(INVESTORS, "investor_id")))
"""An alert's explanation pairs the investor's name words with the list's: personal data, kept as long as
the investor's KYC file."""

KINDS = {"individual": EntityKind.PERSON, "corporate": EntityKind.ORGANISATION}


class AlertStatus(StrEnum):
    OPEN = "open"
    NEEDS_INFORMATION = "needs_information"
    AWAITING_SECOND_OFFICER = "awaiting_second_officer"
    CLOSED = "closed"


class Disposition(StrEnum):
    TRUE_MATCH = "true_match"
    FALSE_POSITIVE = "false_positive"
    NEEDS_INFORMATION = "needs_information"


FOUR_EYES = (Disposition.TRUE_MATCH, Disposition.FALSE_POSITIVE)


@dataclass(frozen=True)
class Alert:
    alert_id: str
    investor_id: str
    investor_number: str
    list_name: str
    entry_id: str
    matched_name: str
    score: Decimal
    explanation: str
    status: AlertStatus
    raised_at: datetime
    version: int
    proposed: Disposition | None = None
    proposed_by: str | None = None
    disposition: Disposition | None = None
    decided_by: str | None = None
    history: tuple[dict, ...] = field(default_factory=tuple)
    entry_removed: str | None = None  # "ofac-sdn import of 2024-06-01": the entry is no longer listed
    owner: str = ""  # the beneficial owner the hit is about; "" when it is about the investor itself
    owner_kind: str = ""  # the owner's entity kind: "person" or "organisation" ("" for the investor, or older)

    @classmethod
    def from_doc(cls, doc: Document) -> Alert:
        proposed, final = doc.get("proposed"), doc.get("disposition")
        return cls(doc["_id"], doc["investor_id"], doc["investor_number"], doc["list_name"], doc["entry_id"],
                   doc["matched_name"], doc["score"], doc["explanation"], AlertStatus(doc["status"]),
                   doc["raised_at"], doc["version"], Disposition(proposed) if proposed else None,
                   doc.get("proposed_by"), Disposition(final) if final else None, doc.get("decided_by"),
                   tuple(doc.get("history", [])), doc.get("entry_removed"), doc.get("owner") or "",
                   doc.get("owner_kind") or ("person" if doc.get("owner") else ""))

    @property
    def subject(self) -> str:
        """Whom the alert is about, for lists: the investor's number, and the owner when it is one."""
        return f"{self.investor_number} (owner {self.owner})" if self.owner else self.investor_number

    @property
    def is_open(self) -> bool:
        return self.status is not AlertStatus.CLOSED


@dataclass(frozen=True)
class CheckResult:
    subject: Subject
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class InvestorScreening:
    investor_id: str
    number: str
    hits: int
    raised: tuple[str, ...]  # new alert ids
    refreshed: tuple[str, ...]  # undecided alerts whose hit was updated
    remembered: int  # hits a confirmed decision already covers
    note: str = ""  # e.g. the date of birth could not be read here


@dataclass(frozen=True)
class RunSummary:
    screened: int
    hits: int
    raised: int
    remembered: int
    open_alerts: int
    list_versions: tuple[str, ...]
    cancelled: bool = False  # stopped between two investors: those screened are complete, the rest untouched


def stored_score(value: float) -> Decimal:
    """Scores are stored as exact four-place decimals (the store keeps no binary floats)."""
    return Decimal(str(round(value, 4)))


def subject_fingerprint(doc: Document) -> str:
    """What the investor's screening depends on: name, kind, (by its blind index) date of birth and the
    country evidence (only when some is on file, so investors without one keep their earlier fingerprint)."""
    parts = [doc["name"].casefold(), doc["kind"], doc.get("date_of_birth_bi") or ""]
    if countries := screened_countries(doc):
        parts.append(",".join(sorted(countries)))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def screened_countries(doc: Document) -> tuple[str, ...]:
    """The investor's country evidence for screening: an individual's nationalities (not the residence: lists
    name citizenship, and living somewhere says little about who one is), a company's country of incorporation."""
    if doc.get("kind") == "corporate":
        return tuple(filter(None, [country_of(doc, "incorporation_country")]))
    return nationalities_of(doc)


def owner_fingerprint(owner: str, kind: str = "person", country: str | None = None) -> str:
    """What an owner's screening depends on: the name as entered in the ownership tree, its kind and its
    country (only when one is entered, so owners without one keep their earlier fingerprint)."""
    return hashlib.sha256("\x1f".join([owner.casefold(), kind, *([country] if country else [])]).encode()).hexdigest()


@dataclass(frozen=True)
class _Screened:
    """One name screened for an investor: the investor itself (owner None) or a person in its ownership tree."""

    owner: str | None
    subject: Subject
    fingerprint: str
    note: str


class ScreeningService(Service):
    def __init__(self, ctx: ServiceContext, lists: ListService, vault: Vault) -> None:
        super().__init__(ctx)
        self.lists = lists
        self.vault = vault
        self.alerts = ctx.store.collection(ALERTS)
        self.investors = ctx.store.collection(INVESTORS)
        self.ownership = ctx.store.collection(OWNERSHIP)
        self._lock = threading.Lock()
        self._cached: tuple[tuple[str, ...], ScreeningIndex] | None = None

    def ensure_indexes(self) -> None:
        self.alerts.ensure_index(["investor_id", "list_name", "entry_id"])
        self.alerts.ensure_index(["status", "raised_at"])

    # -- the index -----------------------------------------------------------------------------------
    def index(self) -> tuple[tuple[str, ...], ScreeningIndex]:
        """The index of the current list versions (built once per set of versions) and their ids."""
        current = tuple(self.lists.current_ids())
        if not current:
            raise ValidationError("No sanctions list has been imported yet: import one first, e.g. "
                                  "`fidus screening lists import ofac sdn.csv`.")
        with self._lock:
            if self._cached is None or self._cached[0] != current:
                self._cached = (current, ScreeningIndex(self.lists.entries_of(list(current))))
            return self._cached

    # -- typed names ---------------------------------------------------------------------------------
    def check(self, actor: Actor, subjects: Sequence[Subject], threshold: float = DEFAULT_THRESHOLD
              ) -> list[CheckResult]:
        """Screen names an analyst typed or loaded (a prospect list); nothing is stored but the audit entry."""
        require(actor, ScreeningPermission.READ)
        if not 0 < threshold <= 1:
            raise ValidationError({"threshold": f"The threshold is a score from 0 to 1 (e.g. {DEFAULT_THRESHOLD}), "
                                                f"not {threshold}."})
        if not subjects:
            raise ValidationError({"names": "Give at least one name to check."})
        versions, index = self.index()
        results = [CheckResult(s, tuple(index.screen(s, threshold))) for s in subjects]

        def write(rec: ChangeRecorder) -> None:
            rec.record("screening.check", "screening_check", versions[0],
                       after={"names": len(subjects), "threshold": stored_score(threshold),
                              "list_versions": list(versions), "with_hits": sum(1 for r in results if r.hits)})

        self.change(actor, ScreeningPermission.READ, write)
        return results

    # -- investors -----------------------------------------------------------------------------------
    def _subject(self, doc: Document) -> tuple[Subject, str]:
        born: date | None = None
        note = ""
        if doc.get("date_of_birth"):
            opened = self.vault.open_token(doc["date_of_birth"], "investor.date_of_birth")
            if isinstance(opened, Locked):
                note = "date of birth on file but not readable on this workstation (no data key): not used"
            else:
                born = date.fromisoformat(opened)
        return Subject(doc["name"], KINDS.get(doc["kind"]), born, screened_countries(doc)), note

    def screen_investor(self, actor: Actor, investor_id: str) -> InvestorScreening:
        require(actor, ScreeningPermission.RUN)
        _, index = self.index()
        return self._screen(actor, self.investors.require(investor_id), index)

    def on_ownership_saved(self, investor_id: str) -> InvestorScreening | None:
        """Screen an investor and the people in its ownership tree just saved (wired by the feature); like
        ``on_investor_saved``, a failure is logged and the next run retries. None: no list imported yet."""
        if not self.lists.current_ids():
            return None
        with self.follow_up(f"Screening the owners of investor {investor_id}", RETRIED):
            _, index = self.index()
            return self._screen(Actor.system("screening on ownership change"), self.investors.require(investor_id),
                                index)
        return None

    def run(self, actor: Actor, *, progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> RunSummary:
        """Screen every investor against the current versions (the daily run, or after an import).

        ``progress(done, total)`` is told after each investor; when ``cancelled()`` turns true the run stops
        before the next one. Each investor's alerts are written in one transaction, so a stopped run leaves
        every investor either fully screened or untouched, and its audit entry says it was cancelled."""
        require(actor, ScreeningPermission.RUN)
        versions, index = self.index()
        investors = self.investors.find(sort=[("number", 1)])
        trees = {d["investor_id"]: d for d in self.ownership.find()}  # one read for the run, not one per investor
        done: list[InvestorScreening] = []
        stopped = False
        for doc in investors:
            if cancelled is not None and cancelled():
                stopped = True
                break
            done.append(self._screen(actor, doc, index, trees.get(doc["_id"], {})))
            if progress is not None:
                progress(len(done), len(investors))

        def write(rec: ChangeRecorder) -> RunSummary:
            summary = RunSummary(len(done), sum(d.hits for d in done), sum(len(d.raised) for d in done),
                                 sum(d.remembered for d in done), self.open_count(actor), versions, stopped)
            rec.record("screening.run", "screening_run", versions[0],
                       after={k: v for k, v in summary.__dict__.items() if k != "list_versions"}
                       | {"list_versions": list(versions)})
            return summary

        return self.change(actor, ScreeningPermission.RUN, write)

    def import_list(self, actor: Actor, format: str, data: bytes, file_name: str, *,
                    progress: Callable[[int, int], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> tuple[ImportResult, RunSummary | None]:
        """Import a list file as a new version, then screen every investor against the new current versions
        (hits a confirmed decision covers and undecided alerts are not raised again, so only new or changed
        entries bring new alerts). Nothing is screened when the file was already imported or there is no
        investor. The run acts as the importer when they may run screening, else as the system.

        ``cancelled()`` stops the import before it writes (``ImportCancelled``, nothing stored) or, once the
        version is stored, the screening between two investors (the next run screens the rest)."""
        result = self.lists.import_file(actor, format, data, file_name, cancelled)
        if not result.already_imported:
            self._flag_removed(result.version)
        if result.already_imported or self.investors.count() == 0:
            return result, None
        runner = actor if allowed(actor.role, ScreeningPermission.RUN) else Actor.system("screening after import")
        return result, self.run(runner, progress=progress, cancelled=cancelled)

    def _flag_removed(self, version: ListVersion) -> int:
        """Mark every alert (open or decided) on an entry this version no longer lists: the listing was lifted
        or the entry renumbered, so an officer reviews it (a confirmed true match still counts until then)."""
        if not version.removed:
            return 0
        found = self.alerts.find({"list_name": version.list_name, "entry_id": {"$in": list(version.removed)}})
        if not found:
            return 0
        label = f"{version.list_name} import of {version.imported_at:%Y-%m-%d}"
        actor = Actor.system("list entry removed")

        def write(rec: ChangeRecorder) -> int:
            current = self.alerts.find({"_id": {"$in": [doc["_id"] for doc in found]}})  # as they are now
            for doc in current:
                step = {"by": actor.username, "at": self.now(), "action": "entry_removed",
                        "reason": f"entry {doc['entry_id']} is not in the {label}: review the alert"}
                self.alerts.update(doc["_id"], {"entry_removed": label, "history": [*doc["history"], step]},
                                   expected_version=doc["version"])
                rec.record("screening.entry_removed", "screening_alert", doc["_id"],
                           after={"entry_id": doc["entry_id"], "list_version": version.version_id})
            return len(current)

        return self.change(actor, ScreeningPermission.RUN, write)

    def on_investor_saved(self, investor: Investor) -> None:
        """Screen an investor just created or edited (wired to the investor service by the feature); with no
        list imported there is nothing to screen against. The investor is already saved, so a failure here is
        logged, not raised: the next ``run`` screens the investor again."""
        if not self.lists.current_ids():
            return
        with self.follow_up(f"Screening investor {investor.number} after a change", RETRIED):
            _, index = self.index()
            self._screen(Actor.system("screening on investor change"),
                         self.investors.require(investor.investor_id), index)

    def _screened(self, doc: Document, tree: Document | None) -> list[_Screened]:
        """The investor, then every entity named in its ownership tree (once each): people as persons, companies
        as organisations; ``tree`` None: read it here."""
        subject, note = self._subject(doc)
        found = [_Screened(None, subject, subject_fingerprint(doc), note)]
        if tree is None:
            tree = self.ownership.find_one({"investor_id": doc["_id"]}) or {}
        rows = tree.get("holdings")
        rows = rows if isinstance(rows, list) else []  # pseudonymised once the retention period has passed
        entities = dict.fromkeys([(r["owner"], r.get("kind") or "person") for r in rows]
                                 + [(r["company"], "company") for r in rows if r["company"] != doc["name"]])
        countries = {r["owner"]: r["country"] for r in rows if r.get("country")}
        for name, kind in entities:
            as_kind = EntityKind.PERSON if kind == "person" else EntityKind.ORGANISATION
            country = countries.get(name)
            found.append(_Screened(name, Subject(name, as_kind, countries=(country,) if country else ()),
                                   owner_fingerprint(name, as_kind.value, country), ""))
        return found

    def _screen(self, actor: Actor, doc: Document, index: ScreeningIndex, tree: Document | None = None
                ) -> InvestorScreening:
        screened = [(s, index.screen(s.subject)) for s in self._screened(doc, tree)]
        count = sum(len(hits) for _, hits in screened)
        note = screened[0][0].note
        if not count:  # nothing to write: no transaction
            return InvestorScreening(doc["_id"], doc["number"], 0, (), (), 0, note)

        def write(rec: ChangeRecorder) -> InvestorScreening:
            raised: list[str] = []  # counted inside: a retried change starts again from nothing
            refreshed: list[str] = []
            remembered = 0
            for name, hits in screened:
                for hit in hits:
                    outcome = self._alert_for(rec, actor, doc, name, hit)
                    if outcome == "remembered":
                        remembered += 1
                    elif outcome is not None:
                        (raised if outcome[0] == "raised" else refreshed).append(outcome[1])
            return InvestorScreening(doc["_id"], doc["number"], count, tuple(raised), tuple(refreshed), remembered,
                                     note)

        return self.change(actor, ScreeningPermission.RUN, write)

    def _alert_for(self, rec: ChangeRecorder, actor: Actor, doc: Document, name: _Screened, hit: Hit
                   ) -> tuple[str, str] | str | None:
        """Raise, refresh or leave the alert of one hit: ("raised" | "refreshed", id), "remembered" (a confirmed
        decision covers it) or None (an undecided alert already says it)."""
        entry_fingerprint = hit.entry.fingerprint()
        known = self.alerts.find({"investor_id": doc["_id"], "owner": name.owner, "list_name": hit.entry.list_name,
                                  "entry_id": hit.entry.entry_id}, sort=[("raised_at", -1)])
        fields = self._hit_fields(hit, name, doc)
        pending = next((a for a in known if a["status"] != AlertStatus.CLOSED), None)
        if pending is not None:
            if pending["entry_fingerprint"] != entry_fingerprint or pending["score"] != stored_score(hit.score):
                after = self.alerts.update(pending["_id"], fields, expected_version=pending["version"])
                rec.record("screening.alert_refresh", "screening_alert", pending["_id"],
                           before={"score": pending["score"]}, after={"score": after["score"]})
                return "refreshed", pending["_id"]
            return None
        if any(a["subject_fingerprint"] == name.fingerprint and a["entry_fingerprint"] == entry_fingerprint
               for a in known):
            return "remembered"
        stored = self.alerts.insert({
            "investor_id": doc["_id"], "investor_number": doc["number"], "owner": name.owner,
            "owner_kind": name.subject.kind.value if name.owner and name.subject.kind else None,
            "list_name": hit.entry.list_name, "entry_id": hit.entry.entry_id, "status": AlertStatus.OPEN.value,
            "raised_at": self.now(), "raised_by": actor.username, "history": [], **fields})
        rec.record("screening.alert_raise", "screening_alert", stored["_id"],
                   after={"investor_id": doc["_id"], "owner": name.owner is not None,
                          "list_name": hit.entry.list_name, "entry_id": hit.entry.entry_id,
                          "score": stored_score(hit.score)})
        return "raised", stored["_id"]

    @staticmethod
    def _hit_fields(hit: Hit, name: _Screened, doc: Document) -> Document:
        about = f"Owner {name.owner} of {doc['number']} {doc['name']}: " if name.owner else ""
        fingerprint, note = name.fingerprint, name.note
        return {"matched_name": hit.matched_name, "score": stored_score(hit.score),
                "name_score": stored_score(hit.name_score),
                "explanation": about + hit.explanation() + (f"; {note}" if note else ""),
                "pairs": [[p.query, p.listed, stored_score(p.similarity)] for p in hit.pairs],
                "factors": list(hit.factors), "programmes": list(hit.entry.programmes),
                "entry_fingerprint": hit.entry.fingerprint(), "subject_fingerprint": fingerprint}

    # -- alerts --------------------------------------------------------------------------------------
    def list_alerts(self, actor: Actor, *, open_only: bool = False, investor_id: str | None = None) -> list[Alert]:
        require(actor, ScreeningPermission.READ)
        query: Document = {"status": {"$ne": AlertStatus.CLOSED.value}} if open_only else {}
        if investor_id:
            query["investor_id"] = investor_id
        return [Alert.from_doc(d) for d in self.alerts.find(query, sort=[("raised_at", 1)])]

    def alert(self, actor: Actor, alert_id: str) -> Alert:
        require(actor, ScreeningPermission.READ)
        doc = self.alerts.get(alert_id.strip())
        if doc is None:
            raise ValidationError({"alert": f"No alert {alert_id}; list them with `fidus screening alerts`."})
        return Alert.from_doc(doc)

    def open_count(self, actor: Actor, investor_id: str | None = None) -> int:
        require(actor, ScreeningPermission.READ)
        query: Document = {"status": {"$ne": AlertStatus.CLOSED.value}}
        if investor_id:
            query["investor_id"] = investor_id
        return self.alerts.count(query)

    def decide(self, actor: Actor, alert_id: str, version: int, disposition: Disposition | str, reason: str
               ) -> Alert:
        """Record a disposition: ``needs_information`` at once; a true match or false positive waits for a
        second officer (``confirm``)."""
        choice = self._disposition(disposition)
        why = self.required_text(reason, "reason", "The reason", max_length=2000)

        def write(rec: ChangeRecorder) -> Document:
            before = self.alerts.require(alert_id)
            if before["status"] in (AlertStatus.CLOSED, AlertStatus.AWAITING_SECOND_OFFICER):
                raise ValidationError({"alert": f"The alert is {before['status'].replace('_', ' ')}; "
                                                "it cannot be decided again."})
            step = {"by": actor.username, "at": self.now(), "action": choice.value, "reason": why}
            if choice in FOUR_EYES:
                changes = {"status": AlertStatus.AWAITING_SECOND_OFFICER.value, "proposed": choice.value,
                           "proposed_by": actor.username, "proposed_by_id": actor.user_id}
            else:
                changes = {"status": AlertStatus.NEEDS_INFORMATION.value}
            after = self.alerts.update(alert_id, {**changes, "history": [*before["history"], step]},
                                       expected_version=version)
            rec.record("screening.alert_decide", "screening_alert", alert_id,
                       before={"status": before["status"]}, after={"status": after["status"], **step})
            return after

        after = self.change(actor, ScreeningPermission.DECIDE, write)
        return Alert.from_doc(after)

    def confirm(self, actor: Actor, alert_id: str, version: int, agree: bool, reason: str) -> Alert:
        """The second officer confirms the proposed disposition (the alert closes) or sends it back to open."""
        why = self.required_text(reason, "reason", "The reason", max_length=2000)

        def write(rec: ChangeRecorder) -> Document:
            before = self.alerts.require(alert_id)
            if before["status"] != AlertStatus.AWAITING_SECOND_OFFICER:
                raise ValidationError({"alert": "Only an alert awaiting a second officer can be confirmed; this one "
                                                f"is {before['status'].replace('_', ' ')}."})
            if before["proposed_by_id"] == actor.user_id:
                raise PermissionDenied(f"{actor.username} proposed this disposition; a second officer must confirm "
                                       "it (four eyes).")
            step = {"by": actor.username, "at": self.now(), "action": "confirm" if agree else "send_back",
                    "reason": why}
            changes = ({"status": AlertStatus.CLOSED.value, "disposition": before["proposed"],
                        "decided_by": actor.username, "decided_at": self.now()} if agree
                       else {"status": AlertStatus.OPEN.value, "proposed": None, "proposed_by": None,
                             "proposed_by_id": None})
            after = self.alerts.update(alert_id, {**changes, "history": [*before["history"], step]},
                                       expected_version=version)
            rec.record("screening.alert_confirm", "screening_alert", alert_id,
                       before={"status": before["status"], "proposed": before["proposed"]},
                       after={"status": after["status"], **step})
            return after

        after = self.change(actor, ScreeningPermission.DECIDE, write)
        return Alert.from_doc(after)

    @staticmethod
    def _disposition(value: Disposition | str) -> Disposition:
        try:
            return Disposition(value)
        except ValueError:
            raise ValidationError({"disposition": f"{value!r} is not a disposition; use one of "
                                                  f"{', '.join(d.value for d in Disposition)}."}) from None

