"""Helpers shared by the tests and a few benchmarks and scripts (drivers, clients, hand-built reports); no tests here."""
