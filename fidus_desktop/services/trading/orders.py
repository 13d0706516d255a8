"""Historical orders read through an ``Mt5Session``'s terminal, stored next to deals keyed ``(login, ticket)``.

``Mt5Session`` converts deals but not orders, so this module applies the same rules to orders: the UTC
window is widened by the session's history margin, sent as server-time seconds, then converted back
with the account's server-time policy and filtered exactly (``date_from <= time_done < date_to``).
Prices and volumes become ``Decimal`` via the float's shortest repr; ``type`` and ``state`` keep the
official MT5 constants (``ORDER_TYPE_*``, ``ORDER_STATE_*``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fidus_desktop.integrations.mt5.errors import error_for
from fidus_desktop.integrations.mt5.records import TradeOrder
from fidus_desktop.integrations.mt5.session import Mt5Session
from fidus_desktop.store.port import Document


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


def order_to_doc(row: TradeOrder, login: int, session: Mt5Session) -> Document:
    to_utc = session.policy.server_ms_to_utc
    return {
        "login": login, "ticket": row.ticket, "position_id": row.position_id, "symbol": row.symbol,
        "type": row.type, "state": row.state, "reason": row.reason, "magic": row.magic,
        "time_setup": to_utc(row.time_setup_msc or row.time_setup * 1000),
        "time_done": to_utc(row.time_done_msc or row.time_done * 1000),
        "volume_initial": _decimal(row.volume_initial), "volume_current": _decimal(row.volume_current),
        "price_open": _decimal(row.price_open), "price_current": _decimal(row.price_current),
        "sl": _decimal(row.sl), "tp": _decimal(row.tp), "comment": row.comment, "external_id": row.external_id,
    }


def history_orders(session: Mt5Session, login: int, date_from: datetime, date_to: datetime) -> list[Document]:
    """Orders of the logged-in account done in ``[date_from, date_to)``, as documents to upsert."""
    policy, margin = session.policy, session.history_margin
    rows = session.terminal.history_orders_get(
        policy.utc_to_server(date_from - margin), policy.utc_to_server(date_to + margin) + 1
    )
    if rows is None:
        code, message = session.terminal.last_error()
        raise error_for(code, message, "history_orders_get")
    docs = (order_to_doc(row, login, session) for row in {r.ticket: r for r in rows}.values())
    return [d for d in docs if date_from <= d["time_done"] < date_to]
