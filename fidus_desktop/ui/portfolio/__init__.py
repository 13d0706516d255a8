"""The Portfolio tab: overview, tables, charts and the dealing, NAV, fee and investor dialogs."""
