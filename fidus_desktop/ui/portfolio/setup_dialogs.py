"""Setting an office up without the CLI: create or edit funds, share classes (with fee terms) and investors.

Each dialog calls one ``FundService`` / ``InvestorService`` method in the worker; what the service refuses
appears under its field (``ValidationError.problems`` keys are the field names used here, e.g.
``fees.management_rate``). Fee rates are typed in per cent, as fee schedules state them, and sent to the
service as fractions (1.5 → 0.015). An edit sends the version it read, so a colleague's edit in between is
refused rather than overwritten.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox, QWidget

from fidus_desktop.domain import fixed_yield as fy
from fidus_desktop.domain.fees import CrystallisationPeriod
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.changes import BENCHMARK, FUND, INVESTOR, PRODUCT_TERMS, SHARE_CLASS
from fidus_desktop.services.portfolio.benchmarks import Benchmark
from fidus_desktop.services.portfolio.funds import DEALING_FREQUENCIES, FEE_FIELDS, Fund, ShareClass
from fidus_desktop.services.portfolio.investors import INVESTOR_KINDS, Investor
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.country_edit import country_edit, nationality_edit
from fidus_desktop.ui.common.editors import DateEdit, DecimalEdit
from fidus_desktop.ui.session import UiSession

FEE_LABELS = {"management_rate": "Management fee (% p.a.)", "performance_rate": "Performance fee (%)",
              "hurdle_rate": "Hurdle (% p.a.)", "entry_rate": "Entry fee (%)", "exit_rate": "Exit fee (%)",
              "switch_rate": "Switch fee (%)"}
HUNDRED = Decimal(100)
NUMBERED = re.compile(r"^(.*?)(\d+)$")


def _choice(values: tuple[str, ...] | list[str], selected: str | None = None) -> QComboBox:
    combo = QComboBox()
    for value in values:
        combo.addItem(value.capitalize(), value)
    if selected is not None:
        combo.setCurrentIndex(max(0, combo.findData(selected)))
    return combo


def next_number(last: str | None) -> str:
    """The number after ``last`` with the same prefix and width (``INV-00017`` → ``INV-00018``)."""
    match = NUMBERED.match(last or "")
    if match is None:
        return "INV-00001" if not last else ""
    prefix, digits = match.groups()
    return f"{prefix}{int(digits) + 1:0{len(digits)}d}"


class FundDialog(ServiceFormDialog):
    """A new fund (code, name, base currency), or a fund's new name: code and currency are fixed once made."""

    changes = frozenset({FUND})

    def __init__(self, session: UiSession, fund: Fund | None = None, parent: QWidget | None = None) -> None:
        super().__init__(session, f"Rename fund {fund.code}" if fund else "New fund", "Save" if fund else "&Create",
                         parent)
        self.fund = fund
        self.code = self.add_field("code", "Code", QLineEdit(fund.code if fund else ""))
        self.code.setPlaceholderText("e.g. GLB (letters, digits, - or _)")
        self.name = self.add_field("name", "Name", QLineEdit(fund.name if fund else ""))
        self.base_currency = self.add_field("base_currency", "Base currency",
                                            QLineEdit(fund.base_currency if fund else ""))
        self.base_currency.setPlaceholderText("ISO code, e.g. EUR: the currency the AUM is stated in")
        if fund is not None:
            for fixed in (self.code, self.base_currency):
                fixed.setEnabled(False)
                fixed.setToolTip("Fixed once the fund exists: deals, NAVs and reports refer to it.")

    def call(self) -> Fund:
        funds, actor = self.session.services.portfolio.funds, self.session.actor
        if self.fund is not None:
            return funds.rename_fund(actor, self.fund.fund_id, self.fund.version, self.name.text())
        return funds.create_fund(actor, self.code.text(), self.name.text(), self.base_currency.text().upper())

    def describe(self) -> str:
        fund: Fund = self.result_value
        return (f"Fund {fund.code} renamed to {fund.name}." if self.fund else
                f"Fund {fund.code} ({fund.name}, {fund.base_currency}) created; add its first share class next.")


class ShareClassDialog(ServiceFormDialog):
    """A new share class of a fund, or an existing class's name, dealing frequency and fee terms.

    Code, currency, launch date, launch NAV and crystallisation are fixed once the class exists (the service
    edits only name, frequency and fees)."""

    changes = frozenset({SHARE_CLASS, BENCHMARK})

    def __init__(self, session: UiSession, funds: list[Fund], fund_id: str | None, default_day: date,
                 share_class: ShareClass | None = None, benchmarks: list[Benchmark] | None = None,
                 parent: QWidget | None = None) -> None:
        editing = share_class is not None
        super().__init__(session, f"Edit share class {share_class.code}" if share_class else "New share class",
                         "Save" if editing else "&Create", parent)
        self.share_class = share_class
        self.fund = self.add_field("fund_id", "Fund", QComboBox())
        for fund in funds:
            self.fund.addItem(f"{fund.code} — {fund.name} ({fund.base_currency})", fund.fund_id)
        self.fund.setCurrentIndex(max(0, self.fund.findData(share_class.fund_id if share_class else fund_id)))
        self.code = self.add_field("code", "Code", QLineEdit(share_class.code if share_class else ""))
        self.code.setPlaceholderText("e.g. GLB-A-EUR")
        self.name = self.add_field("name", "Name", QLineEdit(share_class.name if share_class else ""))
        self.currency = self.add_field("currency", "Currency", QLineEdit(share_class.currency if share_class else ""))
        self.currency.setPlaceholderText("ISO code, e.g. EUR")
        self.launch_date = self.add_field("launch_date", "Launch date",
                                          DateEdit(share_class.launch_date if share_class else default_day))
        self.launch_nav = self.add_field("launch_nav", "Launch NAV per unit", DecimalEdit())
        self.launch_nav.set_value(share_class.launch_nav if share_class else Decimal(100))
        self.frequency = self.add_field("dealing_frequency", "Dealing frequency",
                                        _choice(DEALING_FREQUENCIES, share_class.dealing_frequency
                                                if share_class else None))
        self.crystallisation = self.add_field("crystallisation", "Performance fee crystallises",
                                              _choice(list(CrystallisationPeriod),
                                                      share_class.crystallisation if share_class else None))
        self.benchmark = self.add_field("benchmark_id", "Benchmark", QComboBox())
        self.benchmark.addItem("None", None)
        for benchmark in benchmarks or []:
            self.benchmark.addItem(f"{benchmark.code} — {benchmark.name} ({benchmark.currency})",
                                   benchmark.benchmark_id)
        self.benchmark.setCurrentIndex(max(0, self.benchmark.findData(share_class.benchmark_id
                                                                      if share_class else None)))
        self.benchmark.setToolTip("What the class is charted and measured against; import a benchmark's levels "
                                  "with Setup → Import a file… to add one to this list.")
        self.fees: dict[str, DecimalEdit] = {}
        for name in FEE_FIELDS:
            edit = self.add_field(f"fees.{name}", FEE_LABELS[name], DecimalEdit(optional=True))
            edit.setPlaceholderText("0")
            rate = share_class.fees.get(name) if share_class else None
            if rate:
                edit.set_value((rate * HUNDRED).normalize())
            self.fees[name] = edit
        if editing:
            for fixed in (self.fund, self.code, self.currency, self.launch_date, self.launch_nav,
                          self.crystallisation):
                fixed.setEnabled(False)
                fixed.setToolTip("Fixed once the class exists: NAVs, deals and fee history depend on it.")

    def local_problems(self) -> dict[str, str]:
        return {f"fees.{name}": "A rate is a percentage from 0 to 100 (1.5 means 1.5 %)."
                for name, edit in self.fees.items()
                if (value := edit.value()) is not None and not 0 <= value <= HUNDRED}

    def _rates(self) -> dict[str, str]:
        return {name: str((edit.value() or Decimal(0)) / HUNDRED) for name, edit in self.fees.items()}

    def call(self) -> ShareClass:
        """Create the class or save its terms, then link the benchmark chosen (a second, audited change)."""
        portfolio, actor = self.session.services.portfolio, self.session.actor
        if self.share_class is not None:
            saved = portfolio.funds.update_class_terms(
                actor, self.share_class.class_id, self.share_class.version, fees=self._rates(),
                dealing_frequency=self.frequency.currentData(), name=self.name.text())
        elif self.fund.currentData() is None:
            raise ValidationError({"fund_id": "Create a fund first (Setup → New fund…)."})
        else:
            saved = portfolio.funds.create_class(
                actor, self.fund.currentData(), self.code.text(), self.name.text(), self.currency.text().upper(),
                fees=self._rates(), dealing_frequency=self.frequency.currentData(),
                launch_date=self.launch_date.iso(), launch_nav=self.launch_nav.plain() or "100",
                crystallisation=self.crystallisation.currentData())
        benchmark_id = self.benchmark.currentData()
        if benchmark_id != saved.benchmark_id:
            portfolio.benchmarks.set_class_benchmark(actor, saved.class_id, saved.version, benchmark_id)
            saved = portfolio.funds.get_class(saved.class_id)
        return saved

    def describe(self) -> str:
        made: ShareClass = self.result_value
        if self.share_class is not None:
            return f"Share class {made.code}: name, dealing frequency and fee terms saved."
        return (f"Share class {made.code} created, launched on {made.launch_date} at {made.launch_nav}; enter its "
                "NAVs (Enter NAV… or Setup → Import a file…).")


class NewInvestorDialog(ServiceFormDialog):
    """A new investor: number (the next free one is suggested), name, kind and e-mail. The sealed personal fields
    (tax ID, IBAN …) are added afterwards in the investor's own window, where revealing them is audited."""

    changes = frozenset({INVESTOR})

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "New investor", "&Create", parent)
        self.number = self.add_field("number", "Number", QLineEdit())
        self.number.setPlaceholderText("e.g. INV-00018")
        self.name = self.add_field("name", "Name", QLineEdit())
        self.kind = self.add_field("kind", "Kind", _choice(INVESTOR_KINDS))
        self.email = self.add_field("email", "E-mail", QLineEdit())
        self.email.setPlaceholderText("optional, name@example.com")
        self.nationalities = self.add_field("nationalities", "Nationality", nationality_edit())
        self.residence = self.add_field("residence_country", "Residence", country_edit("residence_country"))
        self.incorporation = self.add_field("incorporation_country", "Incorporated in",
                                            country_edit("incorporation_country"))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        investors, actor = session.services.portfolio.investors, session.actor
        session.runner.submit(lambda: investors.page(actor, None, [("number", -1)], 0, 1), owner=self,
                              key="number", on_done=self._suggest, on_error=lambda _: None)  # no hint: type one

    def _kind_changed(self) -> None:
        """A person has nationalities and a residence, a company a country of incorporation."""
        individual = self.kind.currentData() == "individual"
        self.nationalities.setEnabled(individual)
        self.residence.setEnabled(individual)
        self.incorporation.setEnabled(not individual)

    def _suggest(self, last: list[Investor]) -> None:
        if not self.number.text():
            self.number.setText(next_number(last[0].number if last else None))

    def call(self) -> Investor:
        email = self.email.text().strip()
        return self.session.services.portfolio.investors.create_investor(
            self.session.actor, self.number.text(), self.name.text(), self.kind.currentData(), email=email or None,
            nationalities=self.nationalities.text() if self.nationalities.isEnabled() else None,
            residence_country=self.residence.text() if self.residence.isEnabled() else None,
            incorporation_country=self.incorporation.text() if self.incorporation.isEnabled() else None)

    def describe(self) -> str:
        made: Investor = self.result_value
        return (f"Investor {made.number} ({made.name}) created; open it (Enter) to add the tax ID, IBAN and "
                "documents, or enter a deal for it.")


class ProductTermsDialog(ServiceFormDialog):
    """A fixed-yield product, or the next version of an existing product's terms (investments keep the version
    they were sold under). Rates are typed in per cent: a monthly rate of 1.5 means 1.5 % a month."""

    changes = frozenset({PRODUCT_TERMS})

    def __init__(self, session: UiSession, products: list[fy.ProductTerms], parent: QWidget | None = None) -> None:
        super().__init__(session, "Fixed-yield product terms", "Save", parent)
        self.products = {p.product_code: p for p in products}
        self.product = self.add_field("product", "Product", QComboBox())
        self.product.addItem("A new product", None)
        for code, terms in self.products.items():
            self.product.addItem(f"{code} — {terms.name} (new version after v{terms.version})", code)
        self.code = self.add_field("product_code", "Code", QLineEdit())
        self.code.setPlaceholderText("e.g. FY-12M")
        self.name = self.add_field("name", "Name", QLineEdit())
        self.kind = self.add_field("kind", "Yield", _choice(list(fy.YieldKind)))
        self.kind.setItemText(1, "Profit share")
        self.frequency = self.add_field("payout_frequency", "Paid", _choice([f.name.lower() for f in
                                                                             fy.PayoutFrequency]))
        self.incubation = self.add_field("incubation_months", "Incubation (months)", QSpinBox(maximum=120))
        self.commitment = self.add_field("commitment_months", "Commitment (months)",
                                         QSpinBox(minimum=1, maximum=240, value=12))
        self.minimum = self.add_field("minimum_investment", "Minimum investment", DecimalEdit(places=2, optional=True))
        self.currency = self.add_field("currency", "Currency", QLineEdit("EUR"))
        self.availability = self.add_field("availability", "Availability", _choice(list(fy.Availability)))
        self.monthly_rate = self.add_field("monthly_rate", "Monthly rate (%)", DecimalEdit(optional=True))
        self.investor_share = self.add_field("investor_share", "Investor's share of profit (%)",
                                             DecimalEdit(optional=True))
        self.product.currentIndexChanged.connect(lambda _: self._product_chosen())
        self.kind.currentIndexChanged.connect(lambda _: self._kind_chosen())
        self._kind_chosen()

    def _product_chosen(self) -> None:
        """An existing product: its latest terms to start from; the code stays (the next version is made)."""
        terms = self.products.get(self.product.currentData())
        self.code.setEnabled(terms is None)
        if terms is None:
            return
        self.code.setText(terms.product_code)
        self.name.setText(terms.name)
        self.kind.setCurrentIndex(self.kind.findData(terms.kind.value))
        self.frequency.setCurrentIndex(self.frequency.findData(terms.payout_frequency.name.lower()))
        self.incubation.setValue(terms.incubation_months)
        self.commitment.setValue(terms.commitment_months)
        self.minimum.set_value(terms.minimum_investment.amount)
        self.currency.setText(terms.minimum_investment.currency)
        self.availability.setCurrentIndex(self.availability.findData(terms.availability.value))
        self.monthly_rate.set_value((terms.monthly_rate * HUNDRED).normalize() if terms.monthly_rate else None)
        self.investor_share.set_value((terms.investor_share * HUNDRED).normalize() if terms.investor_share else None)

    def _kind_chosen(self) -> None:
        fixed = self.kind.currentData() == fy.YieldKind.FIXED
        self.monthly_rate.setEnabled(fixed)
        self.investor_share.setEnabled(not fixed)

    def local_problems(self) -> dict[str, str]:
        """The domain's rules, said in per cent as typed here."""
        fixed = self.kind.currentData() == fy.YieldKind.FIXED
        edit, name, rule = ((self.monthly_rate, "monthly_rate", "a monthly rate above 0 and below 100 (1.5 means "
                                                                 "1.5 % a month)") if fixed else
                            (self.investor_share, "investor_share", "an investor share above 0 and up to 100 (50 "
                                                                    "means half the profit)"))
        value, top = edit.value(), HUNDRED
        ok = value is not None and 0 < value and (value < top if fixed else value <= top)
        return {} if ok else {name: f"A {'fixed' if fixed else 'profit-share'} product needs {rule}."}

    def call(self) -> fy.ProductTerms:
        fixed = self.kind.currentData() == fy.YieldKind.FIXED
        rate = (self.monthly_rate if fixed else self.investor_share).value() or Decimal(0)
        return self.session.services.portfolio.products.define_terms(
            self.session.actor, self.code.text(), self.name.text(), kind=self.kind.currentData(),
            payout_frequency=self.frequency.currentData(), incubation_months=self.incubation.value(),
            commitment_months=self.commitment.value(), minimum_investment=self.minimum.plain() or "0",
            currency=self.currency.text().upper(), availability=self.availability.currentData(),
            monthly_rate=str(rate / HUNDRED) if fixed else "0", investor_share="0" if fixed else str(rate / HUNDRED))

    def describe(self) -> str:
        terms: fy.ProductTerms = self.result_value
        return (f"Product {terms.product_code} ({terms.name}): terms version {terms.version} saved; new investments "
                "are sold under it, existing ones keep theirs.")
