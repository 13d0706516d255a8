"""Analytics on a hand-checked account history (expected figures worked out in the comments)."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

from fidus_desktop.domain.trading.analytics import (
    balance_curve,
    closed_trades,
    daily_returns,
    equity_curve,
    max_balance_drawdown,
    max_equity_drawdown,
    sharpe_ratio,
    stats_by_symbol,
    trade_stats,
    true_pnl,
)
from fidus_desktop.domain.trading.balance_rules import DEFAULT_RULES
from fidus_desktop.domain.trading.models import Deal, DealKind, Entry, EquityPoint, Side

_tickets = iter(range(1, 10_000))


def at(day: int, hour: int) -> datetime:
    return datetime(2024, 1, day, hour, tzinfo=UTC)


def trade(position: int, symbol: str, side: Side, entry: Entry, when: datetime, volume: str,
          profit: str = "0", commission: str = "0", swap: str = "0") -> Deal:
    return Deal(1, next(_tickets), 0, when, DealKind.TRADE, side, entry, position, symbol, D(volume), D(1),
                D(profit), D(commission), D(swap), D(0), "USD", "")


def cash(when: datetime, amount: str, comment: str) -> Deal:
    return Deal(1, next(_tickets), 0, when, DealKind.BALANCE, None, Entry.IN, 0, "", D(0), D(0),
                D(amount), D(0), D(0), D(0), "USD", comment)


BUY, SELL, IN, OUT = Side.BUY, Side.SELL, Entry.IN, Entry.OUT
DEALS = [
    cash(at(2, 9), "10000", "Deposit"),
    trade(1, "EURUSD", BUY, IN, at(2, 10), "1", commission="-3.50"),
    trade(1, "EURUSD", SELL, OUT, at(2, 12), "1", "250", "-3.50"),  # result 250 − 7 = 243.00
    trade(2, "XAUUSD", SELL, IN, at(3, 10), "0.5", commission="-2.50"),
    trade(2, "XAUUSD", BUY, OUT, at(3, 15), "0.5", "-400", "-2.50"),  # −400 − 5 = −405.00
    trade(3, "EURUSD", SELL, IN, at(4, 10), "1", commission="-3.50"),
    trade(3, "EURUSD", BUY, OUT, at(4, 11), "1", "-100", "-3.50"),  # −100 − 7 = −107.00
    cash(at(5, 9), "-1000", "Withdrawal to separation account"),
    trade(4, "GBPUSD", BUY, IN, at(8, 10), "2", commission="-7"),
    trade(4, "GBPUSD", SELL, OUT, at(9, 10), "2", "600", "-7", "-12.40"),  # 600 − 14 − 12.40 = 573.60
    trade(5, "EURUSD", BUY, IN, at(10, 10), "1", commission="-3.50"),  # still open: not a trade
    cash(at(10, 11), "12.40", "Rebate"),
]


def test_closed_trades_and_account_stats():
    trades = closed_trades(DEALS)
    assert [t.result for t in trades] == [D("243.00"), D("-405.00"), D("-107.00"), D("573.60")]
    stats = trade_stats(trades)
    assert (stats.trades, stats.wins, stats.losses) == (4, 2, 2)
    assert stats.gross_profit == D("816.60")  # 243 + 573.60
    assert stats.gross_loss == D("-512.00")  # −405 − 107
    assert stats.net_profit == D("304.60")
    assert stats.win_rate == D("50.0000")
    assert stats.profit_factor == D("1.5949")  # 816.60 / 512 = 1.59492…
    assert stats.expectancy == D("76.1500")  # 304.60 / 4
    assert stats.average_win == D("408.3000")  # 816.60 / 2
    assert stats.average_loss == D("-256.0000")  # −512 / 2
    assert (stats.largest_win, stats.largest_loss) == (D("573.60"), D("-405.00"))
    assert (stats.max_consecutive_wins, stats.max_consecutive_losses) == (1, 2)  # W L L W


def test_stats_per_symbol():
    by_symbol = stats_by_symbol(closed_trades(DEALS))
    assert list(by_symbol) == ["EURUSD", "GBPUSD", "XAUUSD"]
    assert by_symbol["EURUSD"].net_profit == D("136.00")  # 243 − 107
    assert by_symbol["EURUSD"].profit_factor == D("2.2710")  # 243 / 107 = 2.27102…
    assert by_symbol["XAUUSD"].profit_factor == D("0.0000")  # no wins, one loss
    assert by_symbol["GBPUSD"].profit_factor is None  # no losses
    assert by_symbol["GBPUSD"].win_rate == D("100.0000")


def test_balance_curve_and_drawdown_ignore_cash_flows():
    curve = balance_curve(DEALS)
    # 10000 + 243 − 405 − 107 − 1000 + 573.60 − 3.50 + 12.40
    assert curve[-1][1] == D("9313.50")
    drawdown = max_balance_drawdown(DEALS)
    # Peak 10243.00 after trade 1; trades 2 and 3 take it to 9731.00 (fall 512.00). The 1000 withdrawal
    # lowers balance and peak alike (8731 / 9243); trade 4's entry commission adds 7: fall 519.00,
    # 519 / 9243 = 5.6151 %.
    assert drawdown.amount == D("519.00")
    assert drawdown.percent == D("5.6151")


def test_true_pnl_counts_profit_withdrawals_as_profit():
    classified = DEFAULT_RULES.classify_deals(DEALS)
    result = true_pnl(D("9333.50"), D(0), classified)  # balance 9313.50 + 20.00 floating
    # 9333.50 − 10000 deposited + 1000 withdrawn as profit = 333.50
    # = closed 304.60 − open commission 3.50 + floating 20.00 + rebate 12.40
    assert result.pnl == D("333.50")
    assert (result.capital_in, result.capital_out) == (D("10000"), D(0))
    assert result.profit_withdrawals == D("-1000")
    assert result.unclassified == D(0)


def test_unclassified_flows_are_treated_as_capital_and_reported():
    odd = [cash(at(2, 9), "10000", "Deposit"), cash(at(3, 9), "500", "adj ref 7781")]
    result = true_pnl(D("10600"), D("100"), DEFAULT_RULES.classify_deals(odd))
    assert result.unclassified == D("500")
    assert result.pnl == D("0")  # 10600 − 100 credit − 10500 capital


POINTS = [
    EquityPoint(at(1, 10), D("10000"), D("10000")),
    EquityPoint(at(1, 18), D("10000"), D("10500")),
    EquityPoint(at(2, 18), D("10000"), D("9800")),
    EquityPoint(at(3, 18), D("8000"), D("8300")),  # 2000 withdrawn at 12:00 that day
    EquityPoint(at(4, 18), D("8000"), D("8900")),
]
FLOWS = [(at(3, 12), D("-2000"))]


def test_equity_drawdown_and_curve():
    drawdown = max_equity_drawdown(POINTS, FLOWS)
    # Peak 10500 → 9800: fall 700 = 6.6667 %. The withdrawal moves the peak to 8500; 8300 is only 200 below.
    assert drawdown.amount == D("700")
    assert drawdown.percent == D("6.6667")
    assert equity_curve(POINTS)[1] == (at(1, 18), D("10500"))


def test_daily_returns_net_of_flows():
    returns = daily_returns(POINTS, FLOWS)
    assert [day for day, _ in returns] == [date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)]
    assert returns[0][1] == (D("9800") - D("10500")) / D("10500")
    assert returns[1][1] == D("500") / D("9800")  # (8300 − 9800 + 2000) / 9800
    assert returns[2][1] == D("600") / D("8300")


def test_sharpe_ratio():
    # mean 0.005, sample variance 0.0005 / 3, Sharpe = 0.005 × √6000 × √252 = √37.8 = 6.14817…
    assert sharpe_ratio([D("0.01"), D("-0.01"), D("0.02"), D("0")]) == D("6.1482")
    assert sharpe_ratio([D("0.01")]) is None
    assert sharpe_ratio([D("0.01"), D("0.01")]) is None
