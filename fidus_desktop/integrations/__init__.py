"""Ports to the outside world (MT5, Google, FX rates, sanctions lists): real adapters and test doubles."""
