"""Pure trading rules: deal classification, performance analytics, exposure and alerts (no I/O)."""
