"""Mt5Session: typed errors, widened history windows, Decimal money and UTC times."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fidus_desktop.domain.trading.models import DealKind, Entry, Side
from fidus_desktop.integrations.mt5.enums import ResultCode
from fidus_desktop.integrations.mt5.errors import Mt5AuthError, Mt5ConnectionError, Mt5RequestError
from fidus_desktop.integrations.mt5.records import AccountInfo, TradeDeal
from fidus_desktop.integrations.mt5.replay import ReplayTerminal
from fidus_desktop.integrations.mt5.session import Mt5Session
from fidus_desktop.integrations.mt5.timezones import FixedOffset, NewYorkClose, epoch_ms

FIXTURE = Path(__file__).parents[1] / "data" / "mt5" / "demo_account_2024_03.json"
NOW = datetime(2024, 4, 2, 8, tzinfo=UTC)


def replay_session() -> Mt5Session:
    session = Mt5Session(ReplayTerminal.from_file(FIXTURE), NewYorkClose(), clock=lambda: NOW)
    session.connect(login=81234567, password="demo-password", server="FidusDemo-Server")
    return session


def test_replayed_deals_have_utc_times_across_the_dst_change_and_decimal_money():
    deals = replay_session().deals(datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 4, 1, tzinfo=UTC))
    assert [d.ticket for d in deals] == list(range(51200001, 51200009))
    deposit, buy, close = deals[0], deals[1], deals[2]
    assert deposit.kind is DealKind.BALANCE
    assert deposit.profit == Decimal("50000.00")
    assert deposit.comment == "Deposit"
    assert deposit.currency == "USD"
    assert deposit.login == 81234567
    # Server 2024-03-08 15:30:00.412 is winter (UTC+2);
    # 2024-03-11 10:15:00.087 is after the US switch (UTC+3).
    assert buy.time == datetime(2024, 3, 8, 13, 30, 0, 412000, tzinfo=UTC)
    assert close.time == datetime(2024, 3, 11, 7, 15, 0, 87000, tzinfo=UTC)
    assert (buy.side, buy.entry, close.side, close.entry) == (Side.BUY, Entry.IN, Side.SELL, Entry.OUT)
    assert close.profit == Decimal("260.00")
    assert close.swap == Decimal("-13.80")
    assert close.price == Decimal("1.0871")
    assert close.net == Decimal("242.70")
    assert sum((d.net for d in deals), Decimal(0)) == Decimal("48705.55")


def test_account_positions_and_quote_from_replay():
    session = replay_session()
    account = session.account()
    assert (account.balance, account.equity, account.margin_level) == (
        Decimal("48705.55"), Decimal("48755.07"), Decimal("16251.69"))
    [position] = session.positions()
    assert position.side is Side.BUY
    assert position.profit == Decimal("49.52")
    assert position.opened == datetime(2024, 3, 28, 6, 10, tzinfo=UTC)
    assert position.digits is None  # recorded before FIDUS read symbol_info: prices shown as stored
    quote = session.quote("USDJPY")
    assert quote.bid == Decimal("151.45")
    assert quote.ask == Decimal("151.462")
    with pytest.raises(Mt5RequestError, match="does not exist"):
        session.quote("BTCXYZ")


def test_wrong_password_is_an_auth_error_with_a_fix():
    session = Mt5Session(ReplayTerminal.from_file(FIXTURE), NewYorkClose())
    with pytest.raises(Mt5AuthError, match="server name is case-sensitive") as caught:
        session.connect(login=81234567, password="wrong", server="FidusDemo-Server")
    assert caught.value.code == ResultCode.RES_E_AUTH_FAILED


# -- a scripted terminal to pin down the window and error logic -------------------------------------
ACCOUNT = AccountInfo(
    1, 0, 100, 0, 0, True, True, 2, 2, False, 1000.0, 0.0, 0.0, 1000.0, 0.0, 1000.0, 0.0,
    50.0, 30.0, 0.0, 0.0, 0.0, 0.0, 0.0, "Test", "Srv", "USD", "Broker",
)


def raw_deal(ticket: int, server_seconds: int, profit: float = 1.0, commission: float = 0.0) -> TradeDeal:
    return TradeDeal(ticket, 0, server_seconds, server_seconds * 1000, 2, 0, 0, 0, 0, 0.0, 0.0,
                     commission, 0.0, profit, 0.0, "", "Deposit", "")


@dataclass
class ScriptedTerminal:
    deals: tuple | None = ()
    error: tuple[int, str] = (1, "Success")
    calls: list = field(default_factory=list)
    init_ok: bool = True

    def initialize(self, **kwargs):
        self.calls.append(("initialize", kwargs))
        return self.init_ok

    def login(self, login, password=None, server=None, timeout=None):
        return True

    def shutdown(self):
        self.calls.append(("shutdown",))

    def last_error(self):
        return self.error

    def account_info(self):
        return ACCOUNT

    def history_deals_get(self, date_from, date_to, **kwargs):
        self.calls.append(("history_deals_get", date_from, date_to, kwargs))
        return self.deals


UTC2 = FixedOffset(120)
T0 = datetime(2024, 5, 1, tzinfo=UTC)


def at(moment: datetime) -> int:
    """Server seconds (UTC+2) of a UTC instant."""
    return epoch_ms(moment) // 1000 + 7200


def test_window_is_widened_by_a_day_then_filtered_precisely_and_deduplicated():
    start, end = T0, T0 + timedelta(days=1)
    terminal = ScriptedTerminal(deals=(
        raw_deal(1, at(start - timedelta(seconds=1))),  # just before: dropped
        raw_deal(2, at(start)),  # inclusive start
        raw_deal(3, at(start + timedelta(hours=5))),
        raw_deal(3, at(start + timedelta(hours=5))),  # same ticket twice (overlapping answers)
        raw_deal(4, at(end)),  # exclusive end: dropped
    ))
    deals = Mt5Session(terminal, UTC2).deals(start, end)
    assert [d.ticket for d in deals] == [2, 3]
    _, asked_from, asked_to, kwargs = terminal.calls[-1]
    assert asked_from == at(start) - 86_400
    assert asked_to == at(end) + 86_400 + 1
    assert isinstance(asked_from, int)
    assert kwargs == {}


def test_float_noise_is_cut_to_the_account_currency_digits():
    noisy = raw_deal(1, at(T0), profit=0.1 + 0.2, commission=-0.35000000000000003)
    terminal = ScriptedTerminal(deals=(noisy,))
    [deal] = Mt5Session(terminal, UTC2).deals(T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert deal.profit == Decimal("0.30")
    assert deal.commission == Decimal("-0.35")


def test_empty_answer_with_invalid_params_is_an_error_not_no_deals():
    terminal = ScriptedTerminal(deals=(), error=(-2, "Terminal: Invalid params"))
    with pytest.raises(Mt5RequestError, match="rejected the request parameters"):
        Mt5Session(terminal, UTC2).deals(T0, T0 + timedelta(days=1))


def test_empty_answer_with_success_is_no_deals():
    assert Mt5Session(ScriptedTerminal(deals=()), UTC2).deals(T0, T0 + timedelta(days=1)) == []


@pytest.mark.parametrize(("code", "hint"), [
    (-10003, "IPC initialize failed"), (-10004, "not running"), (-10005, "IPC timeout"),
])
def test_ipc_failures_are_connection_errors_with_an_explanation(code, hint):
    terminal = ScriptedTerminal(init_ok=False, error=(code, "IPC failure"))
    with pytest.raises(Mt5ConnectionError, match=hint) as caught:
        Mt5Session(terminal, UTC2).connect(path="C:/MT5/terminal64.exe")
    assert caught.value.code == code


def test_none_answer_is_raised_with_the_code():
    terminal = ScriptedTerminal(deals=None, error=(-10001, "IPC send failed"))
    with pytest.raises(Mt5ConnectionError, match="IPC send"):
        Mt5Session(terminal, UTC2).deals(T0, T0 + timedelta(days=1))


def test_connected_to_another_account_is_refused():
    with pytest.raises(Mt5AuthError, match="logged in to account 1, not 2"):
        Mt5Session(ScriptedTerminal(), UTC2).connect(login=2, password="x", server="Srv")


def test_an_unknown_deal_type_is_kept_as_other_with_its_raw_number():
    """A newer server's type (agent commission, stop-out compensation …) must not stop the account for good."""
    odd = raw_deal(1, at(T0 - timedelta(minutes=5)))._replace(type=99, entry=7)
    [deal] = Mt5Session(ScriptedTerminal(deals=(odd,)), UTC2).deals(T0 - timedelta(hours=1), T0)
    assert (deal.kind, deal.raw_type, deal.side) == (DealKind.OTHER, 99, None)


def test_deals_since_rescans_and_splits_long_catch_ups():
    terminal = ScriptedTerminal()
    session = Mt5Session(terminal, UTC2, clock=lambda: T0)
    batch = session.deals_since(T0 - timedelta(days=10), max_window=timedelta(days=4))
    assert not batch.complete
    assert batch.watermark == T0 - timedelta(days=10, hours=1) + timedelta(days=4)
    final = session.deals_since(T0 - timedelta(minutes=5))
    assert final.complete
    assert final.watermark == T0
    assert terminal.calls[-1][1] == at(T0 - timedelta(minutes=65)) - 86_400


def test_empty_window_is_a_programming_error():
    with pytest.raises(ValueError, match="Empty deal window"):
        Mt5Session(ScriptedTerminal(), UTC2).deals(T0, T0)


def test_a_zero_tick_of_a_freshly_selected_symbol_is_no_quote():
    """Its bid and ask are 0 until the first real tick: used, exposure conversion would divide by zero."""
    from fidus_desktop.integrations.mt5.records import Tick

    class Fresh(ScriptedTerminal):
        def symbol_info_tick(self, symbol):
            return Tick(0, 0.0, 0.0, 0.0, 0, 0, 0, 0.0)

        def symbol_select(self, symbol, enable=True):
            return True

    assert Mt5Session(Fresh(), UTC2).quotes(["EURGBP"]) == {}


def test_positions_carry_their_symbols_digits_from_the_terminal():
    """The simulated market quotes GBPUSD with 5 decimals and US500 with 2: positions say so, and the Trading
    tab's price columns keep trailing zeros (1.33900, not 1.339)."""
    from fidus_desktop.integrations.mt5 import SimulatedTerminal
    from fidus_desktop.integrations.mt5.sim_market import DEFAULT_SYMBOLS
    from fidus_desktop.ui.trading.models import quoted

    terminal = SimulatedTerminal(seed=50)
    sim = next(iter(terminal.accounts.values()))
    session = Mt5Session(terminal, sim.policy)
    session.connect(login=sim.login, password=sim.password, server=sim.server)
    expected = {s.name: s.digits for s in DEFAULT_SYMBOLS}
    positions = session.positions()
    assert positions
    for position in positions:
        assert position.digits == expected[position.symbol]
    assert quoted(Decimal("1.339"), 5) == "1.33900"
    assert quoted(Decimal("1.339"), None) == "1.339"
