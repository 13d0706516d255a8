"""The features of FIDUS Desktop, in one list: everything else loops over ``FEATURES``.

Services are built in this order (a feature's ``needs`` come from those above it); tabs show in this order.
Adding a feature is a new package declaring a ``Feature`` plus one line here (docs/DEVELOPERS.md).
"""

from __future__ import annotations

from fidus_desktop.features.admin import ADMIN
from fidus_desktop.features.compliance import COMPLIANCE
from fidus_desktop.features.core import CORE
from fidus_desktop.features.crm import CRM
from fidus_desktop.features.portfolio import PORTFOLIO
from fidus_desktop.features.signing import SIGNING
from fidus_desktop.features.spec import Feature
from fidus_desktop.features.trading import TRADING

FEATURES: tuple[Feature, ...] = (
    CORE,
    PORTFOLIO,
    TRADING,
    CRM,
    COMPLIANCE,
    SIGNING,
    ADMIN,
)
