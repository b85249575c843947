"""Tests of the core: case format, expressions, distributions, engine, summaries, CLI."""
