"""Every sub-page of the Compliance tab in the demo office, as its compliance officer, grabbed to PNGs at 1280x720
and 1920x1080 (``--screenshot`` shows only the page a tab opens on, as the demo administrator).

    uv run python -m tests.support.compliance_screenshots OUT_DIR [NAME_PART ...]

Builds a fresh demo (about 15 s), opens the main window as james.okafor with the inline runner (every load done
before the picture), then grabs My queue's sub-tabs, an approved individual file's tabs (the Documents tab with
its first document previewed), the corporate file's owners, Screening with an alert selected, Investigations,
Reports, Risk model, Checklists, and the checklist and country-list dialogs. NAME_PART limits the pages grabbed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

SIZES = ((1280, 720), (1920, 1080))


def main(out: Path, only: list[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["FIDUS_HOME"] = tempfile.mkdtemp()  # never the real per-user folders
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication([])
    from fidus_desktop.bootstrap import open_context
    from fidus_desktop.config.secrets import SecretStore
    from fidus_desktop.security.keyring_memory import InMemoryKeyring
    from fidus_desktop.services.demo import load_demo
    from fidus_desktop.ui.background import InlineRunner
    from fidus_desktop.ui.compliance.tab import ComplianceTab
    from fidus_desktop.ui.main_window import MainWindow
    from fidus_desktop.ui.session import UiSession

    out.mkdir(parents=True, exist_ok=True)
    ctx = open_context(f"sqlite:///{tempfile.mkdtemp()}/demo.db", secrets=SecretStore(InMemoryKeyring()),
                       log_to_file=False)
    officer = load_demo(ctx.services).made["james.okafor"].actor()
    window = MainWindow(UiSession(ctx, officer, InlineRunner()), restore_state=False)
    window.select_tab("compliance")
    tab = window.findChild(ComplianceTab)
    pages = (tab.queue, tab.files, tab.investigations, tab.reports, tab.risk_model, tab.checklists) if tab else ()
    if tab is None or None in pages:
        sys.exit("The compliance officer's Compliance tab lacks a page; nothing grabbed.")

    def settle() -> None:
        for _ in range(3):
            app.processEvents()

    def shot(name: str) -> None:
        if only and not any(part in name for part in only):
            return
        for width, height in SIZES:
            window.resize(width, height)
            window.show()
            settle()
            window.grab().save(str(out / f"{name}-{width}.png"))

    def dialog_shot(name: str, dialog: QWidget) -> None:
        if not only or any(part in name for part in only):
            dialog.show()
            settle()
            dialog.grab().save(str(out / f"{name}.png"))
        dialog.close()

    def page(widget: QWidget) -> None:
        tab.pages.setCurrentWidget(widget)
        settle()

    page(tab.queue)
    for i in range(tab.queue.tabs.count()):
        tab.queue.tabs.setCurrentIndex(i)
        shot(f"01-queue-{i}")
    page(tab.files)
    cases = {c["investor_id"]: c for c in ctx.services.kyc.cases.find({})}

    def scored(kind: str) -> str | None:
        return next((r.investor.investor_id for r in tab.files.model.records
                     if (c := cases.get(r.investor.investor_id)) and c["kind"] == kind and c["status"] == "approved"
                     and c.get("scored_band")), None)

    panel = tab.files.panel
    if person := scored("individual"):
        tab.files.select(person)
        settle()
        for i in range(panel.tabs.count()):
            if not panel.tabs.isTabVisible(i):
                continue
            panel.tabs.setCurrentIndex(i)
            if panel.tabs.tabText(i).replace("&", "") == "Documents" and panel.documents.rowCount():
                panel.documents_view.selectRow(0)
            shot(f"02-file-{i}")
    if company := scored("corporate"):
        tab.files.select(company)
        settle()
        panel.tabs.setCurrentIndex(panel.owners_index)
        shot("02-file-owners")
    page(tab.screening)
    alerts = ctx.services.screening.list_alerts(officer)
    if alerts:
        tab.screening.select_alert(alerts[0].alert_id)
        settle()
    shot("03-screening")
    page(tab.investigations)
    tab.investigations.view.selectRow(0)
    shot("04-investigations")
    page(tab.reports)
    shot("05-reports")
    page(tab.risk_model)
    shot("06-risk-model")
    tab.risk_model.edit_countries()
    if tab.risk_model.country_dialog is not None:
        dialog_shot("06-country-list-dialog", tab.risk_model.country_dialog)
    page(tab.checklists)
    shot("07-checklists")
    tab.checklists.edit()
    if tab.checklists.dialog is not None:
        dialog_shot("07-checklist-dialog", tab.checklists.dialog)
    window.close()
    ctx.close()
    print("\n".join(sorted(str(p) for p in out.glob("*.png"))))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), sys.argv[2:])
