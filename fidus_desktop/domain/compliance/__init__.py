"""Compliance rules without storage or Qt: sanctions-list entries and their versions, name matching and
screening scores."""
