"""The workstation's settings: a TOML file in the per-user config folder. Never holds a secret.

Each feature declares its settings as typed ``Setting`` entries with their defaults (``features/``); the
composition root gathers them into one ``SettingsSchema`` and ``Settings.load`` checks the file against it,
so a wrong value is refused when the file is read, naming the key and the file, not deep inside a screen.
Values are read with dotted names (``settings.get("backup.keep")``); unknown keys are kept, so an older
version does not drop what a newer one wrote. The file carries ``settings_version``; a feature that renames a
key adds a ``Rename`` step, applied when an older file is loaded (and written back on the next save).
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from fidus_desktop.errors import UserError

VERSION_KEY = "settings_version"
_SECRET_WORDS = ("password", "secret", "token", "passphrase", "api_key")
_TYPE_WORDS = {bool: "true or false", int: "a whole number", float: "a number", str: "a text", list: "a list"}


class SettingsError(UserError, ValueError):
    """The settings file cannot be read, or a value is not allowed there."""


@dataclass(frozen=True)
class Setting:
    """One key: its type, its default, and an optional ``check`` returning what is wrong with a value (or None).

    ``kind`` ``float`` accepts whole numbers too; ``bool`` is never taken for a number.
    """

    key: str
    kind: type
    default: Any
    help: str = ""
    check: Callable[[Any], str | None] | None = None

    def problem(self, value: Any) -> str | None:
        wrong_type = isinstance(value, bool) and self.kind is not bool
        accepted = (int, float) if self.kind is float else (self.kind,)
        if wrong_type or not isinstance(value, accepted):
            return f"must be {_TYPE_WORDS.get(self.kind, self.kind.__name__)}, not {value!r}"
        return self.check(value) if self.check else None


def at_least(low: float) -> Callable[[Any], str | None]:
    """A ``check`` for numbers: ``low`` or more."""
    return lambda value: None if value >= low else f"must be at least {low}, not {value!r}"


def one_of_each(choices: Iterable[str]) -> Callable[[Any], str | None]:
    """A ``check`` for lists whose every item is one of ``choices``."""
    allowed = tuple(choices)

    def check(values: Any) -> str | None:
        bad = [v for v in values if v not in allowed]
        return f"may list only {', '.join(allowed)}; {bad!r} is not one of them" if bad else None

    return check


@dataclass(frozen=True)
class Rename:
    """Upgrade step: from settings version ``version - 1`` to ``version`` the key ``old`` is called ``new``."""

    version: int
    old: str
    new: str


@dataclass(frozen=True)
class SettingsSchema:
    """Every declared key (with its default) and the upgrade steps, gathered from the features."""

    settings: Mapping[str, Setting] = field(default_factory=dict)
    renames: tuple[Rename, ...] = ()

    @classmethod
    def of(cls, settings: Iterable[Setting], renames: Iterable[Rename] = ()) -> SettingsSchema:
        found: dict[str, Setting] = {}
        for setting in settings:
            if setting.key in found:
                raise ValueError(f"The setting {setting.key} is declared twice; one feature owns each key.")
            if setting.check is not None and setting.check(setting.default) is not None:
                raise ValueError(f"The default of {setting.key} fails its own check.")
            found[setting.key] = setting
        return cls(found, tuple(sorted(renames, key=lambda r: r.version)))

    @property
    def version(self) -> int:
        """The settings version this code writes: 1, or the newest upgrade step."""
        return max((r.version for r in self.renames), default=1)

    def upgrade(self, data: dict[str, Any]) -> bool:
        """Apply the renames newer than the file's version, in order; True when something changed."""
        at = data.get(VERSION_KEY, 1)
        changed = False
        for step in self.renames:
            if step.version <= at:
                continue
            value = _pop(data, step.old)
            if value is not _MISSING and _lookup(data, step.new) is _MISSING:
                _put(data, step.new, value)
            changed = True
        if changed:
            data[VERSION_KEY] = self.version
        return changed

    def validate(self, data: Mapping[str, Any], path: Path) -> None:
        """Raise ``SettingsError`` for the first declared key holding a value it does not allow."""
        for key, setting in self.settings.items():
            value = _lookup(data, key)
            if value is _MISSING:
                continue
            problem = setting.problem(value)
            if problem:
                raise SettingsError(
                    f"The setting {key} in {path} {problem}. Correct it in a text editor, or delete the line to use "
                    f"the default ({setting.default!r})."
                )


class Settings:
    """Settings backed by one TOML file; ``get`` falls back on the schema's defaults."""

    def __init__(self, path: Path, data: dict[str, Any] | None = None, schema: SettingsSchema | None = None) -> None:
        self.path = path
        self.data: dict[str, Any] = data if data is not None else {}
        self.schema = schema or SettingsSchema()

    @classmethod
    def load(cls, path: Path, schema: SettingsSchema | None = None) -> Settings:
        """Read, upgrade (in memory) and validate ``path``; a missing file means every default."""
        schema = schema or SettingsSchema()
        if not path.exists():
            return cls(path, None, schema)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(
                f"The settings file {path} is not valid TOML ({exc}). Fix it in a text editor or rename it to "
                "start with defaults."
            ) from exc
        schema.upgrade(data)
        schema.validate(data, path)
        return cls(path, data, schema)

    def get(self, name: str, default: Any = None) -> Any:
        value = _lookup(self.data, name)
        if value is not _MISSING:
            return value
        declared = self.schema.settings.get(name)
        return declared.default if declared is not None else default

    def set(self, name: str, value: Any) -> None:
        if any(word in name.lower() for word in _SECRET_WORDS):
            raise SettingsError(f"{name} looks like a secret; secrets go to the OS keyring, never the settings file.")
        declared = self.schema.settings.get(name)
        problem = declared.problem(value) if declared else None
        if problem:
            raise SettingsError(f"The setting {name} {problem}.")
        _put(self.data, name, value)

    def save(self) -> None:
        """Write atomically (temporary file + rename), so a crash never leaves half a file."""
        self.data.setdefault(VERSION_KEY, self.schema.version)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-", suffix=".toml")
        try:
            with os.fdopen(fd, "wb") as fh:
                tomli_w.dump(self.data, fh)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


_MISSING = object()


def _lookup(data: Mapping[str, Any], name: str) -> Any:
    node: Any = data
    for part in name.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _put(data: dict[str, Any], name: str, value: Any) -> None:
    *parents, last = name.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _pop(data: dict[str, Any], name: str) -> Any:
    *parents, last = name.split(".")
    node: Any = data
    for part in parents:
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node.pop(last, _MISSING) if isinstance(node, dict) else _MISSING
