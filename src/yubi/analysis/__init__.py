"""Analyses of a compiled case: sensitivity (evidence maths is in :mod:`yubi.evidence`)."""
