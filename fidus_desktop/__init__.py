"""FIDUS Desktop."""
