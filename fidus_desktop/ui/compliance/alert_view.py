"""An alert's two sides next to each other: the investor as the office holds them and the list entry as the
list publishes it (names and aliases, dates of birth, countries, programmes), the words that matched
highlighted on both sides, and below them the word pairs with their similarity and what moved the score."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from fidus_desktop.domain.names import folded
from fidus_desktop.services.compliance.investor_file import AlertComparison
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

MARK = "background-color:#ffe082;font-weight:bold"


def marked(name: str, matched: set[str]) -> str:
    """``name`` as HTML with the words whose folded form matched highlighted."""
    out = []
    for token in name.split():
        hit = any(word in matched for word in folded(token).split())
        out.append(f"<span style='{MARK}'>{escape(token)}</span>" if hit else escape(token))
    return " ".join(out)


def _rows(rows: list[tuple[str, str]]) -> str:
    return "<table cellspacing='4'>" + "".join(
        f"<tr><td style='color:#555'>{escape(k)}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"


def investor_side(c: AlertComparison) -> str:
    matched = {w for p in c.pairs for w in folded(p.investor_word).split()}
    investor = c.investor
    if c.alert.owner:  # the hit is about a person or a company in the investor's ownership tree
        company = c.alert.owner_kind == "organisation"
        return f"<h3>{'Company in the ownership tree' if company else 'Beneficial owner'}</h3>" + _rows([
            ("Name", marked(c.alert.owner, matched)), ("Owner of", escape(f"{investor.number} {investor.name}")),
            ("Kind", "company" if company else "person"),
            ("Date of birth", "—" if company else "not recorded for owners")])
    listed = set(c.entry.countries) if c.entry else set()

    def countries(codes: tuple[str, ...]) -> str:  # the one the entry also lists marked: the country evidence
        return ", ".join(f"<span style='{MARK}'>{escape(code)}</span>" if code in listed else escape(code)
                         for code in codes) or "not on file"

    if investor.kind == "corporate":
        where = [("Incorporated in", countries(tuple(filter(None, [investor.incorporation_country]))))]
    else:
        where = [("Nationality", countries(investor.nationalities)),
                 ("Residence", escape(investor.residence_country or "not on file"))]
    return "<h3>Investor</h3>" + _rows([
        ("Name", marked(investor.name, matched)), ("Number", escape(investor.number)),
        ("Kind", escape(investor.kind)), ("Date of birth", escape(c.date_of_birth)), *where])


def entry_side(c: AlertComparison) -> str:
    matched = {w for p in c.pairs for w in folded(p.list_word).split()}
    entry = c.entry
    if entry is None:
        return f"<h3>List entry {escape(c.alert.entry_id)}</h3>{escape(c.list_version)}"
    names = "<br>".join(
        (marked(n.text, matched) if n.text == c.alert.matched_name else escape(n.text))
        + f" <span style='color:#777'>({escape(n.strength.value.replace('_', ' '))})</span>" for n in entry.names)
    return f"<h3>{escape(entry.list_name)} entry {escape(entry.entry_id)}</h3>" + _rows([
        ("Names", names), ("Kind", escape(entry.kind.value)),
        ("Dates of birth", escape(", ".join(entry.birth_dates) or "none listed")),
        ("Countries", escape(", ".join(entry.countries) or "none listed")),
        ("Programmes", escape(", ".join(entry.programmes) or "none listed")),
        ("Remarks", escape(entry.remarks or "")), ("Version", escape(c.list_version))])


def explanation(c: AlertComparison) -> str:
    pairs = "".join(f"<tr><td>{escape(p.investor_word)}</td><td>↔</td><td>{escape(p.list_word)}</td>"
                    f"<td align='right'>{p.similarity:.2f}</td></tr>" for p in c.pairs)
    name_score = f"name score {c.name_score:.2f}; " if c.name_score is not None else ""
    moves = "; ".join(c.factors) or "nothing moved it"
    return (f"<b>Score {c.alert.score:.2f}</b> ({name_score}{escape(moves)})"
            f"<table cellspacing='6'><tr><th align='left'>Investor word</th><th></th>"
            f"<th align='left'>List word</th><th align='right'>Similarity</th></tr>{pairs}</table>")


class AlertComparisonView(QWidget):
    """Loads ``InvestorFileService.compare`` for the alert shown, in the worker."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertComparison")
        self.session = session
        self.alert_id: str | None = None
        self.investor = self._label("comparisonInvestor")
        self.entry = self._label("comparisonEntry")
        self.why = self._label("comparisonWhy")
        sides = QHBoxLayout()
        sides.addWidget(self.investor, 1)
        sides.addWidget(self.entry, 1)
        body = QWidget()
        body.setBackgroundRole(QPalette.ColorRole.Base)
        body.setAutoFillBackground(True)
        layout = QVBoxLayout(body)
        layout.addLayout(sides)
        layout.addWidget(self.why)
        layout.addStretch()
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.show_alert(None)

    @staticmethod
    def _label(name: str) -> QLabel:
        label = QLabel(objectName=name, wordWrap=True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def show_alert(self, alert_id: str | None) -> None:
        self.alert_id = alert_id
        if alert_id is None:
            self.investor.setText("Select an alert to see the investor next to the list entry.")
            self.entry.setText("")
            self.why.setText("")
            return
        files, actor = self.session.services.kyc_files, self.session.actor
        self.session.runner.submit(lambda: files.compare(actor, alert_id), owner=self, key="compare",
                                   on_done=self._show, on_error=self._failed)

    def _show(self, comparison: AlertComparison) -> None:
        if comparison.alert.alert_id != self.alert_id:
            return
        self.investor.setText(investor_side(comparison))
        self.entry.setText(entry_side(comparison))
        self.why.setText(explanation(comparison))

    def _failed(self, exc: BaseException) -> None:
        self.investor.setText(escape(describe_error(exc)))
        self.entry.setText("")
        self.why.setText("")
