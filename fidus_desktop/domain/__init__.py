"""Pure business rules: entities, value objects and calculations.

Nothing here imports Qt, pymongo or sqlite3 (a test enforces it), so every rule
runs the same in the GUI, the CLI, the tests and the benchmarks.
"""
