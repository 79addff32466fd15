"""The checking engine: trace -> typed graph (ops/) -> solve -> recurrence, diagnose, for one model.

It takes a built module and its inputs and returns a `core.model.ModelResult`. It never
imports user files, never reads configuration and never renders: that is run/, policy/
and report/, all of which sit above it (see the layer contracts in pyproject.toml).
"""
