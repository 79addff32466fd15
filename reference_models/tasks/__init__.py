"""Training tasks: character-level LM, NTM copy, HM-RNN boundary analysis.

A task owns its data, its input/output heads and its metrics; ``train.py`` owns
the loop. ``TASKS`` maps CLI names to task classes.
"""

from __future__ import annotations

from .char_lm import CharLM
from .copy import CopyTask

TASKS = {"char-lm": CharLM, "copy": CopyTask}

__all__ = ["TASKS", "CharLM", "CopyTask"]
