"""Validate any PDF: drop it here (or open it) and read, signature by signature, who signed, when, whether the
signed content is intact, whether the certificate is trusted, what the signature covers and what changed after
it, in plain words. The check runs in the background runner through ``SigningService.verify``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from fidus_desktop.services.signing import SignatureReport
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession


def report_html(name: str, reports: list[SignatureReport]) -> str:
    """The verdict and one block per signature, in plain words."""
    if not reports:
        return f"<h3>{_esc(name)}</h3><p>This PDF has no signatures.</p>"
    good = all(r.good for r in reports)
    verdict = ("<p style='color:#1a7f37'><b>Every signature is valid</b>: intact, made with a trusted certificate, "
               "and nothing was changed after signing that the signatures do not allow.</p>" if good else
               "<p style='color:#cf222e'><b>Not every signature is valid</b> — see below.</p>")
    blocks = []
    for number, r in enumerate(reports, start=1):
        lines = [
            f"Signed by {_esc(r.signer)}",
            f"Signed at {r.signed_at:%Y-%m-%d %H:%M:%S} UTC (as the signer's computer stated)" if r.signed_at
            else "No signing time stated",
            f"Timestamp from a timestamp authority: {r.timestamp:%Y-%m-%d %H:%M:%S} UTC" if r.timestamp
            else "No timestamp from a timestamp authority",
            _yes(r.intact, "The signed content is intact", "The signed content was altered after signing"),
            _yes(r.valid, "The cryptographic signature checks out", "The cryptographic signature does not verify"),
            _yes(r.trusted, "The certificate is trusted (the office's or an imported CA's)",
                 "The certificate is not trusted here (an administrator trusts its CA on the Office certificate page)"),
            f"Covers {_esc(r.covers)}",
            _yes(r.changes_allowed, *[f"After signing: {_esc(r.changes_after)}"] * 2),
        ]
        colour = "#1a7f37" if r.good else "#cf222e"
        blocks.append(f"<h4 style='color:{colour}'>{number}. {_esc(r.field)}: {'valid' if r.good else 'NOT valid'}"
                      f"</h4><ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>")
    return f"<h3>{_esc(name)}</h3>{verdict}{''.join(blocks)}"


def _yes(ok: bool, good: str, bad: str) -> str:
    return f"✔ {good}" if ok else f"<span style='color:#cf222e'>✘ {bad}</span>"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ValidationPanel(QWidget):
    def __init__(self, session: UiSession) -> None:
        super().__init__()
        self.setObjectName("signingValidation")
        self.session = session
        self.setAcceptDrops(True)
        self.hint = QLabel("Drop a PDF here, or open one, to check its signatures.", objectName="validationHint")
        self.open_button = QPushButton("Open PDF…", objectName="validationOpen")
        self.result = QTextBrowser(objectName="validationResult")
        self.result.setAcceptDrops(False)
        top = QHBoxLayout()
        top.addWidget(self.hint, 1)
        top.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.result, 1)
        self.open_button.clicked.connect(self.choose)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Validate a PDF", "", "PDF files (*.pdf);;All files (*)")
        if path:
            self.validate(Path(path))

    def validate(self, path: Path) -> None:
        signing, actor = self.session.services.signing, self.session.actor
        self.result.setHtml(f"<p>Checking {_esc(path.name)}…</p>")
        self.session.runner.submit(lambda: signing.verify(actor, path.read_bytes()), owner=self, key="validate",
                                   on_done=lambda reports: self.result.setHtml(report_html(path.name, reports)),
                                   on_error=lambda exc: self.result.setHtml(
                                       f"<h3>{_esc(path.name)}</h3><p style='color:#cf222e'>"
                                       f"{_esc(describe_error(exc))}</p>"))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.validate(files[0])

