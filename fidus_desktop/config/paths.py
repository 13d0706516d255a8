"""Per-user folders (platformdirs), overridable as a whole with ``FIDUS_HOME`` (tests, portable installs)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "FIDUS Desktop"
APP_AUTHOR = "FIDUS"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    log_dir: Path

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def default_database(self) -> Path:
        return self.data_dir / "fidus.db"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "fidus.log"

    @property
    def default_backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @classmethod
    def for_user(cls) -> AppPaths:
        home = os.environ.get("FIDUS_HOME")
        if home:
            root = Path(home)
            return cls(root / "config", root / "data", root / "logs")
        return cls(
            Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
            Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
            Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
        )
