"""The demo office's portfolio: 3 funds (EUR and USD base), 6 share classes, 200 investors, three years of
daily NAVs and settled dealing, ECB rates for those dates, holdings with targets, and fixed-yield products.

Why bulk: running every demo deal through the dealing workflow (four-eyes, one audit entry each) would take
minutes; the builder prices each deal with the same domain rules (``domain.dealing.price`` at the stored
NAV, entry/exit fees) and writes everything with ``insert_many`` in one transaction, with ONE audit entry
summarising what it loaded. Each fund currency has a benchmark, "Demo index EUR/USD" (synthetic, not a real
index: 80 % of the day's average class return plus noise), linked to that currency's funds' classes. Demo
NAVs are struck net of fees, so the demo has entry/exit fee entries but no
management or performance fee accruals. Rates: ``resources/ecb-demo-rates.csv`` (USD, GBP, CHF from the ECB
history file, 2023-03-20 … 2026-04-13).
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from fidus_desktop.domain import dealing as dom
from fidus_desktop.domain.fees import deal_fee_entry
from fidus_desktop.domain.fx import RateTable, parse_ecb
from fidus_desktop.domain.money import Money, round_money
from fidus_desktop.security.resources import resources_dir
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
# (fund code, class code, currency, drift, volatility, management, entry, exit)
CLASSES = [
    ("FIDUS-GLOBAL", "GLB-A-EUR", "EUR", 0.05, 0.09, "0.015", "0.02", "0"),
    ("FIDUS-GLOBAL", "GLB-I-EUR", "EUR", 0.06, 0.09, "0.0075", "0", "0"),
    ("FIDUS-GLOBAL", "GLB-A-USD", "USD", 0.05, 0.10, "0.015", "0.02", "0"),
    ("FIDUS-US", "USE-A-USD", "USD", 0.08, 0.17, "0.018", "0.03", "0.01"),
    ("FIDUS-US", "USE-I-GBP", "GBP", 0.08, 0.17, "0.009", "0", "0.01"),
    ("FIDUS-INCOME", "INC-D-EUR", "EUR", 0.025, 0.04, "0.008", "0.01", "0"),
]
FIRST = ["Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Katrin", "Luca",
         "Marta", "Nils", "Olivia", "Paul", "Rosa", "Stefan", "Tara", "Umberto", "Vera", "Walter", "Yara", "Zoe"]
LAST = ["Albrecht", "Bianchi", "Castro", "Dubois", "Eriksen", "Ferreira", "Graf", "Horvat", "Ivanova", "Jansen",
        "Kowalski", "Lindqvist", "Moreau", "Novak", "Oliveira", "Petrov", "Quinn", "Rossi", "Schmidt", "Torres"]
COMPANIES = ["Alpine", "Baltic", "Cedar", "Delta", "Evergreen", "Fjord", "Granite", "Harbour", "Iris", "Juniper"]
PRODUCTS = [("CORE", "FIDUS Core", "0.015", "monthly"), ("BALANCE", "FIDUS Balance", "0.025", "quarterly"),
            ("DYNAMIC", "FIDUS Dynamic", "0.035", "semi_annual")]


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
    with p.funds.changing(run.actor, Permission.DEMO_LOAD) as rec:
        counts = DemoPortfolio(p, run).build()
        rec.record("demo.load", "portfolio", "demo", after=counts)
    run.made["portfolio"] = counts


class DemoPortfolio:
    """Builds the documents; ``build`` writes them and returns how many of each."""

    def __init__(self, p: PortfolioServices, run: DemoRun) -> None:
        self.p, self.rng, self.now = p, run.rng, p.funds.now()
        self.days = business_days(START, END)
        self.docs: dict[str, list[Document]] = {}

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
        for fund_code, code, ccy, drift, vol, mgmt, entry, exit_ in CLASSES:
            doc = p.funds.class_doc(funds[fund_code]["_id"], code, code.replace("-", " "), ccy, launch_date=START,
                                    fees={"management_rate": mgmt, "entry_rate": entry, "exit_rate": exit_})
            doc["benchmark_id"] = indices[funds[fund_code]["base_currency"]]["_id"]
            classes.append((self.add("share_classes", doc), drift, vol))
        p.funds.classes.insert_many(self.docs["share_classes"])
        navs = {c["_id"]: self.nav_walk(c, drift, vol) for c, drift, vol in classes}
        for index in indices.values():
            self.index_walk(index, [navs[c["_id"]] for c, _, _ in classes if c["benchmark_id"] == index["_id"]])
        investors = [self.add("investors", self.investor(i)) for i in range(1, INVESTORS + 1)]
        for investor in investors:
            self.flows(investor, [c for c, _, _ in classes], navs)
        self.products(investors)
        self.holdings(funds["FIDUS-GLOBAL"], table, navs)
        collections = {"investors": p.investors.investors, "nav": p.navs.navs, "accounts": p.investors.accounts,
                       "transactions": p.dealing.transactions, "unit_ledger": p.ledgers.units,
                       "cash_ledger": p.ledgers.cash, "fee_ledger": p.fees.entries, "product_terms": p.products.terms,
                       "product_investments": p.products.investments, "instruments": p.holdings.instruments,
                       "prices": p.holdings.prices, "positions": p.holdings.positions,
                       "rebalance_targets": p.rebalancing.targets, "class_fee_state": p.fees.states,
                       "benchmarks": p.benchmarks.benchmarks, "benchmark_levels": p.benchmarks.index_levels}
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
        self.add("class_fee_state", {"class_id": share_class["_id"], "as_of": self.days[-1],
                                     "dealing_nav": series[self.days[-1]]})
        return series

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
        return self.p.investors.investor_doc(f"INV-{n:05d}", name, kind, email=email)

    def flows(self, investor: Document, classes: list[Document], navs: dict[str, dict[date, Decimal]]) -> None:
        """An initial subscription in one or two classes, then top-ups and partial or full redemptions."""
        rng = self.rng
        for share_class in rng.sample(classes, rng.choice((1, 1, 2))):
            units, hwm = Decimal(0), Decimal(0)
            position = rng.randrange(0, len(self.days) // 2)
            amount = Decimal(rng.choice((10, 25, 50, 100, 250, 500))) * 1000
            while position < len(self.days) - 3:
                kind = dom.TransactionKind.SUBSCRIPTION if units == 0 or rng.random() < 0.6 else \
                    dom.TransactionKind.REDEMPTION
                full = kind is dom.TransactionKind.REDEMPTION and rng.random() < 0.2
                deal = self.deal(investor, share_class, navs, kind, position, amount, units, full)
                units += deal.units if kind is dom.TransactionKind.SUBSCRIPTION else -deal.units
                hwm = deal.nav_per_unit.amount if kind is dom.TransactionKind.SUBSCRIPTION else hwm
                if full:
                    break
                position += rng.randrange(40, 260)
                amount = Decimal(rng.choice((5, 10, 20, 50))) * 1000
            self.add("accounts", {"investor_id": investor["_id"], "class_id": share_class["_id"],
                                  "fund_id": share_class["fund_id"], "units": units,
                                  "high_water_mark": hwm if units else None,
                                  "period_start": START if units else None, "updated_at": self.now})

    def deal(self, investor: Document, share_class: Document, navs: dict[str, dict[date, Decimal]],
             kind: dom.TransactionKind, position: int, amount: Decimal, held: Decimal, full: bool) -> dom.Deal:
        day, settle = self.days[position], self.days[position + 2]
        ccy = share_class["currency"]
        redeem_units = None if kind is dom.TransactionKind.SUBSCRIPTION or full else \
            min(held, (held * Decimal(self.rng.choice((10, 25, 50))) / 100).quantize(Decimal("0.0001")))
        ref = f"DEMO-{len(self.docs.get('transactions', [])) + 1:06d}"
        tx = dom.Transaction(ref, kind, share_class["fund_id"], share_class["_id"], investor["_id"],
                             dom.DealingDates(day, day, settle),
                             amount=Money(amount, ccy) if kind is dom.TransactionKind.SUBSCRIPTION else None,
                             units=redeem_units, full=full, status=dom.TransactionStatus.SETTLED)
        rate = share_class["fees"]["entry_rate" if kind is dom.TransactionKind.SUBSCRIPTION else "exit_rate"]
        deal = dom.price(tx, dom.NavPrice(share_class["_id"], day, Money(navs[share_class["_id"]][day], ccy)),
                         held_units=held, fee_rate=rate)
        doc = self.add("transactions", {
            "ref": ref, "kind": kind.value, "status": "settled", "fund_id": share_class["fund_id"],
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
        """CORE 1.5 %, BALANCE 2.5 %, DYNAMIC 3.5 % a month, and 36 investments in them."""
        rng = self.rng
        for code, name, rate, frequency in PRODUCTS:
            self.add("product_terms", self.p.products.terms_doc(
                code, name, monthly_rate=rate, payout_frequency=frequency, incubation_months=1,
                commitment_months=12, minimum_investment="10000", currency="USD"))
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
        """The fund's AUM on the last day in its base currency, from the documents built so far."""
        total = Decimal(0)
        for share_class in (c for c in self.docs["share_classes"] if c["fund_id"] == fund["_id"]):
            units = sum((u["units"] for u in self.docs.get("unit_ledger", []) if u["class_id"] == share_class["_id"]),
                        Decimal(0))
            value = Money(round_money(units * navs[share_class["_id"]][END], share_class["currency"]),
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
        weights = {}
        for code, name, ccy, asset_class, price, weight in lines:
            if price is None:
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
        self.add("rebalance_targets", {"fund_id": fund["_id"], "weights": weights, "level": "instrument",
                                       "tolerance": Decimal("0.01"), "updated_at": self.now})
