"""The demo office's portfolio: 3 funds (EUR and USD base), 6 share classes, 200 investors, three years of
daily NAVs and settled dealing, ECB rates for those dates, holdings (bought in dated trades) with targets, and
fixed-yield products.

Why bulk: running every demo deal through the dealing workflow (four-eyes, one audit entry each) would take
minutes; the builder prices each deal with the same domain rules (``domain.dealing.price`` at the stored
NAV, entry/exit fees) and writes everything with ``insert_many`` in one transaction, with ONE audit entry
summarising what it loaded. Each fund currency has a benchmark, "Demo index EUR/USD" (synthetic, not a real
index: 80 % of the day's average class return plus noise), linked to that currency's funds' classes.

Fees as the office charges them: the demo NAVs are struck net of fees, and the deals are settled in
dealing-date order through ``domain.fees.settle_fees`` like the real workflow, so every class charges its
management fee accrued day by day between deals, and the classes with a performance fee (GLB-I-EUR 15 % over
a 3 % hurdle, USE-A-USD 20 % over a 5 % hurdle) crystallise it at each year end on the period-end valuation,
cancelling the investors' units. Products: CORE, BALANCE and DYNAMIC (fixed monthly interest) and UNLIMITED
(a 50 % share of trading profit), each with the office's 2 months of incubation. Rates:
``resources/ecb-demo-rates.csv`` (USD, GBP, CHF from the ECB history file, 2023-03-20 … 2026-04-13).
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from fidus_desktop.domain import dealing as dom
from fidus_desktop.domain.fees import (
    ClassFeeState,
    CrystallisationPeriod,
    FeeTerms,
    add_units,
    deal_fee_entry,
    management_accrual,
    remove_units,
    settle_fees,
)
from fidus_desktop.domain.fx import RateTable, parse_ecb
from fidus_desktop.domain.money import Money, round_money
from fidus_desktop.security.resources import resources_dir
from fidus_desktop.services.base import ChangeRecorder
from fidus_desktop.services.demo import DemoRun
from fidus_desktop.services.permissions import Permission
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio.fees import fee_doc
from fidus_desktop.services.portfolio.fx import rate_documents
from fidus_desktop.store.port import Document, new_id

START, END = date(2023, 4, 10), date(2026, 4, 10)
INVESTORS = 200
FUNDS = [("FIDUS-GLOBAL", "FIDUS Global Balanced", "EUR"), ("FIDUS-US", "FIDUS US Equity", "USD"),
         ("FIDUS-INCOME", "FIDUS Euro Income", "EUR")]
# (fund code, class code, currency, drift, volatility, management, entry, exit, performance, hurdle)
CLASSES = [
    ("FIDUS-GLOBAL", "GLB-A-EUR", "EUR", 0.05, 0.09, "0.015", "0.02", "0", "0", "0"),
    ("FIDUS-GLOBAL", "GLB-I-EUR", "EUR", 0.06, 0.09, "0.0075", "0", "0", "0.15", "0.03"),
    ("FIDUS-GLOBAL", "GLB-A-USD", "USD", 0.05, 0.10, "0.015", "0.02", "0", "0", "0"),
    ("FIDUS-US", "USE-A-USD", "USD", 0.08, 0.17, "0.018", "0.03", "0.01", "0.20", "0.05"),
    ("FIDUS-US", "USE-I-GBP", "GBP", 0.08, 0.17, "0.009", "0", "0.01", "0", "0"),
    ("FIDUS-INCOME", "INC-D-EUR", "EUR", 0.025, 0.04, "0.008", "0.01", "0", "0", "0"),
]
FIRST = ["Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Katrin", "Luca",
         "Marta", "Nils", "Olivia", "Paul", "Rosa", "Stefan", "Tara", "Umberto", "Vera", "Walter", "Yara", "Zoe"]
LAST = ["Albrecht", "Bianchi", "Castro", "Dubois", "Eriksen", "Ferreira", "Graf", "Horvat", "Ivanova", "Jansen",
        "Kowalski", "Lindqvist", "Moreau", "Novak", "Oliveira", "Petrov", "Quinn", "Rossi", "Schmidt", "Torres"]
COMPANIES = ["Alpine", "Baltic", "Cedar", "Delta", "Evergreen", "Fjord", "Granite", "Harbour", "Iris", "Juniper"]
# (code, name, kind, monthly rate, investor share, payout frequency)
PRODUCTS = [("CORE", "FIDUS Core", "fixed", "0.015", "0", "monthly"),
            ("BALANCE", "FIDUS Balance", "fixed", "0.025", "0", "quarterly"),
            ("DYNAMIC", "FIDUS Dynamic", "fixed", "0.035", "0", "semi_annual"),
            ("UNLIMITED", "FIDUS Unlimited", "profit_share", "0", "0.5", "monthly")]
INCUBATION_MONTHS = 2  # as the office sells its products


DEMO_NATIONALITIES = ("DE", "DE", "DE", "FR", "FR", "LU", "CH", "AT", "IT", "NL", "BE", "GB", "ES", "US", "PL")


def demo_nationalities(n: int) -> list[str]:
    """An office in the EU: mostly EU and neighbouring nationalities, about one investor in twelve a dual
    national. Its own seeded generator per investor, so the rest of the demo is unchanged."""
    rng = random.Random(f"nationality-{n}")
    first = rng.choice(DEMO_NATIONALITIES)
    second = rng.choice(DEMO_NATIONALITIES) if rng.random() < 0.08 else first
    return list(dict.fromkeys((first, second)))


def demo_residence(n: int) -> str:
    """Where a demo individual lives: mostly the country of its first nationality, one in five elsewhere in
    the office's region (its own seeded generator, like ``demo_nationalities``)."""
    rng = random.Random(f"residence-{n}")
    return rng.choice(DEMO_NATIONALITIES) if rng.random() < 0.2 else demo_nationalities(n)[0]


DEMO_INCORPORATIONS = ("LU", "LU", "DE", "IE", "NL", "GB", "CH", "MT", "CY")


def demo_incorporation(n: int) -> str:
    """Where a demo company is incorporated: fund-friendly European jurisdictions, Luxembourg most often."""
    return random.Random(f"incorporation-{n}").choice(DEMO_INCORPORATIONS)


@dataclass(frozen=True)
class Intent:
    """A deal an investor will ask for: settled later in dealing-date order (fees first, as in the app)."""

    position: int  # index of the dealing day
    investor: Document
    share_class: Document
    kind: dom.TransactionKind
    amount: Decimal
    percent: int | None  # part of the holding redeemed by units; None: subscription or full
    full: bool


def business_days(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def demo_portfolio(run: DemoRun) -> None:
    """Load the demo portfolio in one transaction with one summary audit entry."""
    p: PortfolioServices = run.services.portfolio

    def load(rec: ChangeRecorder) -> dict[str, int]:
        counts = DemoPortfolio(p, run).build()
        rec.record("demo.load", "portfolio", "demo", after=counts)
        return counts

    run.made["portfolio"] = p.funds.change(run.actor, Permission.DEMO_LOAD, load)


class DemoPortfolio:
    """Builds the documents; ``build`` writes them and returns how many of each."""

    def __init__(self, p: PortfolioServices, run: DemoRun) -> None:
        self.p, self.rng, self.now = p, run.rng, p.funds.now()
        self.days = business_days(START, END)
        self.docs: dict[str, list[Document]] = {}
        self.owed_at_end: dict[str, Decimal] = {}  # class id → fees owed on END (class currency)

    def add(self, collection: str, doc: Document) -> Document:
        doc.setdefault("_id", new_id())
        self.docs.setdefault(collection, []).append(doc)
        return doc

    def build(self) -> dict[str, int]:
        p = self.p
        table = parse_ecb((resources_dir() / "ecb-demo-rates.csv").read_bytes())
        p.fx.rates.upsert_many(rate_documents(table, self.now), ["rate_date"])
        funds = {code: self.add("funds", p.funds.fund_doc(code, name, ccy)) for code, name, ccy in FUNDS}
        p.funds.funds.insert_many(self.docs["funds"])
        indices = {ccy: self.add("benchmarks", p.benchmarks.benchmark_doc(f"DEMO-{ccy}", f"Demo index {ccy}", ccy))
                   for ccy in sorted({ccy for _, _, ccy in FUNDS})}
        classes = []
        for fund_code, code, ccy, drift, vol, mgmt, entry, exit_, perf, hurdle in CLASSES:
            doc = p.funds.class_doc(funds[fund_code]["_id"], code, code.replace("-", " "), ccy, launch_date=START,
                                    fees={"management_rate": mgmt, "entry_rate": entry, "exit_rate": exit_,
                                          "performance_rate": perf, "hurdle_rate": hurdle})
            doc["benchmark_id"] = indices[funds[fund_code]["base_currency"]]["_id"]
            classes.append((self.add("share_classes", doc), drift, vol))
        p.funds.classes.insert_many(self.docs["share_classes"])
        navs = {c["_id"]: self.nav_walk(c, drift, vol) for c, drift, vol in classes}
        self.corrected_nav(classes[0][0])
        for index in indices.values():
            self.index_walk(index, [navs[c["_id"]] for c, _, _ in classes if c["benchmark_id"] == index["_id"]])
        investors = [self.add("investors", self.investor(i)) for i in range(1, INVESTORS + 1)]
        intents = [i for investor in investors for i in self.intents(investor, [c for c, _, _ in classes])]
        self.settle_in_order(intents, [c for c, _, _ in classes], navs)
        self.products(investors)
        self.holdings(funds["FIDUS-GLOBAL"], table, navs)
        collections = {"investors": p.investors.investors, "nav": p.navs.navs, "accounts": p.investors.accounts,
                       "transactions": p.dealing.transactions, "unit_ledger": p.ledgers.units,
                       "cash_ledger": p.ledgers.cash, "fee_ledger": p.fees.entries, "product_terms": p.products.terms,
                       "product_investments": p.products.investments, "instruments": p.holdings.instruments,
                       "prices": p.holdings.prices, "positions": p.holdings.positions,
                       "position_trades": p.holdings.trades,
                       "rebalance_targets": p.rebalancing.targets, "class_fee_state": p.fees.states,
                       "benchmarks": p.benchmarks.benchmarks, "benchmark_levels": p.benchmarks.index_levels,
                       "fee_payments": p.fees.payments}
        for name, collection in collections.items():
            collection.insert_many(self.docs.get(name, []))
        return {name: len(docs) for name, docs in sorted(self.docs.items())} | {"fx_dates": len(table.daily_rows())}

    def nav_walk(self, share_class: Document, drift: float, vol: float) -> dict[date, Decimal]:
        """A geometric random walk with drift from 100, one NAV per business day."""
        series, level = {}, 100.0
        for day in self.days:
            series[day] = Decimal(f"{level:.4f}")
            self.add("nav", {"class_id": share_class["_id"], "nav_date": day, "nav_per_unit": series[day],
                             "currency": share_class["currency"], "source": "entered", "corrections": [],
                             "updated_at": self.now})
            level *= math.exp(self.rng.gauss(drift / 252 - vol * vol / 504, vol / math.sqrt(252)))
        return series

    def corrected_nav(self, share_class: Document) -> None:
        """One NAV a week before the end was struck too high and corrected, so the NAV history shows a correction
        (the value stays the walk's: the figures are unchanged)."""
        day = self.days[-6]
        doc = next(d for d in self.docs["nav"] if d["class_id"] == share_class["_id"] and d["nav_date"] == day)
        doc["corrections"] = [{"old": doc["nav_per_unit"] + Decimal("0.0450"), "new": doc["nav_per_unit"],
                               "by": "demo", "at": self.now, "reason": "late bond price from the custodian"}]

    def index_walk(self, index: Document, navs: list[dict[date, Decimal]]) -> None:
        """Demo index levels from 1000: 80 % of the linked classes' average daily return plus noise, so the
        comparison has a beta and a tracking error to show (own seeded RNG: the rest of the demo is unchanged)."""
        rng, level = random.Random(index["code"]), 1000.0
        for previous, day in zip([None, *self.days], self.days, strict=False):
            if previous is not None:
                average = sum(float(n[day] / n[previous]) - 1.0 for n in navs) / len(navs)
                level *= 1.0 + 0.8 * average + rng.gauss(0.0, 0.001)
            self.add("benchmark_levels", {"benchmark_id": index["_id"], "level_date": day,
                                          "level": Decimal(f"{level:.4f}")})

    def investor(self, n: int) -> Document:
        rng = self.rng
        if rng.random() < 0.15:
            name, kind = f"{rng.choice(COMPANIES)} {rng.choice(LAST)} Holdings Ltd", "corporate"
        else:
            name, kind = f"{rng.choice(FIRST)} {rng.choice(LAST)}", "individual"
        email = f"investor{n:04d}@example.com"
        individual = kind == "individual"
        return self.p.investors.investor_doc(f"INV-{n:05d}", name, kind, email=email,
                                             nationalities=demo_nationalities(n) if individual else None,
                                             residence_country=demo_residence(n) if individual else None,
                                             incorporation_country=None if individual else demo_incorporation(n))

    def intents(self, investor: Document, classes: list[Document]) -> list[Intent]:
        """An initial subscription in one or two classes, then top-ups and partial or full redemptions."""
        rng, wanted = self.rng, []
        for share_class in rng.sample(classes, rng.choice((1, 1, 2))):
            position = rng.randrange(0, len(self.days) // 2)
            amount = Decimal(rng.choice((10, 25, 50, 100, 250, 500))) * 1000
            first = True
            while position < len(self.days) - 3:
                kind = dom.TransactionKind.SUBSCRIPTION if first or rng.random() < 0.6 else \
                    dom.TransactionKind.REDEMPTION
                full = kind is dom.TransactionKind.REDEMPTION and rng.random() < 0.2
                percent = rng.choice((10, 25, 50)) if kind is dom.TransactionKind.REDEMPTION and not full else None
                wanted.append(Intent(position, investor, share_class, kind, amount, percent, full))
                if full:
                    break
                first = False
                position += rng.randrange(40, 260)
                amount = Decimal(rng.choice((5, 10, 20, 50))) * 1000
        return wanted

    def settle_in_order(self, intents: list[Intent], classes: list[Document],
                        navs: dict[str, dict[date, Decimal]]) -> None:
        """Every deal in dealing-date order, each class's fees settled first (``settle_fees``), then priced at the
        NAV on the units left; the accounts and fee states are what remains at the end."""
        states: dict[str, ClassFeeState] = {}
        for intent in sorted(intents, key=lambda i: i.position):
            c = intent.share_class
            day = self.days[intent.position]
            state = states.get(c["_id"]) or ClassFeeState(c["fund_id"], c["_id"], day)
            holding = state.holding(intent.investor["_id"])
            held = holding.units if holding else Decimal(0)
            if intent.kind is dom.TransactionKind.REDEMPTION and not held:
                continue  # a performance fee took the last units (never in practice: redemptions are partial)
            redeem = held if intent.full else (held * intent.percent / 100).quantize(Decimal("0.0001")) \
                if intent.percent else Decimal(0)
            tx_id = new_id()
            state = self.settle_fees(c, state, day, {intent.investor["_id"]: redeem} if redeem else {}, navs, tx_id)
            holding = state.holding(intent.investor["_id"])
            held = holding.units if holding else Decimal(0)
            deal = self.deal(tx_id, intent, navs, held, min(redeem, held) if intent.percent else None)
            nav = Money(navs[c["_id"]][day], c["currency"])
            if intent.kind is dom.TransactionKind.SUBSCRIPTION:
                state = add_units(state, intent.investor["_id"], deal.units, nav, day)
            else:
                state = remove_units(state, intent.investor["_id"], deal.units)
            states[c["_id"]] = state
        for c in classes:
            final = states.get(c["_id"])
            if final is None:
                continue
            self.add("class_fee_state", {"class_id": c["_id"], "as_of": final.as_of,
                                         "dealing_nav": navs[c["_id"]][final.as_of]})
            paid = self.pay_fees_quarterly(c)
            history = {d: Money(navs[c["_id"]][d], c["currency"]) for d in self.days if d >= final.as_of}
            accrued = management_accrual(history, final.total_units, c["fees"]["management_rate"], final.as_of, END)
            charged = sum((e["amount"] for e in self.docs.get("fee_ledger", []) if e["class_id"] == c["_id"]
                           and e["kind"] in ("management", "performance")), Decimal(0))
            self.owed_at_end[c["_id"]] = charged - paid + (accrued.amount if accrued else Decimal(0))
        for intent in {(i.investor["_id"], i.share_class["_id"]): i for i in intents}.values():
            state = states[intent.share_class["_id"]]
            holding = state.holding(intent.investor["_id"])
            self.add("accounts", {"investor_id": intent.investor["_id"], "class_id": intent.share_class["_id"],
                                  "fund_id": intent.share_class["fund_id"],
                                  "units": holding.units if holding else Decimal(0),
                                  "high_water_mark": holding.high_water_mark.amount if holding else None,
                                  "period_start": holding.period_start if holding else None, "updated_at": self.now})

    def pay_fees_quarterly(self, share_class: Document) -> Decimal:
        """The back office pays the manager each quarter: the class's charged fees, on the first business day
        after the quarter end (fee payments and their cash-ledger lines). Returns the total paid."""
        charges = [(e["charged_on"], e["amount"]) for e in self.docs.get("fee_ledger", [])
                   if e["class_id"] == share_class["_id"] and e["kind"] in ("management", "performance")]
        paid, number = Decimal(0), 0
        for day in self.days[1:]:
            if day.month == self.days[self.days.index(day) - 1].month or day.month not in (1, 4, 7, 10):
                continue
            due = sum((amount for on, amount in charges if on < day), Decimal(0)) - paid
            if due <= 0:
                continue
            number += 1
            payment = self.add("fee_payments", {
                "fund_id": share_class["fund_id"], "class_id": share_class["_id"], "number": number, "paid_on": day,
                "amount": due, "currency": share_class["currency"], "reference": f"DEMO-FEES-{day}",
                "recorded_by": "demo", "recorded_by_name": "demo", "recorded_at": self.now})
            self.add("cash_ledger", {"value_date": day, "kind": "fee_payment", "amount": -due,
                                     "currency": share_class["currency"], "fund_id": share_class["fund_id"],
                                     "class_id": share_class["_id"], "fee_payment_id": payment["_id"]})
            paid += due
        return paid

    def settle_fees(self, share_class: Document, state: ClassFeeState, day: date, redeeming: dict[str, Decimal],
                    navs: dict[str, dict[date, Decimal]], transaction_id: str) -> ClassFeeState:
        """The class's fees from its last settlement to ``day`` into the fee and unit ledgers."""
        if not state.holdings:  # nothing to charge fees on yet (the first subscription)
            return ClassFeeState(state.fund_id, state.class_id, day)
        ccy, series = share_class["currency"], navs[share_class["_id"]]
        first = bisect.bisect_right(self.days, state.as_of) - 1
        history = {d: Money(series[d], ccy) for d in self.days[max(first, 0):bisect.bisect_right(self.days, day)]}
        fees = share_class["fees"]
        terms = FeeTerms(management_rate=fees["management_rate"], performance_rate=fees["performance_rate"],
                         hurdle_rate=fees["hurdle_rate"], crystallisation=CrystallisationPeriod.ANNUAL)
        settled = settle_fees(state, day, Money(series[day], ccy), terms, redeeming=redeeming, history=history)
        for entry in settled.entries:
            self.add("fee_ledger", fee_doc(entry, transaction_id))
            if entry.investor_id and entry.units_cancelled:
                self.add("unit_ledger", {"value_date": day, "class_id": share_class["_id"],
                                         "investor_id": entry.investor_id, "units": -entry.units_cancelled,
                                         "reason": "performance_fee", "transaction_id": transaction_id})
        return settled.state

    def deal(self, tx_id: str, intent: Intent, navs: dict[str, dict[date, Decimal]], held: Decimal,
             redeem_units: Decimal | None) -> dom.Deal:
        """Price one deal on the units ``held`` after the fee settlement and write its ledgers."""
        investor, share_class, kind, amount, full = (intent.investor, intent.share_class, intent.kind, intent.amount,
                                                     intent.full)
        day, settle = self.days[intent.position], self.days[intent.position + 2]
        ccy = share_class["currency"]
        ref = f"DEMO-{len(self.docs.get('transactions', [])) + 1:06d}"
        tx = dom.Transaction(ref, kind, share_class["fund_id"], share_class["_id"], investor["_id"],
                             dom.DealingDates(day, day, settle),
                             amount=Money(amount, ccy) if kind is dom.TransactionKind.SUBSCRIPTION else None,
                             units=redeem_units, full=full, status=dom.TransactionStatus.SETTLED)
        rate = share_class["fees"]["entry_rate" if kind is dom.TransactionKind.SUBSCRIPTION else "exit_rate"]
        deal = dom.price(tx, dom.NavPrice(share_class["_id"], day, Money(navs[share_class["_id"]][day], ccy)),
                         held_units=held, fee_rate=rate)
        doc = self.add("transactions", {
            "_id": tx_id, "ref": ref, "kind": kind.value, "status": "settled", "fund_id": share_class["fund_id"],
            "class_id": share_class["_id"], "investor_id": investor["_id"], "trade_date": day, "dealing_date": day,
            "settlement_date": settle, "amount": tx.amount.amount if tx.amount else None, "currency": ccy,
            "units": redeem_units, "full": full, "target_class_id": None, "target_investor_id": None,
            "created_by": "demo", "created_by_name": "demo", "approved_by_name": "demo", "created_at": self.now,
            "updated_at": self.now, "deal": {"nav_per_unit": deal.nav_per_unit.amount, "gross": deal.gross.amount,
                                             "fee": deal.fee.amount, "net": deal.net.amount, "units": deal.units,
                                             "target_units": deal.target_units}})
        sign = 1 if kind is dom.TransactionKind.SUBSCRIPTION else -1
        links = {"fund_id": share_class["fund_id"], "class_id": share_class["_id"], "investor_id": investor["_id"],
                 "transaction_id": doc["_id"]}
        self.add("unit_ledger", {"value_date": day, "class_id": share_class["_id"], "investor_id": investor["_id"],
                                 "units": sign * deal.units, "reason": kind.value, "transaction_id": doc["_id"]})
        self.add("cash_ledger", {"value_date": settle, "kind": kind.value, "amount": sign * deal.gross.amount,
                                 "currency": ccy, **links})
        if deal.fee.amount:
            self.add("cash_ledger", {"value_date": settle, "kind": "entry_fee" if sign > 0 else "exit_fee",
                                     "amount": -sign * deal.fee.amount, "currency": ccy, **links})
            entry = deal_fee_entry(tx, deal, rate)
            assert entry is not None
            self.add("fee_ledger", fee_doc(entry, doc["_id"]))
        return deal

    def products(self, investors: list[Document]) -> None:
        """CORE 1.5 %, BALANCE 2.5 %, DYNAMIC 3.5 % a month, UNLIMITED 50 % of the profit, and 36 investments."""
        rng = self.rng
        for code, name, kind, rate, share, frequency in PRODUCTS:
            self.add("product_terms", self.p.products.terms_doc(
                code, name, kind=kind, monthly_rate=rate, investor_share=share, payout_frequency=frequency,
                incubation_months=INCUBATION_MONTHS, commitment_months=12, minimum_investment="10000",
                currency="USD"))
        for investor in rng.sample(investors, 36):
            code = rng.choice(PRODUCTS)[0]
            start = self.days[rng.randrange(len(self.days) - 260, len(self.days))]
            principal = Decimal(rng.choice((10, 20, 50, 100))) * 1000
            doc = self.add("product_investments", {"investor_id": investor["_id"], "product_code": code,
                                                   "version_no": 1, "principal": principal, "currency": "USD",
                                                   "start_date": start, "updated_at": self.now})
            self.add("cash_ledger", {"value_date": start, "kind": "principal_in", "amount": principal,
                                     "currency": "USD", "product_code": code, "investor_id": investor["_id"],
                                     "investment_id": doc["_id"]})

    def fund_aum(self, fund: Document, table: RateTable, navs: dict[str, dict[date, Decimal]]) -> Decimal:
        """The fund's assets on the last day in its base currency: its AUM plus the fees it still owes the manager
        (the NAV is net of them, the cash still holds them), from the documents built so far."""
        total = Decimal(0)
        for share_class in (c for c in self.docs["share_classes"] if c["fund_id"] == fund["_id"]):
            units = sum((u["units"] for u in self.docs.get("unit_ledger", []) if u["class_id"] == share_class["_id"]),
                        Decimal(0))
            owed = self.owed_at_end.get(share_class["_id"], Decimal(0))  # still in the fund's cash
            value = Money(round_money(units * navs[share_class["_id"]][END] + owed, share_class["currency"]),
                          share_class["currency"])
            total += table.convert(value, fund["base_currency"], END)[0].amount
        return total

    def holdings(self, fund: Document, table: RateTable, navs: dict[str, dict[date, Decimal]]) -> None:
        """A few ETFs and a cash account for the global fund, priced on the last day, with targets; sized to the
        fund's AUM that day (2 % cash), so a NAV derived from them is close to the stored one."""
        aum = self.fund_aum(fund, table, navs)
        cash = round_money(aum * Decimal("0.02"), fund["base_currency"])
        lines = [("EQ-WORLD", "World Equity ETF", "USD", "equity", "92.40", "0.50"),
                 ("EQ-EUROPE", "Europe Equity ETF", "EUR", "equity", "48.15", "0.20"),
                 ("BD-EURO", "Euro Govt Bond ETF", "EUR", "bonds", "131.02", "0.30"),
                 ("CASH-EUR", "Cash EUR", "EUR", "cash", None, None)]
        bought_at = {"EQ-WORLD": ("78.10", "86.45"), "EQ-EUROPE": ("44.20", "50.05"), "BD-EURO": ("134.50", "128.90")}
        weights = {}
        for code, name, ccy, asset_class, price, weight in lines:
            if price is None or weight is None:
                quantity = cash
            else:
                rate = table.rate(ccy, fund["base_currency"], END).rate
                quantity = ((aum - cash) * Decimal(weight) / (Decimal(price) * rate)).to_integral_value(ROUND_FLOOR)
            instrument = self.add("instruments", self.p.holdings.instrument_doc(code, name, ccy, asset_class))
            if price is not None:
                self.add("prices", {"instrument_id": instrument["_id"], "price_date": END, "price": Decimal(price)})
            self.add("positions", {"fund_id": fund["_id"], "instrument_id": instrument["_id"],
                                   "quantity": Decimal(quantity), "updated_at": self.now})
            if weight is not None:
                weights[code] = Decimal(weight)
                self.trades(fund, instrument, table, Decimal(quantity), bought_at[code])
        self.add("rebalance_targets", {"fund_id": fund["_id"], "weights": weights, "level": "instrument",
                                       "tolerance": Decimal("0.01"), "updated_at": self.now})

    def trades(self, fund: Document, instrument: Document, table: RateTable, quantity: Decimal,
               prices: tuple[str, str]) -> None:
        """The purchases that built a demo position: half 18 months before the last day, the rest (and a tenth
        more, sold again 2 months before the end) 5 months before it; 0.1 % fees, the day's ECB rate kept."""
        first, extra = (quantity / 2).to_integral_value(ROUND_FLOOR), (quantity / 10).to_integral_value(ROUND_FLOOR)
        steps = [(END - timedelta(days=548), first, prices[0]),
                 (END - timedelta(days=152), quantity - first + extra, prices[1]),
                 (END - timedelta(days=61), -extra, prices[1])]
        for number, (day, units, price) in enumerate(steps, 1):
            fees = round_money(abs(units) * Decimal(price) / 1000, instrument["currency"]) if units > 0 else Decimal(0)
            self.add("position_trades", {
                "fund_id": fund["_id"], "instrument_id": instrument["_id"],
                "reference": f"{instrument['code']}-{number}", "trade_date": day, "quantity": units,
                "price": Decimal(price), "fees": fees,
                "fx_rate": table.rate(instrument["currency"], fund["base_currency"], day).rate,
                "recorded_at": self.now, "recorded_by": "demo"})
