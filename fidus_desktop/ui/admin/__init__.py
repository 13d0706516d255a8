"""The Admin tab: users, and the sections other features add (audit, backups, keys)."""
