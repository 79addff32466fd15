"""Imported once by the primer's forkserver, so each model's process starts warm.

Order matters: torchvision needs its shim (primer_compat) before anything imports it, and
transformers/timm import torchvision.
"""

from __future__ import annotations

import importlib

import primer_compat

primer_compat.allow_torchvision_import()

import torch  # noqa: E402,F401

import typecheck_nn  # noqa: E402,F401

for _name in ("torchvision", "timm", "transformers", "transformers.modeling_utils", "x_transformers", "vit_pytorch"):
    try:
        importlib.import_module(_name)
    except ImportError:  # a missing library fails only its own models, with a clear error
        pass
