"""Security primitives: password hashing, MFA, field and blob encryption, the audit hash chain,
the encrypted backup format and the keyring fallback.

Pure Python like ``fidus_desktop.domain``: no Qt, no pymongo, no sqlite3 and no database access, so the
services, the CLI and the tests all call exactly the same code. See ``docs/SECURITY.md``.
"""
