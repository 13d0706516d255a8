"""Frozen-bundle entry point for the ``fidus`` command."""

import multiprocessing
import sys

from fidus_desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # batch statements may use a process pool in the frozen build
    sys.exit(main())
