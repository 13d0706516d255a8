"""Frozen-bundle entry point for the GUI (PyInstaller needs a script, not a console_scripts entry)."""

import sys

from fidus_desktop.app import main

sys.exit(main())
