"""Typed settings: defaults from the features, values checked when the file loads (naming the key and the
file), unknown keys kept, and upgrade steps for renamed keys."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli.main import main
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.settings import VERSION_KEY, Rename, Setting, Settings, SettingsError, SettingsSchema
from fidus_desktop.features.registry import settings_schema


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_file_every_declared_default_applies(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "none.toml", settings_schema())
    assert settings.get("backup.keep") == 14
    assert settings.get("security.idle_lock_minutes") == 10
    assert settings.get("mt5.poll_seconds") == 5.0
    assert settings.get("security.mfa_required_roles") == ["admin", "compliance_officer"]
    assert settings.get("not.declared", "fallback") == "fallback"


@pytest.mark.parametrize(("text", "message"), [
    ('[backup]\nkeep = "many"\n', "backup.keep in {path} must be a whole number, not 'many'"),
    ("[backup]\nkeep = 0\n", "backup.keep in {path} must be at least 1, not 0"),
    ("[mt5]\npoll_seconds = true\n", "mt5.poll_seconds in {path} must be a number, not True"),
    ("[mt5]\npoll_seconds = 0\n", "mt5.poll_seconds in {path} must be more than 0, not 0"),
    ('[security]\nmfa_required_roles = ["admin", "boss"]\n', "['boss'] is not one of them"),
    ("[security]\nidle_lock_minutes = -5\n", "security.idle_lock_minutes in {path} must be more than 0"),
])
def test_a_wrong_value_is_refused_on_load_naming_the_key_and_the_file(tmp_path: Path, text: str,
                                                                      message: str) -> None:
    path = write(tmp_path / "settings.toml", text)
    with pytest.raises(SettingsError) as refused:
        Settings.load(path, settings_schema())
    assert message.format(path=path) in str(refused.value)
    assert "delete the line to use the default" in str(refused.value)


def test_whole_numbers_are_numbers_and_unknown_keys_survive_a_save(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.toml", "[mt5]\npoll_seconds = 2\n[newer]\nfeature = 'kept'\n")
    settings = Settings.load(path, settings_schema())
    assert settings.get("mt5.poll_seconds") == 2
    settings.set("backup.keep", 30)
    settings.save()
    saved = tomllib.loads(path.read_text(encoding="utf-8"))
    assert saved["newer"] == {"feature": "kept"}
    assert saved["backup"] == {"keep": 30}
    assert saved[VERSION_KEY] == 1
    with pytest.raises(SettingsError, match=r"backup\.keep must be a whole number"):
        settings.set("backup.keep", "thirty")


def test_a_renamed_key_is_carried_over_by_its_upgrade_step(tmp_path: Path) -> None:
    renames = [Rename(2, "backup.directory", "backup.folder"), Rename(3, "backup.copies", "backup.keep")]
    schema = SettingsSchema.of([Setting("backup.folder", str, ""), Setting("backup.keep", int, 14)], renames)
    path = write(tmp_path / "settings.toml", '[backup]\ndirectory = "D:/backups"\ncopies = 7\n')
    settings = Settings.load(path, schema)
    assert (settings.get("backup.folder"), settings.get("backup.keep")) == ("D:/backups", 7)
    settings.save()
    saved = tomllib.loads(path.read_text(encoding="utf-8"))
    assert saved == {"backup": {"folder": "D:/backups", "keep": 7}, VERSION_KEY: 3}
    # A file already at version 3 is not upgraded again: an old name there is someone else's key.
    write(path, f'{VERSION_KEY} = 3\n[backup]\ncopies = "x"\nkeep = 5\n')
    assert Settings.load(path, schema).get("backup.keep") == 5


def test_a_renamed_key_is_checked_under_its_new_name(tmp_path: Path) -> None:
    schema = SettingsSchema.of([Setting("backup.keep", int, 14)], [Rename(2, "backup.copies", "backup.keep")])
    path = write(tmp_path / "settings.toml", '[backup]\ncopies = "seven"\n')
    with pytest.raises(SettingsError, match=r"backup\.keep in .* must be a whole number"):
        Settings.load(path, schema)


def test_a_key_declared_twice_or_a_default_failing_its_check_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        SettingsSchema.of([Setting("a.b", int, 1), Setting("a.b", int, 2)])
    with pytest.raises(ValueError, match="fails its own check"):
        SettingsSchema.of([Setting("a.b", int, 0, check=lambda v: None if v > 0 else "must be positive")])


def test_the_app_and_the_cli_refuse_a_bad_settings_file_with_its_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(AppPaths.for_user().settings_file, "[backup]\nkeep = 'many'\n")
    uri = f"sqlite:///{(tmp_path / 'x.db').as_posix()}"
    with pytest.raises(SettingsError, match=re.escape(f"backup.keep in {path}")):
        open_context(uri, log_to_file=False)
    assert main(["--db", uri, "user", "list", "--user", "nobody"]) == 2
    assert f"fidus: The setting backup.keep in {path} must be a whole number" in capsys.readouterr().err
