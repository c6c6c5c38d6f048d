"""The assessment stage: a cadre assessed after a decision, under an assessment ruleset.

Takes an assessment ruleset (``kind: assessment``: reuse at the end of the impact period,
catalogue §12; the three-level warning, §13), an input file (``input``: the cadre, the
sanctions, the facts, the warning history) and the day of the assessment; gives an
:class:`~rongcuo.assessment.model.Assessment` with the ruleset's own outcome, never a Decision.

``input`` reads the file, ``history`` the warning history, ``computed`` the facts the stage
fills (the impact period, the last warning level), ``why`` the facts a rule rests on, ``assess``
walks the decision order on either backend's rule values, ``text`` writes it out in Chinese.
"""

from rongcuo.assessment.assess import Assessor, assess
from rongcuo.assessment.history import WarningEntry, history_facts
from rongcuo.assessment.input import AssessmentInput, load_input, parse_input
from rongcuo.assessment.model import ASSESSMENT_SCHEMA_VERSION, Assessment

__all__ = [
    "ASSESSMENT_SCHEMA_VERSION",
    "Assessment",
    "AssessmentInput",
    "Assessor",
    "WarningEntry",
    "assess",
    "history_facts",
    "load_input",
    "parse_input",
]
