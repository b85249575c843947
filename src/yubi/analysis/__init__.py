"""Analyses of a compiled case: sensitivity, evidence updating and what the brief reports."""
