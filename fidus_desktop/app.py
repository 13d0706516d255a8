"""``fidus-desktop``: the GUI entry point."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from fidus_desktop import __version__


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fidus-desktop", description="FIDUS Desktop")
    parser.add_argument("--db", help="database URI: sqlite:///path.db or mongodb://host/db (default: settings)")
    parser.add_argument("--demo", action="store_true", help="open a fresh demo database, signed in as its admin")
    parser.add_argument("--screenshot", type=Path, metavar="PATH", help="render the window to a PNG and exit")
    parser.add_argument("--tab", help="tab to show by id, e.g. portfolio, trading, admin")
    parser.add_argument("--size", help="window size for --screenshot, e.g. 1400x900")
    parser.add_argument("--reset-window", action="store_true", help="forget the saved window size and tab")
    parser.add_argument("--version", action="version", version=f"FIDUS Desktop {__version__}")
    return parser.parse_args(argv)


def configure_qsettings(config_dir: Path) -> None:
    """Window state as an INI file in the per-user config folder (isolated by FIDUS_HOME in tests)."""
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("FIDUS")
    QCoreApplication.setApplicationName("FIDUS Desktop")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(config_dir))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.screenshot and not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from fidus_desktop.errors import UserError, user_message
    from fidus_desktop.ui.screenshot import parse_size, render_to_png
    from fidus_desktop.ui.splash import show_starting

    try:
        size = parse_size(args.size)
    except UserError as exc:
        print(f"fidus-desktop: {user_message(exc)}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv[:1])
    progress = show_starting(app)  # on screen before the seconds the imports below take (bench_startup.py)

    from fidus_desktop.config.paths import AppPaths
    from fidus_desktop.ui.background import runner
    from fidus_desktop.ui.errors import install_excepthook
    from fidus_desktop.ui.startup import Startup, StartupOptions
    from fidus_desktop.ui.tabs import tab_names

    if args.tab and args.tab not in tab_names():
        progress.close()
        print(f"fidus-desktop: there is no tab {args.tab!r}; choose one of {', '.join(tab_names())}.", file=sys.stderr)
        return 2
    install_excepthook(unattended=bool(args.screenshot))
    configure_qsettings(AppPaths.for_user().config_dir)
    if args.reset_window:
        QSettings().clear()
    startup = Startup(StartupOptions(args.db, args.demo, args.tab, restore_state=not args.screenshot), runner(),
                      progress=progress)
    result: dict[str, int] = {"code": 0}

    def finished(window: object, code: int) -> None:
        result["code"] = code
        if window is None:
            app.quit()
            return
        # What start-up built lives as long as the app: keep it out of every later full garbage collection, which
        # would otherwise pause the GUI thread while traversing it (benchmarks/bench_gui_lag.py).
        gc.freeze()
        if args.screenshot:
            # Let the tabs' first background loads land before the picture is taken.
            def shoot() -> None:
                runner().wait(60_000)
                app.processEvents()
                render_to_png(window, args.screenshot, size)  # type: ignore[arg-type]
                window.close()  # type: ignore[attr-defined]
                app.quit()

            QTimer.singleShot(1500, shoot)

    def dialog_instead(dialog: object) -> None:
        """No main window without a sign-in: picture the dialog that asks for one, and say so."""
        print(f"fidus-desktop: this database needs a sign-in, so {args.screenshot} shows the dialog asking for it; "
              "use --demo for a picture of the main window.", file=sys.stderr)
        render_to_png(dialog, args.screenshot, None)  # type: ignore[arg-type]
        dialog.reject()  # type: ignore[attr-defined]  # ends the start-up like Cancel: context closed, exit 0

    startup.finished.connect(finished)
    if args.screenshot:
        startup.awaiting_input.connect(dialog_instead)
    QTimer.singleShot(0, startup.start)
    exit_code = app.exec()
    return result["code"] or exit_code


if __name__ == "__main__":
    sys.exit(main())
