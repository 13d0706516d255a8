"""Helpers shared by test folders: import them from here, never from another folder's conftest or test module.

- ``cost``: cheap argon2/scrypt parameters (the root conftest applies the hasher to every test).
- ``clock``: a clock tests move by hand.
- ``users``: the passwords test users sign in with, TOTP codes.
- ``permission_matrix``: every role against one service call.
- ``forms``: driving service form dialogs with qtbot.
- ``ui_session``: a signed-in ``UiSession`` over a fresh database.
- ``portfolio_office`` / ``reporting_office``: the small portfolio office (actors, holdings), with settled
  subscriptions; ``reconciliation_office``: that office mapped to MT5 accounts with balance deals.
- ``keys_office``: an office with data keys and a test personal-data registry; ``audit``: tampering with the
  stored trail; ``files``: sample PDF and PNG documents.
- ``simulated_accounts`` / ``mt5_records``: the MT5 simulator's accounts as tests set them up, a terminal that
  drops out, hand-made deals and snapshots.
- ``demo``: the demo office, built once per test process and copied into each test that asks for it.
- ``mongomock_shim``: server-like comparisons for mongomock in the storage contract suite.
- ``tools``: system tools a test needs (skipped on a laptop without them, failed in CI).
"""
