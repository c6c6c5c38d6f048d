"""Replay: decide a recorded case again and say whether the Decision is byte-for-byte the same.

When it is not, the differences come in the order that explains them best: first whether the
ruleset's content hash changed (the expected reason — someone edited a ruleset file), then its
version, the outcome and the deciding rule before and after, the top-level fields of the
Decision that differ, and a unified diff of the two JSON texts, trimmed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from rongcuo.decision.model import OutcomeId
from rongcuo.records.model import DecisionRecord, ruleset_key

if TYPE_CHECKING:
    from rongcuo.api import Engine

#: Lines of unified diff kept in a ReplayResult; the rest are counted, not shown.
DIFF_LINES = 80


class ReplayResult(BaseModel):
    """What a replay found: ``identical``, or what differs between the record and now."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    record_id: str
    identical: bool
    ruleset_changed: bool
    ruleset_hash_before: str
    ruleset_hash_after: str
    ruleset_version_before: str
    ruleset_version_after: str
    outcome_before: OutcomeId
    outcome_after: OutcomeId
    deciding_rule_before: str | None
    deciding_rule_after: str | None
    fields_changed: list[str]
    diff: str
    diff_lines_omitted: int
    decision: str

    def differences(self) -> list[str]:
        """The differences as bilingual lines, the ruleset hash first; empty when identical."""
        if self.identical:
            return []
        out: list[str] = []
        if self.ruleset_changed:
            out.append(
                "规则集内容已改变 ruleset content changed："
                f"{self.ruleset_hash_before} → {self.ruleset_hash_after}"
            )
        else:
            out.append(
                "规则集内容未变 ruleset unchanged；差异来自引擎或程序 "
                "the difference comes from the engine or rongcuo"
            )
        if self.ruleset_version_before != self.ruleset_version_after:
            out.append(
                f"规则集版本 ruleset version：{self.ruleset_version_before} → "
                f"{self.ruleset_version_after}"
            )
        if self.outcome_before != self.outcome_after:
            out.append(f"结论 outcome：{self.outcome_before} → {self.outcome_after}")
        else:
            out.append(f"结论未变 outcome unchanged：{self.outcome_before}")
        if self.deciding_rule_before != self.deciding_rule_after:
            out.append(
                f"决定规则 deciding rule：{self.deciding_rule_before or '（无 none）'} → "
                f"{self.deciding_rule_after or '（无 none）'}"
            )
        if self.fields_changed:
            out.append("改变的字段 fields changed：" + ", ".join(self.fields_changed))
        return out

    def to_text(self) -> str:
        """The terminal report: ``一致 identical``, or the differences then the diff."""
        if self.identical:
            return f"{self.record_id}：一致 identical\n"
        out = [f"{self.record_id}：不一致 different", *self.differences(), "", self.diff.rstrip()]
        if self.diff_lines_omitted:
            out.append(
                f"……另有 {self.diff_lines_omitted} 行差异未显示 / "
                f"{self.diff_lines_omitted} more diff lines not shown"
            )
        return "\n".join(out) + "\n"


def replay(record: DecisionRecord, engine: Engine) -> ReplayResult:
    """Evaluate ``record.case`` again on ``engine`` with the record's ruleset id and ``as_of``.

    The engine's ruleset folders and backend decide what "again" means: give it the folders the
    record was made from. Raises what :meth:`Engine.evaluate` raises (a ruleset since edited so
    that the case no longer fits it gives a :class:`CaseError`).
    """
    as_of = dt.date.fromisoformat(record.as_of)
    now = engine.evaluate(record.case, ruleset=record.ruleset_id, as_of=as_of)
    after = record.decision_text(now)
    before = record.proposal()
    if after == record.decision:
        diff, omitted, fields = "", 0, []
    else:
        lines = list(
            difflib.unified_diff(
                _lines(record.decision),
                _lines(after),
                f"{record.id} (recorded {record.recorded_at})",
                f"{record.id} (replayed)",
                n=2,
                lineterm="",
            )
        )
        diff = "\n".join(lines[:DIFF_LINES]) + "\n"
        omitted = max(0, len(lines) - DIFF_LINES)
        fields = _fields_changed(json.loads(record.decision), json.loads(after))
    return ReplayResult(
        record_id=record.id,
        identical=after == record.decision,
        # both versions' hashes when 从旧兼从轻 compared two: an edit to either is a change
        ruleset_changed=ruleset_key(now) != ruleset_key(before),
        ruleset_hash_before=record.ruleset_hash,
        ruleset_hash_after=now.ruleset.content_hash,
        ruleset_version_before=record.ruleset_version,
        ruleset_version_after=now.ruleset.version,
        outcome_before=record.outcome,
        outcome_after=now.outcome,
        deciding_rule_before=before.deciding_rule,
        deciding_rule_after=now.deciding_rule,
        fields_changed=fields,
        diff=diff,
        diff_lines_omitted=omitted,
        decision=after,
    )


def _lines(decision_json: str) -> list[str]:
    """A stored decision's JSON one value a line (the contract writes one line), to diff."""
    return json.dumps(json.loads(decision_json), ensure_ascii=False, indent=2).splitlines()


def _fields_changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Top-level Decision fields that differ; for ``ruleset`` and ``engine``, their members."""
    out: list[str] = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict) and key in ("ruleset", "engine", "case"):
            out += [
                f"{key}.{k}" for k in [*a, *(k for k in b if k not in a)] if a.get(k) != b.get(k)
            ]
        else:
            out.append(key)
    if not out:
        out.append("（仅格式 formatting only）")
    return out
