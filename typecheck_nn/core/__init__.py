"""The core data types every layer shares: source locations, findings, the report, the rules.

They import nothing else of the checker, so the engine can produce them, policies can
filter them and renderers can print them without any of those layers knowing each other.
"""
