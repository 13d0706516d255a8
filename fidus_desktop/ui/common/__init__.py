"""Widgets and models every tab can reuse: the lazy table, charts, KPI cards."""
