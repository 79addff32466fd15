"""Training tasks: character-level LM, NTM copy, HM-RNN boundary analysis,
ACT parity, sequence reversal (attention).

A task owns its data, its input/output heads and its metrics; ``train.py`` owns
the loop. ``TASKS`` maps CLI names to task classes.
"""

from __future__ import annotations

from .char_lm import CharLM
from .copy import CopyTask
from .parity import ParityTask
from .reversal import ReversalTask

TASKS = {"char-lm": CharLM, "copy": CopyTask, "parity": ParityTask, "reverse": ReversalTask}

__all__ = ["TASKS", "CharLM", "CopyTask", "ParityTask", "ReversalTask"]
