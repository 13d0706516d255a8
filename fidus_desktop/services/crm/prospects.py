"""Prospects: people or organisations the office hopes to win, their stage, duplicates and conversion.

A prospect's name, e-mail, phone and notes are personal data (declared in ``CRM_PERSONAL_DATA`` for
data-protection export and erasure, like investors'); its duplicate keys (``email_key``, ``phone_key``,
``name_key``: ``domain.crm.matching``) are kept beside them so a check needs one indexed query per key, and
are erased with them. Audit entries name the personal fields set, never their values.

Creating or importing a prospect that shares a key with another prospect or an investor is refused with the
matches (``DuplicatesFound``) unless the user chose to go on; ``merge`` folds a duplicate into the prospect
kept, with its stage log. Every stage move is logged (``crm_stage_changes``: from, to, when, who, seconds in
the previous stage) and audited; Lost needs a reason from the pipeline's list. ``convert`` turns a Won
prospect into an investor once: a second call, from this workstation or another, returns the same investor
(the prospect's ``investor_id`` is set in the same transaction that creates the investor, and its version
check refuses a concurrent second conversion).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.countries import is_country
from fidus_desktop.domain.crm.funnel import (
    ColumnTotal,
    CurrencyTotal,
    StageFigures,
    column_total,
    outcome_counts,
    stage_figures,
    weighted_totals,
)
from fidus_desktop.domain.crm.matching import Candidate, DuplicateMatch, MatchKeys, find_duplicates, phone_problem
from fidus_desktop.domain.crm.stages import PipelineError, Stage, StageChange, StageKind, check_move, stage_change
from fidus_desktop.domain.fx import FxError
from fidus_desktop.domain.money import Money, check_currency
from fidus_desktop.services import sequences
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.stages import StageService
from fidus_desktop.services.permissions import require
from fidus_desktop.services.personal_data import PersonalDataRegistry, PersonCollection
from fidus_desktop.services.portfolio._common import parse_date, parse_decimal
from fidus_desktop.services.portfolio.fx import FxService
from fidus_desktop.services.portfolio.investors import InvestorService
from fidus_desktop.store.port import Document

PROSPECTS = "crm_prospects"
STAGE_CHANGES = "crm_stage_changes"
ACTIVITIES = "crm_activities"  # follow-ups (services.crm.activities): in the prospect's data-protection export
KINDS = ("person", "organisation")
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "notes", "email_key", "phone_key", "name_key")
CRM_PERSONAL_DATA = PersonalDataRegistry(
    people=[PersonCollection(PROSPECTS, "_id", PERSONAL_FIELDS, dependents=(
        # Google (services/crm/google.py): queued e-mails and uploads, mail read from Gmail, the Drive folder link.
        ("crm_outbox", "party_id"), ("crm_mail", "party_id"), ("crm_mail_state", "party_id"),
        ("crm_google_links", "party_id"))),
            # its stage log and activities go with it in an export; an erasure blanks their free text
            PersonCollection(STAGE_CHANGES, "prospect_id", ("note",)),
            PersonCollection(ACTIVITIES, "prospect_id", ("title", "notes", "outcome"))])
GOOGLE_RECORDS = ("crm_outbox", "crm_mail", "crm_google_links")  # keyed by party_id (services/crm/google.py)
SORTABLE = frozenset({"name_key", "organisation", "stage", "expected_amount", "currency", "owner", "next_follow_up",
                      "source", "country", "investor_id", "created_at"})
MAX_PAGE = 1000
BOARD_CARDS = 100  # cards a board column shows; the List shows every prospect, a page at a time
TEXT_FIELDS = {"first_name": 100, "last_name": 100, "organisation": 200, "job_title": 100, "email": 254,
               "phone": 40, "language": 20, "source": 100, "owner": 100, "agent_code": 40, "next_step": 500,
               "notes": 5000}


class DuplicatesFound(ValidationError):
    """The prospect matches existing records; ``matches`` says which and by what."""

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        self.matches = matches
        listed = "; ".join(f"{m.candidate.kind} {m.candidate.label} (same {', '.join(m.fields)})" for m in matches)
        super().__init__({"": f"This looks like a record that exists: {listed}. Merge it, or go on to keep both."})


@dataclass(frozen=True)
class Prospect:
    prospect_id: str
    kind: str
    first_name: str | None
    last_name: str | None
    organisation: str | None
    email: str | None
    phone: str | None
    country: str | None
    source: str | None
    owner: str | None
    expected_amount: Decimal | None
    currency: str | None
    expected_close: date | None
    next_follow_up: date | None
    stage: str
    investor_id: str | None
    version: int

    @property
    def display_name(self) -> str:
        person = " ".join(p for p in (self.first_name, self.last_name) if p)
        return person or self.organisation or "(no name)"

    def overdue(self, today: date) -> bool:
        """A follow-up day in the past on a prospect still in play (a converted one needs none)."""
        return self.next_follow_up is not None and self.next_follow_up < today and not self.investor_id

    @classmethod
    def from_doc(cls, doc: Document) -> Prospect:
        return cls(doc["_id"], doc["kind"], doc.get("first_name"), doc.get("last_name"), doc.get("organisation"),
                   doc.get("email"), doc.get("phone"), doc.get("country"), doc.get("source"), doc.get("owner"),
                   doc.get("expected_amount"), doc.get("currency"), doc.get("expected_close"),
                   doc.get("next_follow_up"), doc["stage"], doc.get("investor_id"), doc["version"])


@dataclass(frozen=True)
class StageMove:
    prospect_id: str
    from_stage: str | None
    to_stage: str
    at: datetime
    by: str
    seconds_in_previous: int | None
    reason: str | None
    note: str | None


@dataclass(frozen=True)
class BoardColumn:
    """One stage of the board: its prospects, their expected amounts per currency (total and weighted), and
    the same in the office's base currency at today's rate (``in_base.unconverted``: amounts with no rate)."""

    stage: Stage
    prospects: tuple[Prospect, ...]  # the first ``cards`` of the stage: soonest follow-up first, then oldest
    totals: tuple[CurrencyTotal, ...]
    in_base: ColumnTotal
    count: int  # every prospect in the stage (more than ``prospects`` holds when the column is cut)


@dataclass(frozen=True)
class Funnel:
    """Conversion per stage (``domain.crm.funnel`` says how each figure is defined) and the outcomes:
    prospects now lost by their reason, and now won by their source."""

    stages: tuple[StageFigures, ...]
    lost_by_reason: dict[str, int]
    won_by_source: dict[str, int]


class ProspectService(Service):
    def __init__(self, ctx: ServiceContext, stages: StageService, investors: InvestorService,
                 fx: FxService | None = None, base_currency: str = "EUR") -> None:
        super().__init__(ctx)
        self.stages = stages
        self.investors = investors
        self.fx, self.base_currency = fx, str(base_currency or "").strip().upper()  # checked when used
        self.prospects = ctx.store.collection(PROSPECTS)
        self.changes = ctx.store.collection(STAGE_CHANGES)
        # (prospect id, investor id) → None, run inside the conversion's transaction: what else follows the
        # prospect to its investor (its activities)
        self.on_convert: builtins.list[Callable[[str, str], object]] = []
        # (duplicate id, kept id) → None, inside a merge's transaction: re-point what belongs to the duplicate
        self.on_merge: builtins.list[Callable[[str, str], object]] = []

    def ensure_indexes(self) -> None:
        for key in ("email_key", "phone_key", "name_key"):
            self.prospects.ensure_index([key])
        self.prospects.ensure_index(["stage", "next_follow_up"])
        self.prospects.ensure_index(["investor_id"])
        for field in ("created_at", "owner", "source", "country", "next_follow_up"):
            self.prospects.ensure_index([field])
        self.changes.ensure_index(["prospect_id", "at"])
        sequences.ensure_indexes(self.store)

    # -- reading ----------------------------------------------------------------------------------------------
    def get(self, actor: Actor, prospect_id: str) -> Prospect:
        require(actor, CrmPermission.READ)
        return Prospect.from_doc(self._require(prospect_id))

    def list(self, actor: Actor, *, stage: str | None = None, owner: str | None = None, source: str | None = None,
             country: str | None = None, overdue_on: date | None = None) -> builtins.list[Prospect]:
        """Prospects oldest first; each filter given narrows the list (``overdue_on``: a follow-up before that
        day on a prospect not yet converted)."""
        require(actor, CrmPermission.READ)
        query = self._query(stage=stage, owner=owner, source=source, country=country, overdue_on=overdue_on)
        return [Prospect.from_doc(d) for d in self.prospects.find(query, sort=[("created_at", 1), ("_id", 1)])]

    def count(self, actor: Actor, filters: Mapping[str, Any]) -> int:
        """How many prospects ``page`` can show for ``filters`` (the keywords of ``list``)."""
        require(actor, CrmPermission.READ)
        return self.prospects.count(self._query(**filters))

    def page(self, actor: Actor, filters: Mapping[str, Any], sort: Sequence[tuple[str, int]] | None, offset: int,
             limit: int) -> builtins.list[Prospect]:
        """One page of the list (the lazy table's), sorted by one of ``SORTABLE`` (default: oldest first);
        amounts sort by currency, then value."""
        require(actor, CrmPermission.READ)
        order: builtins.list[tuple[str, int]] = []
        for key, direction in sort or [("created_at", 1)]:
            if key not in SORTABLE or direction not in (1, -1):
                raise ValidationError({"sort": f"The list cannot be sorted by {key!r}."})
            order += [("currency", direction), (key, direction)] if key == "expected_amount" else [(key, direction)]
        if not 0 < limit <= MAX_PAGE or offset < 0:
            raise ValidationError({"limit": f"A page holds 1 to {MAX_PAGE} prospects."})
        docs = self.prospects.find(self._query(**filters), sort=[*order, ("_id", 1)], skip=offset, limit=limit)
        return [Prospect.from_doc(d) for d in docs]

    def _query(self, *, stage: str | None = None, owner: str | None = None, source: str | None = None,
               country: str | None = None, overdue_on: date | None = None) -> dict[str, Any]:
        query: dict[str, Any] = {"stage": self.stages.stage(stage).name} if stage else {}
        query.update({k: v for k, v in (("owner", owner), ("source", source), ("country", country)) if v})
        if overdue_on is not None:
            query.update({"next_follow_up": {"$lt": overdue_on}, "investor_id": None})
        return query

    def board(self, actor: Actor, *, cards: int = BOARD_CARDS) -> builtins.list[BoardColumn]:
        """The pipeline board: every stage in order with its first ``cards`` prospects (soonest follow-up first,
        then oldest) and, from one aggregate query over every prospect, its count and totals. Stages are only
        added or reordered, never removed, so every prospect has a column."""
        require(actor, CrmPermission.READ)
        try:
            check_currency(self.base_currency)
        except ValueError:
            raise ValidationError({"crm.base_currency": f"The setting crm.base_currency is {self.base_currency!r}, "
                                   "not a currency; set it to a three-letter code such as EUR."}) from None
        today = self.now().date()
        counts: dict[str, int] = {}
        sums: dict[str, dict[str, Decimal]] = {}
        for group in self.prospects.group_totals({}, ["stage", "currency"], "expected_amount"):
            stage_name, currency = group.key
            counts[stage_name] = counts.get(stage_name, 0) + group.count
            if currency and group.total:
                sums.setdefault(stage_name, {})[currency] = group.total
        columns = []
        for stage in self.stages.stages():
            mine = self._cards(stage.name, cards) if counts.get(stage.name) else []
            by_currency = sums.get(stage.name, {})
            in_base = column_total(stage, counts.get(stage.name, 0), by_currency, self.base_currency,
                                   lambda money, to: self._converted(money, to, today))
            columns.append(BoardColumn(stage, tuple(mine), weighted_totals(stage, by_currency), in_base,
                                       counts.get(stage.name, 0)))
        return columns

    def _cards(self, stage: str, limit: int) -> builtins.list[Prospect]:
        """A stage's first ``limit`` prospects: with a follow-up day, soonest first, then those without."""
        order = [("next_follow_up", 1), ("created_at", 1), ("_id", 1)]
        dated = self.prospects.find({"stage": stage, "next_follow_up": {"$ne": None}}, sort=order, limit=limit)
        rest = self.prospects.find({"stage": stage, "next_follow_up": None}, sort=order[1:],
                                   limit=limit - len(dated)) if len(dated) < limit else []
        return [Prospect.from_doc(d) for d in [*dated, *rest]]

    def filter_choices(self, actor: Actor) -> dict[str, builtins.list[str]]:
        """The owners, sources and countries in use (the list's filter choices), from grouping queries."""
        require(actor, CrmPermission.READ)
        return {name: sorted(str(g.key[0]) for g in self.prospects.group_totals({}, [name], "expected_amount")
                             if g.key[0])
                for name in ("owner", "source", "country")}

    def _converted(self, money: Money, to: str, on: date) -> Money | None:
        """``money`` in ``to`` at the FX service's rate for ``on``; None when there is no rate (shown as such)."""
        if money.currency == to:
            return money
        if self.fx is None:
            return None
        try:
            return self.fx.convert(money, to, on)[0]
        except FxError:
            return None

    def funnel(self, actor: Actor) -> Funnel:
        require(actor, CrmPermission.READ)
        stages = self.stages.stages()
        kind = {s.name: s.kind for s in stages}
        docs = self.prospects.find({}, projection=["_id", "stage", "lost_reason", "source"])
        changes = [StageChange(d["prospect_id"], d["from_stage"], d["to_stage"], d["at"], d["by"],
                               d.get("seconds_in_previous"), d.get("reason"), d.get("note"))
                   for d in self.changes.find({})]
        lost = [(d["_id"], d.get("lost_reason") or "(no reason)") for d in docs
                if kind.get(d["stage"]) is StageKind.LOST]
        won = [(d["_id"], d.get("source") or "(no source)") for d in docs if kind.get(d["stage"]) is StageKind.WON]
        return Funnel(tuple(stage_figures(stages, changes, {d["_id"]: d["stage"] for d in docs})),
                      outcome_counts(lost), outcome_counts(won))

    def history(self, actor: Actor, prospect_id: str) -> builtins.list[StageMove]:
        require(actor, CrmPermission.READ)
        return [StageMove(d["prospect_id"], d["from_stage"], d["to_stage"], d["at"], d["by"],
                          d.get("seconds_in_previous"), d.get("reason"), d.get("note"))
                for d in self.changes.find({"prospect_id": prospect_id}, sort=[("at", 1), ("_id", 1)])]

    # -- creating ---------------------------------------------------------------------------------------------
    def prospect_doc(self, values: Mapping[str, Any]) -> Document:
        """Validate every field (all problems at once, under their names) without writing."""
        problems: dict[str, str] = {}
        doc: Document = {}
        kind = str(values.get("kind") or ("organisation" if values.get("organisation") and not
                                          values.get("last_name") else "person")).strip().lower()
        if kind not in KINDS:
            problems["kind"] = f"{kind!r} is not a prospect kind; use person or organisation."
        doc["kind"] = kind
        for name, limit in TEXT_FIELDS.items():
            raw = values.get(name)
            text = str(raw).strip() if raw not in (None, "") else None
            if text is not None and len(text) > limit:
                problems[name] = f"{name.replace('_', ' ').capitalize()} is longer than {limit} characters."
            doc[name] = text
        if not (doc["last_name"] or doc["organisation"]):
            problems["last_name"] = "Give a last name or an organisation."
        country = str(values.get("country") or "").strip().upper() or None
        if country is not None and (len(country) != 2 or not country.isalpha()):
            problems["country"] = f"{country!r} is not a two-letter country code such as DE or GB."
        doc["country"] = country
        if doc["email"] and ("@" not in doc["email"] or " " in doc["email"]):
            problems["email"] = f"{doc['email']!r} is not an e-mail address."
        if doc["phone"]:
            problem = phone_problem(doc["phone"], country)
            if problem:
                problems["phone"] = problem
        self._money(values, doc, problems)
        today = self.now().date()
        for name in ("expected_close", "next_follow_up"):
            try:
                doc[name] = parse_date(values[name], name, name.replace("_", " ").capitalize(), today=today) \
                    if values.get(name) not in (None, "") else None
            except ValidationError as exc:
                problems.update(exc.problems)
        try:
            stage = self.stages.stage(values["stage"]) if values.get("stage") else self.stages.first_open()
            if stage.kind is not StageKind.OPEN:
                problems["stage"] = f"A new prospect starts in an open stage, not {stage.name}; move it later."
            doc["stage"] = stage.name
        except ValidationError as exc:
            problems.update(exc.problems)
        if problems:
            raise ValidationError(problems)
        keys = self._keys(doc)
        doc.update({"email_key": keys.email, "phone_key": keys.phone, "name_key": keys.name})
        return doc

    @staticmethod
    def _money(values: Mapping[str, Any], doc: Document, problems: dict[str, str]) -> None:
        amount, currency = values.get("expected_amount"), str(values.get("currency") or "").strip().upper() or None
        doc["expected_amount"], doc["currency"] = None, currency
        if amount in (None, ""):
            return
        try:
            doc["expected_amount"] = parse_decimal(amount, "expected_amount", "The expected amount", positive=True)
        except ValidationError as exc:
            problems.update(exc.problems)
        try:
            doc["currency"] = check_currency(currency or "")
        except ValueError:
            problems["currency"] = "An expected amount needs its currency (a three-letter code such as EUR)."

    @staticmethod
    def _keys(doc: Document) -> MatchKeys:
        person = " ".join(p for p in (doc.get("first_name"), doc.get("last_name")) if p)
        return MatchKeys.of(display_name=person or doc.get("organisation"), organisation=doc.get("organisation"),
                            email=doc.get("email"), phone=doc.get("phone"), country=doc.get("country"))

    def duplicates(self, doc: Document, exclude: tuple[str, ...] = ()) -> builtins.list[DuplicateMatch]:
        """Prospects sharing a key with ``doc`` (one indexed query per key) and investors with its e-mail or
        name."""
        keys = self._keys(doc)
        found: dict[str, Document] = {}
        for field, value in keys.items():
            for other in self.prospects.find({f"{field}_key": value}, limit=20):
                found[other["_id"]] = other
        candidates = [Candidate("prospect", d["_id"], Prospect.from_doc(d).display_name, self._keys(d))
                      for d in found.values()]
        candidates += [Candidate("investor", inv.investor_id, f"{inv.name} ({inv.number})",
                                 MatchKeys.of(display_name=inv.name, organisation=None, email=inv.email, phone=None,
                                              country=None))
                       for inv in self.investors.matching(email=keys.email, name=doc.get("organisation")
                                                          or " ".join(p for p in (doc.get("first_name"),
                                                                                  doc.get("last_name")) if p))]
        return find_duplicates(keys, candidates, exclude=exclude)

    def create(self, actor: Actor, values: Mapping[str, Any], *, allow_duplicates: bool = False) -> Prospect:
        require(actor, CrmPermission.MANAGE)
        doc = self.prospect_doc(values)
        matches = self.duplicates(doc)
        if matches and not allow_duplicates:
            raise DuplicatesFound(matches)
        now = self.now()
        doc.update({"investor_id": None, "stage_entered_at": now, "created_at": now, "created_by": actor.username,
                    "updated_at": now})
        doc["owner"] = doc["owner"] or actor.username

        def write(rec: ChangeRecorder) -> Document:
            stored = self.prospects.insert(doc)
            self._log(stage_change(stored["_id"], None, doc["stage"], now, actor.username, None))
            rec.record("crm.prospect_create", "crm_prospect", stored["_id"], after=_audit_image(stored))
            return stored

        stored = self.change(actor, CrmPermission.MANAGE, write)
        return Prospect.from_doc(stored)

    # -- moving through the pipeline --------------------------------------------------------------------------
    def move(self, actor: Actor, prospect_id: str, stage: str, *, reason: str | None = None,
             note: str | None = None, version: int | None = None) -> Prospect:
        target = self.stages.stage(stage)
        if reason and target.kind is StageKind.LOST and reason not in self.stages.lost_reasons():
            raise ValidationError({"reason": f"{reason!r} is not a lost reason; choose one of "
                                             f"{', '.join(self.stages.lost_reasons())}."})

        def write(rec: ChangeRecorder) -> Document:
            before = self._require(prospect_id)
            current = next((s for s in self.stages.stages() if s.name == before["stage"]), None)
            try:
                check_move(current, target, reason=reason, converted=bool(before.get("investor_id")))
            except PipelineError as exc:
                raise ValidationError({"stage": str(exc)}) from None
            now = self.now()
            lost = target.kind is StageKind.LOST
            after = self.prospects.update(prospect_id, {
                "stage": target.name, "stage_entered_at": now, "updated_at": now,
                "lost_reason": reason if lost else None, "lost_note": (note or None) if lost else None},
                expected_version=before["version"] if version is None else version)
            self._log(stage_change(prospect_id, before["stage"], target.name, now, actor.username,
                                   before.get("stage_entered_at"), reason, note))
            rec.record("crm.prospect_move", "crm_prospect", prospect_id,
                       before={"stage": before["stage"]}, after={"stage": target.name, "reason": reason})
            return after

        after = self.change(actor, CrmPermission.MANAGE, write)
        return Prospect.from_doc(after)

    def convert(self, actor: Actor, prospect_id: str) -> str:
        """The investor a Won prospect became (created on the first call only)."""
        require(actor, CrmPermission.MANAGE)

        def write(rec: ChangeRecorder) -> str:
            before = self._require(prospect_id)
            if before.get("investor_id"):
                return str(before["investor_id"])
            if self.stages.stage(before["stage"]).kind is not StageKind.WON:
                raise ValidationError({"stage": f"Only a won prospect becomes an investor; it is in {before['stage']}. "
                                                "Move it to a won stage first."})
            prospect = Prospect.from_doc(before)
            number = self._next_investor_number()
            person = prospect.kind != "organisation"
            lives_in = prospect.country if person and prospect.country and is_country(prospect.country) else None
            investor = self.investors.create_investor(  # a person's CRM country is where it lives
                actor, number, prospect.display_name, "individual" if person else "corporate",
                email=prospect.email, residence_country=lives_in)
            self.prospects.update(prospect_id, {"investor_id": investor.investor_id, "updated_at": self.now()},
                                  expected_version=before["version"])
            for follow in self.on_convert:
                follow(prospect_id, investor.investor_id)
            rec.record("crm.prospect_convert", "crm_prospect", prospect_id,
                       after={"investor_id": investor.investor_id, "number": number})
            return investor.investor_id

        return self.change(actor, CrmPermission.MANAGE, write)

    def export_rows(self, actor: Actor) -> builtins.list[dict[str, Any]]:
        """Every prospect with every field under the import file's column names (so a file exported here reads
        like one to import), plus its id, stage, lost reason and investor id; oldest first."""
        require(actor, CrmPermission.READ)
        fields = ("kind", *TEXT_FIELDS, "country", "expected_amount", "currency", "expected_close", "next_follow_up",
                  "stage", "lost_reason", "investor_id", "created_at")
        return [{"id": d["_id"], **{f: d.get(f) for f in fields}}
                for d in self.prospects.find({}, sort=[("created_at", 1), ("_id", 1)])]

    # -- duplicates and merging ---------------------------------------------------------------------------------
    def duplicate_groups(self, actor: Actor) -> builtins.list[builtins.list[Prospect]]:
        """Prospects that share an e-mail, phone or name key with another prospect, in groups (oldest first
        in each): what a user may want to merge."""
        require(actor, CrmPermission.READ)
        docs = self.prospects.find({}, sort=[("created_at", 1), ("_id", 1)])
        parent = {d["_id"]: d["_id"] for d in docs}

        def root(doc_id: str) -> str:
            while parent[doc_id] != doc_id:
                doc_id = parent[doc_id]
            return doc_id

        first_with: dict[tuple[str, str], str] = {}
        for doc in docs:
            for key in ("email_key", "phone_key", "name_key"):
                if doc.get(key):
                    other = first_with.setdefault((key, doc[key]), doc["_id"])
                    parent[root(doc["_id"])] = root(other)
        groups: dict[str, builtins.list[Prospect]] = {}
        for doc in docs:
            groups.setdefault(root(doc["_id"]), []).append(Prospect.from_doc(doc))
        return [group for group in groups.values() if len(group) > 1]

    def merge(self, actor: Actor, keep_id: str, duplicate_id: str) -> Prospect:
        """Fold ``duplicate_id`` into ``keep_id``: the kept prospect's empty fields take the duplicate's values,
        the duplicate's stage log and activities move to it, and the duplicate is removed; one transaction,
        audited (field names, never values)."""
        if keep_id == duplicate_id:
            raise ValidationError({"duplicate": "Choose two different prospects to merge."})

        def write(rec: ChangeRecorder) -> Document:
            keep, duplicate = self._require(keep_id), self._require(duplicate_id)
            if duplicate.get("investor_id"):
                raise ValidationError({"duplicate": f"{Prospect.from_doc(duplicate).display_name} became an "
                                                    "investor; merge the other prospect into it instead."})
            if any(self.store.collection(name).count({"party_id": duplicate_id}) for name in GOOGLE_RECORDS):
                raise ValidationError({"duplicate": f"{Prospect.from_doc(duplicate).display_name} has Google e-mails, "
                                                    "meetings or a Drive folder, which a merge would not carry over; "
                                                    "merge the other prospect into it instead."})
            filled = {k: duplicate[k] for k in (*TEXT_FIELDS, "country", "expected_amount", "currency",
                                                "expected_close", "next_follow_up")
                      if keep.get(k) in (None, "") and duplicate.get(k) not in (None, "")}
            if "expected_amount" in filled and keep.get("currency") and not filled.get("currency"):
                del filled["expected_amount"]  # an amount only goes with its own currency
            merged = {**keep, **filled}
            keys = self._keys(merged)
            changes = {**filled, "email_key": keys.email, "phone_key": keys.phone, "name_key": keys.name,
                       "updated_at": self.now()}
            after = self.prospects.update(keep_id, changes, expected_version=keep["version"])
            for change in self.changes.find({"prospect_id": duplicate_id}):
                self.changes.update(change["_id"], {"prospect_id": keep_id, "merged_from": duplicate_id},
                                    expected_version=change["version"])
            for follow in self.on_merge:
                follow(duplicate_id, keep_id)
            self.prospects.delete(duplicate_id, expected_version=duplicate["version"])
            rec.record("crm.prospect_merge", "crm_prospect", keep_id, before={"merged": duplicate_id},
                       after={"kept": keep_id, "filled": sorted(filled)})
            return after

        after = self.change(actor, CrmPermission.MANAGE, write)
        return Prospect.from_doc(after)

    def _next_investor_number(self) -> str:
        while True:
            number = f"INV-{sequences.next_number(self.store, 'investor_number'):05d}"
            if not self.investors.investors.find_one({"number": number}):
                return number

    def _log(self, change: Any) -> None:
        self.changes.insert({"prospect_id": change.prospect_id, "from_stage": change.from_stage,
                             "to_stage": change.to_stage, "at": change.at, "by": change.by,
                             "seconds_in_previous": change.seconds_in_previous, "reason": change.reason,
                             "note": change.note})

    def _require(self, prospect_id: str) -> Document:
        doc = self.prospects.get(prospect_id) if prospect_id else None
        if doc is None:
            raise ValidationError({"prospect": f"There is no prospect {prospect_id!r}; see `fidus crm prospects "
                                               "list` for the ids."})
        return doc


def _audit_image(doc: Document) -> Document:
    """``doc`` without personal values (the audit chain would outlive an erasure), naming the fields set."""
    kept = {k: v for k, v in doc.items() if k not in PERSONAL_FIELDS}
    return {**kept, "personal": sorted(k for k in PERSONAL_FIELDS if doc.get(k) is not None)}
