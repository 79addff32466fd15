"""Fixed matrices: a buffer or constant used as the matrix of a contraction.

Why: the paper's "a matrix changes type" is about the map, not about whether it is
trained. An echo-state reservoir `h = tanh(W x + R h)` with R a random buffer, or a fixed
random projection added back to its input, relate a type to itself exactly as a learned
matrix would. Constants are otherwise type-neutral per use (each use gets fresh types,
`Builder.constant_use`) so that zeros, masks, scales and rotary tables tie nothing
together; that neutrality is right where a constant acts as a number, and wrong where it
acts as a map. So a constant used as a matrix is tied back to the buffer it comes from
(one typed object across its uses, as a parameter is) and gets the matrix rule, except:

- a gate (a softmax over a fixed mask: attention with constant scores, averaging past
  positions) is normalised weights, which keep the type as attention's do;
- a buffer whose value maps basis vectors to (scaled) basis vectors, an identity, a
  permutation or a diagonal, keeps the type;
- a constant made inside forward from nothing (`torch.eye`, `torch.zeros`) is no fixed
  object of the model and stays neutral.
"""

from __future__ import annotations

import torch

from typecheck_nn.engine.ir import Value

_MAX_CHECKED = 1 << 24  # entries; a larger buffer is not inspected and counts as a general matrix


def keeps_basis(t: object) -> bool:
    """Whether a fixed tensor, read as (a batch of) square matrices, has exactly one
    nonzero per row and per column: an identity, permutation or diagonal, which map the
    basis onto itself and so keep the type. Unknown values (meta tensors) do not."""
    if not isinstance(t, torch.Tensor) or t.ndim < 2 or t.shape[-1] != t.shape[-2] or t.shape[-1] < 2:
        return False
    if t.is_meta or t.numel() > _MAX_CHECKED:
        return False
    try:
        nz = t.detach() != 0
        return bool((nz.sum(-1) == 1).all() and (nz.sum(-2) == 1).all())
    except Exception:  # noqa: BLE001 - a tensor subclass that cannot be read: a general matrix
        return False


def fixed_roots(builder, node) -> list[int]:
    """Parameter-table indices of the buffers and constants a constant fx node is computed
    from (an empty list for one made inside forward from nothing)."""
    todo, seen, roots = [node], set(), []
    while todo:
        n = todo.pop()
        if n.name in seen:
            continue
        seen.add(n.name)
        if n.op == "placeholder":
            idx = builder.param_nodes.get(builder.resolve_name(n.name))
            if idx is not None:
                roots.append(idx)
            continue
        todo.extend(n.all_input_nodes)
    return sorted(set(roots))


def root_axis(builder, var: int) -> int:
    """The variable a per-use copy of a constant's axis was copied from, followed back to
    the constant's own axes (through `R.T`, `R.to(...)`, `R[:n]` uses of uses)."""
    while var in builder.use_of:
        var = builder.use_of[var]
    return var


def fixed_matrix(builder, value: Value, out_axes: list[int], contracted_axes: list[int], node) -> None:
    """The matrix rule for a constant operand that comes from the model's buffers (see the
    module docstring): its axes are tied to the buffer's, and its output axes must not
    share a type with the axes it contracts."""
    if node is None or value.is_gate or not builder.is_constant(node):
        return
    roots = fixed_roots(builder, node)
    if not roots:
        return
    program = builder.program
    names = [builder.params[i].name for i in roots]
    unknown = {n for n in names if not isinstance(program.tensors.get(n), torch.Tensor) or program.tensors[n].is_meta}
    program.unknown_tensors |= unknown  # traced on meta: the caller may look at the real values
    if not unknown and all(keeps_basis(program.tensors[n]) for n in names):
        return
    params = frozenset(roots)
    for o in out_axes:
        for k in contracted_axes:
            if value.shape[o] > 1 and value.shape[k] > 1:
                # declared on the constant's own axes, once for all its uses
                out_var, in_var = root_axis(builder, value.axes[o]), root_axis(builder, value.axes[k])
                builder.eq(value.axes[o], out_var)
                builder.eq(value.axes[k], in_var)
                builder.matrix_vars(out_var, in_var, node, params)
