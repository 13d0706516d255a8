"""The repository layer: one storage port, an SQLite and a MongoDB adapter, repositories over the port.

Nothing here opens a connection at import time; ``open_store(uri)`` does, from the composition root.
"""
