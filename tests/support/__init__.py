"""Helpers shared by test folders: import them from here, never from another folder's conftest or test module.

- ``cost``: cheap argon2/scrypt parameters (the root conftest applies the hasher to every test).
- ``clock``: a clock tests move by hand.
- ``users``: the passwords test users sign in with, TOTP codes.
- ``permission_matrix``: every role against one service call.
- ``forms``: driving service form dialogs with qtbot.
- ``ui_session``: a signed-in ``UiSession`` over a fresh database.
- ``portfolio_office`` / ``reporting_office``: the small portfolio office, with settled subscriptions.
- ``keys_office``: an office with data keys and a test personal-data registry.
- ``demo``: the demo office, built once per test session and copied into each test that asks for it.
- ``mongomock_shim``: server-like comparisons for mongomock in the storage contract suite.
"""
