"""The one-line warning over the tabs when this workstation writes unsealed audit entries: the office has a data
key (sealing is on) but this workstation holds neither it nor the audit seal key (``services.audit_seal_keys``).

Every role writes audit entries (sign-ins, NAVs, MT5 syncs); `fidus audit verify` reports each unsealed one with
this workstation's name, so the sooner it is enrolled the fewer entries an administrator has to explain. A
workstation whose keyring is unusable already shows the keyring banner, and a read-only one writes nothing: no
warning then.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from fidus_desktop.services.keys import KeyStatus
from fidus_desktop.ui.common.banner import WarningBanner

DISMISSED = "fidusSealBannerDismissed"  # an application property: dismissed for this session


class SealBanner(WarningBanner):
    def __init__(self, on_fix: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__("sealBanner", "<b>Audit entries not sealed:</b> this workstation holds neither the office "
                         "data key nor the audit seal key, so its audit entries look forged to a check.",
                         on_fix, DISMISSED, parent)
        self.hide()  # until the key status has been read (in the background)

    def show_for(self, status: KeyStatus) -> None:
        self.warn(status.writes_unsealed)
