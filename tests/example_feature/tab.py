"""The Memos tab: the memos, newest first, loaded in the background."""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget, QVBoxLayout, QWidget

from fidus_desktop.ui.errors import show_error
from fidus_desktop.ui.session import UiSession


class MemosTab(QWidget):
    def __init__(self, session: UiSession) -> None:
        super().__init__()
        self.setObjectName("memosTab")
        self.session = session
        self.memos = QListWidget(objectName="memosList")
        QVBoxLayout(self).addWidget(self.memos)
        self.reload()

    def reload(self) -> None:
        memos, actor = self.session.services.memos, self.session.actor
        self.session.runner.submit(lambda: memos.list(actor), owner=self, key="memos", on_done=self._show,
                                   on_error=lambda exc: show_error(exc, self))

    def _show(self, memos: list) -> None:
        self.memos.clear()
        self.memos.addItems([f"{m.fund_code} · {m.written_by}: {m.text}" for m in memos])
