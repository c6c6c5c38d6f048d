"""Searching a typical-case library for cases like the one before an officer.

Takes the feature sets of a case (:func:`rongcuo.precedents.entry.features`) and a library's
index (its weights and the features of each entry); gives :class:`Hit` values, best first::

    score = Σ_k w_k·|A_k ∩ B_k| / Σ_k w_k·|A_k ∪ B_k|      (weighted Jaccard; 0 when both empty)

over the sets k (situations, exclusions, looks with their findings, work area, grounds,
outcome) with the library's weights (``index.json``, from ``data/search.yaml`` when built).
Ties are broken by library id, so the same query always lists the same hits in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rongcuo.precedents.build import Index, IndexEntry


@dataclass(frozen=True)
class Hit:
    """One library entry and how like the query it is: the score and what it shares."""

    library_id: str
    score: float
    shared: dict[str, list[str]]
    outcome: str
    outcome_label: str
    title: str
    final: bool

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "library_id": self.library_id,
            "score": round(self.score, 4),
            "shared": self.shared,
            "outcome": self.outcome,
            "outcome_label": self.outcome_label,
            "title": self.title,
            "final": self.final,
        }


def similarity(
    query: Mapping[str, Sequence[str]],
    other: Mapping[str, Sequence[str]],
    weights: Mapping[str, float],
) -> tuple[float, dict[str, list[str]]]:
    """The weighted Jaccard score of two cases' feature sets and what they share (by set)."""
    num = den = 0.0
    shared: dict[str, list[str]] = {}
    for name, weight in weights.items():
        a, b = set(query.get(name, ())), set(other.get(name, ()))
        both = sorted(a & b)
        shared[name] = both
        num += weight * len(both)
        den += weight * len(a | b)
    return (num / den if den else 0.0), shared


def search(query: Mapping[str, Sequence[str]], index: Index, top: int = 5) -> list[Hit]:
    """The ``top`` entries of ``index`` most like ``query``, best first, ties by library id."""

    def hit(row: IndexEntry) -> Hit:
        score, shared = similarity(query, row.features, index.weights)
        return Hit(
            row.library_id, score, shared, row.outcome, row.outcome_label, row.title, row.final
        )

    hits = [hit(row) for row in index.entries]
    hits.sort(key=lambda h: (-h.score, h.library_id))
    return hits[: max(top, 0)]
