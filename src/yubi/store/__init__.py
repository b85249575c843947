"""The evidence, indicator and forecast store (SQLite by default, PostgreSQL on request).

:mod:`~yubi.store.database` opens and migrates it; :mod:`~yubi.store.evidence` holds evidence
items; :mod:`~yubi.store.forecasts` questions, probabilities and resolutions;
:mod:`~yubi.store.audit` who changed what; :mod:`~yubi.store.export` writes CSV and JSON.
"""
