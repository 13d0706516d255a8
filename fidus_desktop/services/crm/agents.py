"""Referral agents (introducers the office pays), the clients they introduced, and their commission statements.

An agent (``crm_agents``) has a code, a name, contact details and a commission rate (default 10 % of the
interest paid to the clients they introduced; ``domain.crm.commissions``). An introduction
(``crm_introductions``, one per investor) ties an investor to the agent who brought them: recorded when a
prospect with an agent code is converted (``ProspectService.on_convert``) or set by hand.

A commission statement is per agent and period (``2026-03`` or ``2026-Q1``). ``statement`` computes it from
the introduced clients' fixed-yield investments as they are now (``ProductService``), one line per interest
payment due in the period. ``prepare`` stores it as *pending* with its lines frozen (a later change to an
investment does not silently change a statement under review; preparing a pending one again recomputes
it); *approved* needs ``crm.commissions`` and someone other than who prepared it; then *paid*. Each step
checks the version read and is audited.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.crm.commissions import (
    DEFAULT_RATE,
    CommissionError,
    CommissionStatus,
    check_rate,
    check_status_change,
    commission_lines,
    totals,
)
from fidus_desktop.domain.money import Money
from fidus_desktop.reports.periods import PeriodError, ReportPeriod, parse_period
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.prospects import ProspectService
from fidus_desktop.services.permissions import require
from fidus_desktop.services.personal_data import PersonalDataRegistry, PersonCollection
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio._common import parse_decimal
from fidus_desktop.store.port import Document

AGENTS = "crm_agents"
INTRODUCTIONS = "crm_introductions"
STATEMENTS = "crm_commission_statements"
AGENT_PERSONAL_FIELDS = ("name", "email", "phone")
AGENT_PERSONAL_DATA = PersonalDataRegistry(people=[PersonCollection(AGENTS, "_id", AGENT_PERSONAL_FIELDS)])


@dataclass(frozen=True)
class Agent:
    agent_id: str
    code: str
    name: str
    email: str | None
    phone: str | None
    rate: Decimal
    active: bool
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> Agent:
        return cls(doc["_id"], doc["code"], doc["name"], doc.get("email"), doc.get("phone"), doc["rate"],
                   doc.get("active", True), doc["version"])


@dataclass(frozen=True)
class StatementLine:
    """One interest payment to one introduced client, and the commission on it."""

    investor_id: str
    investor_number: str
    investor_name: str
    investment_id: str
    product_code: str
    due_date: date
    interest: Money
    rate: Decimal
    commission: Money


@dataclass(frozen=True)
class CommissionStatement:
    """An agent's commissions for a period; ``status`` None: computed now, not prepared yet."""

    agent: Agent
    period: ReportPeriod
    lines: tuple[StatementLine, ...]
    totals: dict[str, Money]
    status: CommissionStatus | None = None
    statement_id: str | None = None
    prepared_by: str | None = None
    prepared_at: datetime | None = None
    approved_by: str | None = None
    paid_by: str | None = None
    version: int | None = None


def _line_doc(line: StatementLine) -> Document:
    return {"investor_id": line.investor_id, "investor_number": line.investor_number,
            "investor_name": line.investor_name, "investment_id": line.investment_id,
            "product_code": line.product_code, "due_date": line.due_date, "interest": line.interest.amount,
            "currency": line.interest.currency, "rate": line.rate, "commission": line.commission.amount}


def _line(doc: Mapping[str, Any]) -> StatementLine:
    currency = doc["currency"]
    return StatementLine(doc["investor_id"], doc["investor_number"], doc["investor_name"], doc["investment_id"],
                         doc["product_code"], doc["due_date"], Money(doc["interest"], currency), doc["rate"],
                         Money(doc["commission"], currency))


def period_of(text: Any) -> ReportPeriod:
    try:
        return parse_period(str(text or ""))
    except PeriodError as exc:
        raise ValidationError({"period": str(exc)}) from None


class AgentService(Service):
    def __init__(self, ctx: ServiceContext, prospects: ProspectService, portfolio: PortfolioServices) -> None:
        super().__init__(ctx)
        self.agents = ctx.store.collection(AGENTS)
        self.introductions = ctx.store.collection(INTRODUCTIONS)
        self.statements = ctx.store.collection(STATEMENTS)
        self.prospects, self.portfolio = prospects, portfolio
        prospects.on_convert.append(self._introduced_by_prospect)

    def ensure_indexes(self) -> None:
        self.agents.ensure_index(["code"], unique=True)
        self.introductions.ensure_index(["investor_id"], unique=True)
        self.introductions.ensure_index(["agent_code"])
        self.statements.ensure_index(["agent_code", "period"], unique=True)
        self.statements.ensure_index(["period"])

    # -- agents -----------------------------------------------------------------------------------------------
    def list(self, actor: Actor, *, active_only: bool = False) -> builtins.list[Agent]:
        require(actor, CrmPermission.READ)
        query = {"active": True} if active_only else {}
        return [Agent.from_doc(d) for d in self.agents.find(query, sort=[("code", 1)])]

    def get(self, actor: Actor, code: str) -> Agent:
        require(actor, CrmPermission.READ)
        return Agent.from_doc(self._require(code))

    def add(self, actor: Actor, values: Mapping[str, Any]) -> Agent:
        """A new agent; ``rate`` as a fraction (0.10) or a percentage text (``10 %``), default 10 %."""
        require(actor, CrmPermission.MANAGE)
        problems: dict[str, str] = {}
        code = str(values.get("code") or "").strip().upper()
        if not code or len(code) > 40 or not code.replace("-", "").replace("_", "").isalnum():
            problems["code"] = "Give a code of letters, digits, - or _ (up to 40), such as AG-001."
        elif self.agents.find_one({"code": code}):
            problems["code"] = f"There is already an agent {code}; choose another code."
        name = str(values.get("name") or "").strip()
        if not name or len(name) > 200:
            problems["name"] = "Give the agent's name (up to 200 characters)."
        email = str(values.get("email") or "").strip() or None
        if email and ("@" not in email or " " in email):
            problems["email"] = f"{email!r} is not an e-mail address."
        try:
            rate = self._rate(values.get("rate"))
        except ValidationError as exc:
            problems.update(exc.problems)
        if problems:
            raise ValidationError(problems)
        doc = {"code": code, "name": name, "email": email, "phone": str(values.get("phone") or "").strip() or None,
               "rate": rate, "active": True, "created_at": self.now(), "created_by": actor.username}

        def write(rec: ChangeRecorder) -> Document:
            stored = self.agents.insert(doc)
            rec.record("crm.agent_add", "crm_agent", stored["_id"],
                       after={"code": code, "rate": rate, "personal": [k for k in AGENT_PERSONAL_FIELDS if doc[k]]})
            return stored

        stored = self.change(actor, CrmPermission.MANAGE, write)
        return Agent.from_doc(stored)

    def set_rate(self, actor: Actor, code: str, rate: Any) -> Agent:
        """A new rate for the agent; statements already prepared keep the rate they were computed with."""
        checked = self._rate(rate)

        def write(rec: ChangeRecorder) -> Document:
            before = self._require(code)
            after = self.agents.update(before["_id"], {"rate": checked}, expected_version=before["version"])
            rec.record("crm.agent_rate", "crm_agent", before["_id"], before={"rate": before["rate"]},
                       after={"rate": checked})
            return after

        after = self.change(actor, CrmPermission.MANAGE, write)
        return Agent.from_doc(after)

    @staticmethod
    def _rate(value: Any) -> Decimal:
        if value in (None, ""):
            return DEFAULT_RATE
        text = str(value).strip()
        percent = text.endswith("%")
        number = parse_decimal(text.rstrip("%").strip(), "rate", "The commission rate")
        rate = number / 100 if percent else number
        try:
            return check_rate(rate)
        except CommissionError as exc:
            raise ValidationError({"rate": f"{exc} Write 0.10 or 10 %."}) from None

    # -- introductions ----------------------------------------------------------------------------------------
    def introduce(self, actor: Actor, code: str, investor: str) -> str:
        """Record that agent ``code`` introduced the investor (its number or id; replacing another agent,
        audited); returns the investor's id."""
        by_number = self.portfolio.investors.by_number(investor) if investor.upper().startswith("INV-") else None
        investor_id = by_number.investor_id if by_number else investor
        self.portfolio.investors.get(actor, investor_id)  # exists and is readable

        def write(rec: ChangeRecorder) -> None:
            agent = self._require(code)
            self._set_introduction(agent["code"], investor_id, "manual")
            rec.record("crm.agent_introduction", "crm_agent", agent["_id"], after={"investor_id": investor_id})

        self.change(actor, CrmPermission.MANAGE, write)
        return investor_id

    def _introduced_by_prospect(self, prospect_id: str, investor_id: str) -> None:
        """On conversion: the prospect's agent introduced the new investor (unknown codes are left alone)."""
        prospect = self.prospects.prospects.get(prospect_id) or {}
        code = str(prospect.get("agent_code") or "").strip().upper()
        if code and self.agents.find_one({"code": code}):
            self._set_introduction(code, investor_id, "prospect")

    def _set_introduction(self, code: str, investor_id: str, source: str) -> None:
        before = self.introductions.find_one({"investor_id": investor_id})
        body = {"agent_code": code, "source": source, "since": self.now()}
        if before is None:
            self.introductions.insert({"investor_id": investor_id, **body})
        else:
            self.introductions.update(before["_id"], body, expected_version=before["version"])

    def clients(self, actor: Actor, code: str) -> builtins.list[str]:
        """The ids of the investors the agent introduced."""
        require(actor, CrmPermission.READ)
        return [d["investor_id"] for d in self.introductions.find({"agent_code": self._require(code)["code"]},
                                                                 sort=[("investor_id", 1)])]

    # -- statements -------------------------------------------------------------------------------------------
    def statement(self, actor: Actor, code: str, period: Any) -> CommissionStatement:
        """The stored statement of the agent and period if prepared, else computed now."""
        require(actor, CrmPermission.READ)
        checked = period_of(period)
        agent = Agent.from_doc(self._require(code))
        stored = self.statements.find_one({"agent_code": agent.code, "period": checked.label})
        return self._stored(agent, checked, stored) if stored else self._computed(actor, agent, checked)

    def statements_for(self, actor: Actor, period: Any) -> builtins.list[CommissionStatement]:
        """Every agent's statement for the period (stored or computed), by agent code."""
        checked = period_of(period)
        return [self.statement(actor, a.code, checked.label) for a in self.list(actor)]

    def _computed(self, actor: Actor, agent: Agent, period: ReportPeriod) -> CommissionStatement:
        lines: builtins.list[StatementLine] = []
        for investor_id in self.clients(actor, agent.code):
            investor = self.portfolio.investors.get(actor, investor_id)
            investments = {i.investment_id: i for i in self.portfolio.products.list_investments(actor, investor_id)}
            for line in commission_lines(agent.code, agent.rate, investments.values(), period.start, period.end):
                lines.append(StatementLine(investor_id, investor.number, investor.name, line.investment_id,
                                           investments[line.investment_id].terms.product_code, line.due_date,
                                           line.interest, line.rate, line.commission))
        lines.sort(key=lambda line: (line.due_date, line.investor_number, line.investment_id))
        return CommissionStatement(agent, period, tuple(lines), totals(lines))

    @staticmethod
    def _stored(agent: Agent, period: ReportPeriod, doc: Document) -> CommissionStatement:
        lines = tuple(_line(d) for d in doc["lines"])
        return CommissionStatement(agent, period, lines, totals(lines), CommissionStatus(doc["status"]), doc["_id"],
                                   doc["prepared_by"], doc["prepared_at"], doc.get("approved_by"), doc.get("paid_by"),
                                   doc["version"])

    def prepare(self, actor: Actor, code: str, period: Any) -> CommissionStatement:
        """Store the statement as pending with its lines as computed now (again, while it is pending)."""
        require(actor, CrmPermission.MANAGE)
        checked = period_of(period)
        agent = Agent.from_doc(self._require(code))
        computed = self._computed(actor, agent, checked)
        now = self.now()
        body = {"lines": [_line_doc(line) for line in computed.lines], "status": CommissionStatus.PENDING.value,
                "prepared_by": actor.username, "prepared_at": now, "rate": agent.rate,
                "totals": {c: m.amount for c, m in computed.totals.items()}}

        def write(rec: ChangeRecorder) -> Document:
            before = self.statements.find_one({"agent_code": agent.code, "period": checked.label})
            if before is not None and before["status"] != CommissionStatus.PENDING.value:
                raise ValidationError({"period": f"The {checked.label} statement of {agent.code} is already "
                                                 f"{before['status']}; it cannot be prepared again."})
            if before is None:
                stored = self.statements.insert({"agent_code": agent.code, "period": checked.label,
                                                 "start": checked.start, "end": checked.end, **body})
            else:
                stored = self.statements.update(before["_id"], body, expected_version=before["version"])
            rec.record("crm.commission_prepare", "crm_commission", stored["_id"],
                       after={"agent_code": agent.code, "period": checked.label, "lines": len(computed.lines),
                              "totals": body["totals"]})
            return stored

        return self._stored(agent, checked, self.change(actor, CrmPermission.MANAGE, write))

    def approve(self, actor: Actor, code: str, period: Any, *, version: int | None = None) -> CommissionStatement:
        return self._advance(actor, code, period, CommissionStatus.APPROVED, version)

    def mark_paid(self, actor: Actor, code: str, period: Any, *, version: int | None = None) -> CommissionStatement:
        return self._advance(actor, code, period, CommissionStatus.PAID, version)

    def _advance(self, actor: Actor, code: str, period: Any, target: CommissionStatus,
                 version: int | None) -> CommissionStatement:
        checked = period_of(period)

        def write(rec: ChangeRecorder) -> CommissionStatement:
            agent = Agent.from_doc(self._require(code))
            before = self.statements.find_one({"agent_code": agent.code, "period": checked.label})
            if before is None:
                raise ValidationError({"period": f"The {checked.label} statement of {agent.code} is not prepared "
                                                 "yet; prepare it first."})
            try:
                check_status_change(CommissionStatus(before["status"]), target, entered_by=before["prepared_by"],
                                    actor=actor.username)
            except CommissionError as exc:
                raise ValidationError({"status": str(exc)}) from None
            by = "approved" if target is CommissionStatus.APPROVED else "paid"
            after = self.statements.update(before["_id"], {"status": target.value, f"{by}_by": actor.username,
                                                           f"{by}_at": self.now()},
                                           expected_version=before["version"] if version is None else version)
            rec.record(f"crm.commission_{by}", "crm_commission", before["_id"], before={"status": before["status"]},
                       after={"status": target.value, "agent_code": agent.code, "period": checked.label})
            return self._stored(agent, checked, after)

        return self.change(actor, CrmPermission.COMMISSIONS, write)

    def _require(self, code: str) -> Document:
        doc = self.agents.find_one({"code": str(code or "").strip().upper()})
        if doc is None:
            raise ValidationError({"agent": f"There is no agent {code!r}; see `fidus crm agents list` for the codes."})
        return doc
