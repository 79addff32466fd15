"""The solver on its own: unification, sums, conflicts, undo, and complete choice search."""

from __future__ import annotations

from typecheck_nn.engine.ir import Choice, Constraints, Eq, Structure
from typecheck_nn.engine.solve import UnionFind, hard_classes, solve


def _matrix(c: Constraints, out_size=4, in_size=4):
    """A parameter with axes (out, in) declared as a matrix."""
    cod, dom = c.fresh(out_size, "cod"), c.fresh(in_size, "dom")
    c.tags += [(cod, (0, 0)), (dom, (0, 1))]
    c.distinct.append((0, 0, 1, 0))
    return cod, dom


def test_matrix_output_meeting_its_input_is_a_conflict():
    c = Constraints()
    cod, dom = _matrix(c)
    x = c.fresh(4, "x")
    c.program += [Eq(x, dom, 1), Eq(x, cod, 2)]  # W x, then x + W x
    sol = solve(c)
    assert [(k.param, k.reason) for k in sol.conflicts] == [(0, 2)]


def test_chained_equalities_are_fine_without_a_loop():
    c = Constraints()
    cod, dom = _matrix(c)
    x, y = c.fresh(4, "x"), c.fresh(4, "y")
    c.program += [Eq(x, dom, 1), Eq(y, cod, 2)]
    assert solve(c).conflicts == []


def test_sums_align_by_size_and_refine_unrefined_parts():
    uf = UnionFind([30], {})
    a, b = uf.new_var(8), uf.new_var(22)
    uf.attach(0, "sum", (a, b), 0)
    c, d, e = uf.new_var(8), uf.new_var(1), uf.new_var(21)
    uf.attach(0, "sum", (c, d, e), 1)
    assert uf.find(a) == uf.find(c)
    # b was refined into (1, 21) to match
    assert uf.atoms(b) == {uf.find(d), uf.find(e)}
    assert uf.clashes == []


def test_conflict_on_a_part_of_a_direct_sum():
    """The LSTM-by-concat pattern: W [x; h], a chunk of the output flows back into h."""
    c = Constraints()
    cod, dom = _matrix(c, 8, 6)
    x, h = c.fresh(2, "x"), c.fresh(4, "h")
    cat = c.fresh(6, "cat")
    g1, g2 = c.fresh(4, "g1"), c.fresh(4, "g2")
    c.program += [Structure(cat, "sum", (x, h), 1), Eq(cat, dom, 2), Structure(cod, "sum", (g1, g2), 3), Eq(g2, h, 4)]
    sol = solve(c)
    assert len(sol.conflicts) == 1


def test_undo_restores_state():
    uf = UnionFind([3, 3, 3], {})
    mark = uf.mark()
    uf.unify(0, 1, 0)
    uf.attach(2, "sum", (uf.new_var(1), uf.new_var(2)), 0)
    uf.undo(mark)
    assert uf.find(0) != uf.find(1)
    assert uf.struct[2] is None
    assert len(uf.parent) == 3


def test_choice_search_finds_the_consistent_orientation():
    """(A x) * (B x) + A x: only 'the product takes A's type' works."""
    c = Constraints()
    cod_a, dom_a = _matrix(c)
    cod_b, dom_b = c.fresh(4, "codB"), c.fresh(4, "domB")
    c.tags += [(cod_b, (1, 0)), (dom_b, (1, 1))]
    c.distinct.append((1, 0, 1, 0))
    x, prod = c.fresh(4, "x"), c.fresh(4, "prod")
    c.program += [Eq(x, dom_a, 1), Eq(x, dom_b, 2)]
    # alternative 0 (tried first) takes x's type, which then meets A's output: must move on
    c.choices.append(Choice(3, "s", ((Eq(prod, x, 3),), (Eq(prod, cod_b, 3),))))
    c.program.append(Eq(prod, cod_a, 4))
    sol = solve(c)
    assert sol.conflicts == []
    assert sol.chosen == {0: 1}


def test_choice_search_reports_only_when_no_orientation_works():
    c = Constraints()
    cod_a, dom_a = _matrix(c)
    x, prod, other = c.fresh(4, "x"), c.fresh(4, "prod"), c.fresh(4, "other")
    c.program += [Eq(x, dom_a, 1), Eq(prod, x, 5)]
    c.choices.append(Choice(3, "s", ((Eq(prod, cod_a, 3),), (Eq(prod, cod_a, 3), Eq(other, x, 3)))))
    sol = solve(c)
    assert len(sol.conflicts) == 1


def test_long_unrolled_choices_stay_linear():
    """500 steps of an orientation choice at one site: solved without backtracking blow-up."""
    c = Constraints()
    cod, dom = _matrix(c)
    state = c.fresh(4, "h0")
    for t in range(500):
        z, new = c.fresh(4, f"z{t}"), c.fresh(4, f"h{t + 1}")
        c.program.append(Eq(z, cod, 10 + t))
        c.choices.append(Choice(t, "site", ((Eq(new, state, t),), (Eq(new, z, t),))))
        state = new
    c.program.append(Eq(state, cod, 9))
    sol = solve(c)
    assert sol.conflicts == [] and not sol.search_exhausted
    assert sol.search_steps < 2000


def test_matrix_maps_type_into_itself():
    """An input part reappearing in the output (whole, or as a factor) is a violation; an
    output that is only a factor of the input is not."""
    from typecheck_nn.engine.ir import Constraints, Structure
    from typecheck_nn.engine.solve import UnionFind, maps_type_into_itself

    c = Constraints()
    heads, dh, merged, x, h, both = (c.fresh(n, str(n)) for n in (2, 4, 8, 3, 8, 11))
    c.program.append(Structure(merged, "prod", (heads, dh), 0))
    c.program.append(Structure(both, "sum", (x, h), 1))
    uf = UnionFind(list(c.sizes), {})
    for item in c.program:
        uf.attach(item.holder, item.kind, item.parts, item.reason)
    assert not maps_type_into_itself(uf, heads, merged)  # (heads ⊗ dh) -> heads: a gate per head
    assert maps_type_into_itself(uf, h, both)  # W: x ⊕ h -> h maps into a summand of its input
    assert maps_type_into_itself(uf, merged, merged)
    assert maps_type_into_itself(uf, merged, dh)  # dh -> (heads ⊗ dh): each head's slice maps dh to dh


def test_hard_classes_follow_equalities_and_structures_but_make_no_choice():
    """The step-cell pass asks which axes the program already equates (a state axis that
    is already its next value's): equalities and structures count, a choice does not."""
    c = Constraints()
    b1, t1, b2, t2 = (c.fresh(n, name) for n, name in ((2, "b"), (8, "t"), (2, "b'"), (8, "t'")))
    merged, split = c.fresh(16, "bt"), c.fresh(16, "bt'")
    g, v = c.fresh(4, "g"), c.fresh(4, "v")
    c.program += [
        Structure(merged, "prod", (b1, t1), 1),  # view(-1, d) merges batch and time
        Structure(split, "prod", (b2, t2), 2),  # view(b, -1, d) splits them again
        Eq(merged, split, 3),
    ]
    c.choices.append(Choice(4, "g*v", ((Eq(g, v, 4),), (Eq(v, g, 4), Eq(g, b1, 4)))))
    uf = hard_classes(c)
    assert uf is not None
    assert uf.find(t1) == uf.find(t2) and uf.find(b1) == uf.find(b2)
    assert uf.find(g) != uf.find(v)
