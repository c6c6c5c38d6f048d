"""What a scenario's words mean against a ruleset: names, values and statuses.

Takes a :class:`~rongcuo.ruleset.model.Ruleset` and a name or value as a scenario writes it (an
id, a Chinese label, a label cut short, 是/否, a number, a date). Gives the id or value it means,
or a :class:`~rongcuo.authoring.scenario_steps.StepFailed` with a did-you-mean. Also the words
the steps share for a rule's status (成立, 不成立, 不明) and the clearing rules' kinds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from rongcuo.authoring.scenario_steps import StepFailed
from rongcuo.errors import did_you_mean
from rongcuo.ruleset.model import FactDecl, FactValue, Ruleset

#: How a scenario writes 是 and 否.
_TRUE = {"是", "true", "True", "成立", "有"}
_FALSE = {"否", "false", "False", "不成立", "无"}
#: How a scenario writes a rule status, and the status value it means.
STATUS = {"成立": "true", "满足": "true", "不成立": "false", "不满足": "false", "不明": "unknown"}
#: How a step shows a status value.
SHOWN = {"true": "成立", "false": "不成立", "unknown": "不明"}

#: The kinds of the clearing rules, evaluated once for each allegation (catalogue §10).
CLEARING_KINDS = ("strike", "clearing", "clearing_method", "reporter_handling")
#: The case fact the clearing waits on: the cadre's consent.
CONSENT = "cadre_consents_to_clearing"


def pick(name: str, table: Mapping[str, Any], labels: Mapping[str, str], what: str) -> str:
    """The id ``name`` means in ``table``: an id, a label, or a label cut at its first （ or ，
    (``予以容错免责``, ``不予容错``), or a look without its leading 看."""
    if name in table:
        return name
    for key, label in labels.items():
        short = (label.split("（")[0], label.split("，")[0], label.removeprefix("看"))
        if name == label or name in short:
            return key
    choices = [*table, *labels.values()]
    raise StepFailed(f"没有名为「{name}」的{what}。{did_you_mean(name, choices)}".rstrip())


def fact_id(rs: Ruleset, name: str) -> str:
    """A fact named by id or label (a leading 案件/当事人 is optional)."""
    labels = {f.id: f.label for f in rs.facts.values()}
    for candidate in (name, name.removeprefix("案件"), name.removeprefix("当事人")):
        try:
            return pick(candidate, rs.facts, labels, "事实")
        except StepFailed:
            continue
    return pick(name, rs.facts, labels, "事实")


def fact_value(decl: FactDecl, raw: str) -> FactValue:
    """A value as a scenario writes it: an enum's label or id, 是/否, a number, a date, text."""
    if decl.type == "enum":
        values = dict(decl.values)
        return pick(raw, values, values, f"「{decl.label}」的取值")
    if decl.type == "bool":
        if raw in _TRUE or raw in _FALSE:
            return raw in _TRUE
        raise StepFailed(f"「{decl.label}」是是非题，应写 是 或 否，实际是「{raw}」")
    if decl.type == "number":
        try:
            number = float(raw.replace(",", "").removesuffix(decl.unit) if decl.unit else raw)
        except ValueError:
            raise StepFailed(f"「{decl.label}」应是数字，实际是「{raw}」") from None
        return int(number) if number.is_integer() else number
    if decl.type == "date":
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise StepFailed(f"「{decl.label}」应是日期（YYYY-MM-DD），实际是「{raw}」") from None
    return raw


def rule_id(rs: Ruleset, name: str, kinds: Iterable[str], what: str) -> str:
    """A rule of one of ``kinds`` named by id or label (``what`` names the kind in a failure)."""
    table = {r.id: r for r in rs.rules.values() if r.kind in set(kinds)}
    return pick(name, table, {k: r.label for k, r in table.items()}, what)


def outcome_id(rs: Ruleset, name: str) -> str:
    """An outcome named by id, by its label, or by its label cut short."""
    return pick(name, rs.outcomes, {k: o.label for k, o in rs.outcomes.items()}, "结论")
