"""The Trading tab: MT5 accounts, live positions, equity, deals, alerts, analytics and the review queue."""
