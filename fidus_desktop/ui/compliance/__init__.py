"""The Compliance tab (screening so far: list versions, alerts and their four-eyes dispositions)."""
