"""Cubes: sets of fact combinations, the unit of ``rongcuo lint``'s symbolic search.

A cube maps a variable to the indices of the values it allows (among the variable's values in
:class:`rongcuo.authoring.lint_search._Space`); a variable it does not name may take any value.
A rule's normal form is a list of cubes, their union. Meeting two cubes intersects them, a cube
absorbs the cubes inside it, and :func:`solutions` / :func:`cube_cover` search the product of
several unions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

Cube = dict[str, frozenset[int]]  # variable -> indices of the values allowed; absent: any value


def cube_meet(a: Cube, b: Cube) -> Cube | None:
    """The intersection of two cubes; ``None`` when it is empty."""
    if len(a) < len(b):
        a, b = b, a
    out = dict(a)
    for var, allowed in b.items():
        if var in out:
            both = out[var] & allowed
            if not both:
                return None
            out[var] = both
        else:
            out[var] = allowed
    return out


def _within(small: Cube, big: Cube) -> bool:
    """Whether every combination of ``small`` is one of ``big``."""
    return all(var in small and small[var] <= allowed for var, allowed in big.items())


def cube_key(cube: Cube) -> tuple[tuple[str, tuple[int, ...]], ...]:
    return tuple(sorted((var, tuple(sorted(allowed))) for var, allowed in cube.items()))


def absorb(cubes: Iterable[Cube]) -> list[Cube]:
    """Drop repeated cubes and cubes inside another one; the widest come first."""
    unique = {cube_key(c): c for c in cubes}
    ordered = sorted(
        unique.values(), key=lambda c: (len(c), -sum(len(s) for s in c.values()), cube_key(c))
    )
    kept: list[Cube] = []
    for cube in ordered:
        if not any(_within(cube, k) for k in kept):
            kept.append(cube)
    return kept


class OutOfBudget(Exception):
    pass


def solutions(factors: Sequence[Sequence[Cube]], budget: int) -> Iterator[Cube]:
    """Cubes compatible with one cube of every factor, depth first (raises past ``budget``)."""
    ordered = sorted(factors, key=len)
    steps = 0

    def go(i: int, cube: Cube) -> Iterator[Cube]:
        nonlocal steps
        if i == len(ordered):
            yield cube
            return
        for option in ordered[i]:
            steps += 1
            if steps > budget:
                raise OutOfBudget
            met = cube_meet(cube, option)
            if met is not None:
                yield from go(i + 1, met)

    yield from go(0, {})


def cube_cover(factors: Sequence[Sequence[Cube]], limit: int) -> list[Cube] | None:
    """Cubes whose union is the intersection of the factors (each a union of cubes)."""
    acc: list[Cube] = [{}]
    for factor in sorted(factors, key=len):
        acc = absorb(m for a in acc for o in factor if (m := cube_meet(a, o)) is not None)
        if len(acc) > limit:
            return None
    return acc
