"""Frozen-bundle entry point for the ``fidus`` command."""

import sys

from fidus_desktop.cli import main

sys.exit(main())
