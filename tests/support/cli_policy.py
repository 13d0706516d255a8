"""Office policies CLI tests set up in the per-test settings file (FIDUS_HOME)."""

from __future__ import annotations

from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.settings import Settings


def admins_without_mfa() -> None:
    """This office requires MFA of compliance officers only (``security.mfa_required_roles``), so tests that
    are not about sign-in act as an administrator with a password; tests/cli/test_sign_in_policy.py covers
    the default, where administrators must enrol first."""
    settings = Settings.load(AppPaths.for_user().settings_file)
    settings.set("security.mfa_required_roles", ["compliance_officer"])
    settings.save()


def no_mfa_required() -> None:
    """This office requires a second factor of nobody, for CLI tests that act as compliance officers or
    administrators and are not about sign-in (tests/cli/test_sign_in_policy.py covers the default)."""
    settings = Settings.load(AppPaths.for_user().settings_file)
    settings.set("security.mfa_required_roles", [])
    settings.save()
