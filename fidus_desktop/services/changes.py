"""The change vocabulary, and the one feed that says what changed, here or on another workstation.

A *change name* is the audit ``entity`` a change records (``transaction``, ``nav``, ``mt5_accounts`` …):
every change writes an audit entry in its own transaction, so the audit trail already names what changed,
on every workstation sharing the database. Jobs that change data announce the same names, and screens
subscribe to them; the constants below are the names screens use today (a feature adds its own).

The feed's token is the last audit ``seq`` a session has seen (unique and increasing across workstations):
``ChangeFeed.since(token)`` returns the newest ``seq`` and the names changed after it, one indexed read when
nothing changed. ``since(None)`` returns the current token and no names.
"""

from __future__ import annotations

from fidus_desktop.services.audit import AuditLog
from fidus_desktop.services.base import Service

EVERYTHING = "*"  # too much changed to say what: reload everything
TRANSACTION = "transaction"
NAV = "nav"
FUND = "fund"
SHARE_CLASS = "share_class"
BENCHMARK = "benchmark"
PORTFOLIO = "portfolio"  # a whole office loaded (demo)
INVESTOR = "investor"
DOCUMENT = "document"
FEE_PAYMENT = "fee_payment"
FX_RATES = "fx_rates"
PRODUCT_TERMS = "product_terms"
INSTRUMENT = "instrument"  # an instrument or its prices
POSITION = "position"  # a fund's position or a trade in it
USER = "user"
MT5_ACCOUNTS = "mt5_accounts"
MT5_BALANCE_CLASSES = "mt5_balance_classes"
MT5_SYNC = "mt5_sync_state"  # a poller stored new deals or orders
MAX_SCAN = 5000

Changes = frozenset[str]


def changes_since(audit: AuditLog, token: int | None) -> tuple[int, Changes]:
    """``(new_token, names)``: the last audit ``seq`` and the entities changed after ``token``.

    A burst longer than ``MAX_SCAN`` entries reports ``EVERYTHING``.
    """
    last = audit.last()
    newest = last["seq"] if last else 0
    if token is None or newest <= token:
        return newest, frozenset()
    docs = audit.entries.find({"seq": {"$gt": token}}, sort=[("seq", 1)], limit=MAX_SCAN,
                              projection=["seq", "entity"])
    names = {d["entity"] for d in docs}
    if newest - token > MAX_SCAN:
        names.add(EVERYTHING)
    return newest, frozenset(names)


class ChangeFeed(Service):
    """What changed since a token; read by the GUI's session watcher. Reading it needs no permission: it
    returns entity names only, never data."""

    def since(self, token: int | None) -> tuple[int, Changes]:
        return changes_since(self.ctx.audit, token)
