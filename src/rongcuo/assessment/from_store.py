"""An assessment's input with what the case store records for its cadre.

Takes an :class:`~rongcuo.assessment.input.AssessmentInput` and anything that answers
``warning_history(cadre_id)`` and ``sanctions_of(cadre_id)`` (a
:class:`~rongcuo.procedure.book.CaseBook`); gives the input with the warnings given on the
cadre's cases (its history) and the sanctions their case files record added. Used by ``rongcuo
assess --store`` and by the service's ``POST /v1/assess/{kind}`` when it has a store, so both
read the store alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from rongcuo.assessment.history import WarningEntry
from rongcuo.assessment.input import AssessmentInput
from rongcuo.case.contract import Sanction

T = TypeVar("T")


class CadreRecords(Protocol):
    """What the store says about one cadre (a :class:`~rongcuo.procedure.book.CaseBook`)."""

    def warning_history(self, cadre_id: str) -> list[WarningEntry]:
        """The warnings given on the cadre's cases, oldest first."""
        ...

    def sanctions_of(self, cadre_id: str) -> list[Sanction]:
        """The sanctions the cadre's case files record."""
        ...


def with_history(item: AssessmentInput, records: CadreRecords) -> AssessmentInput:
    """``item`` with what ``records`` hold for its ``cadre.id`` added: the warnings given (its
    history) and the sanctions (an entry or sanction the input already lists is not repeated).
    Without a ``cadre.id`` the input is given back as it is: the assessment itself says that a
    history needs one (RC179)."""
    cadre_id = item.cadre.id if item.cadre else None
    if not cadre_id:
        return item
    history = records.warning_history(cadre_id)
    sanctions = records.sanctions_of(cadre_id)
    return item.model_copy(
        update={
            "history": _added(item.history, history),
            "sanction": _added(item.sanction, sanctions),
        }
    )


def _added(given: Sequence[T], found: Sequence[T]) -> list[T]:
    return list(given) + [x for x in found if x not in given]
