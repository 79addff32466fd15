"""Make torchvision importable next to the CPU build of torch the project pins.

torchvision's wheels on PyPI are linked against the CUDA build of torch (libtorch_cuda.so).
Next to `torch==2.13.0+cpu` their C++ ops (nms, roi_align, ...) cannot load. torchvision
0.28 is meant to work without them, but it registers a fake kernel for `torchvision::nms`
and `torchvision::qnms` unconditionally, so `import torchvision` raises "operator
torchvision::nms does not exist" -- and so does every `transformers` model class, because
transformers imports torchvision whenever it is installed.

Declaring the two op schemas (without any kernel) lets the import succeed. The models the
primer builds never call them; calling them would raise "no kernel", which is honest.
Call `allow_torchvision_import()` before anything imports torchvision, transformers or timm.
"""

from __future__ import annotations

import glob
import importlib.util
import os

import torch

_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_libraries: list[torch.library.Library] = []  # keeps the definitions alive for the process


def _extension_loads(package_dir: str) -> bool:
    for path in glob.glob(os.path.join(package_dir, "_C*.so")):
        try:
            torch.ops.load_library(path)
            return True
        except OSError:
            return False
    return False


def allow_torchvision_import() -> bool:
    """Declare torchvision's missing op schemas if its C++ extension cannot load.

    Returns True when the shim was needed. Idempotent; a no-op when torchvision is absent
    or its extension loads (a matching CPU build).
    """
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return False
    if _libraries:
        return True
    if _extension_loads(list(spec.submodule_search_locations)[0]):
        return False
    lib = torch.library.Library("torchvision", "FRAGMENT")
    for name, schema in _SCHEMAS.items():
        if not torch._C._dispatch_has_kernel(f"torchvision::{name}") and not _has_schema(name):
            lib.define(schema)
    _libraries.append(lib)
    return True


def _has_schema(name: str) -> bool:
    try:
        torch._C._get_schema(f"torchvision::{name}", "")
        return True
    except RuntimeError:
        return False
