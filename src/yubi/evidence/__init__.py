"""Evidence maths, apart from the store: items, sequential updating, ACH, pooling, scoring.

Nothing here reads or writes a database: :mod:`yubi.store` reads and writes rows and calls
these functions.
"""
