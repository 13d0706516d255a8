"""Frozen-bundle entry point for the GUI (PyInstaller needs a script, not a console_scripts entry)."""

import multiprocessing
import sys

from fidus_desktop.app import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # batch statements may use a process pool in the frozen build
    sys.exit(main())
