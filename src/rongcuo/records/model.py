"""Decision records: what was decided, from exactly which inputs, and what the deciding body did.

A :class:`DecisionRecord` freezes one evaluation — the case as it was, the ruleset's id, version
and content hash, ``as_of``, the engine, and the Decision's JSON text byte for byte — so that it
can be replayed later (:func:`rongcuo.replay`). A :class:`Review` is the deciding body's final
decision on it: it is stored beside the record and never changes it, so the machine's proposal
and the body's decision stay apart.

Stores implement :class:`RecordStore`; :class:`SQLiteStore` (``_record_store.py``) is the
embedded one. Errors::

    InputError
    └── RecordError      RC701 unknown record id · RC702 review reason missing ·
                         RC703 store unreadable or not a rongcuo store · RC704 store too new ·
                         RC705 the case does not match the decision
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rongcuo.case.file import Case
from rongcuo.decision.model import SCHEMA_VERSION, Decision, OutcomeId
from rongcuo.errors import Diagnostic, DocPath, InputError, Location

#: Chinese labels of the six outcomes as the national ruleset declares them; used for a final
#: outcome the proposal does not name (the proposal carries only its own outcome's label).
OUTCOME_LABELS: dict[str, str] = {
    "tolerate": "予以容错免责（不予或免予问责）",
    "mitigate": "从轻、减轻问责",
    "not_tolerate": "不予容错，依规依纪问责",
    "insufficient_facts": "事实不清，需补充调查",
    "refer": "提请党委（党组）集体研究认定",
    "cleared": "举报失实，不予问责，予以澄清正名",
}


class RecordError(InputError):
    """A record store or record operation failed; ``diagnostics`` says which and why (RC7xx)."""


def record_error(
    code: str, where: str, zh: str, en: str, hint: str = "", path: DocPath = ()
) -> RecordError:
    """One located, bilingual :class:`RecordError`."""
    return RecordError([Diagnostic(code, Location(where, 0, 0, path), zh, en, hint)])


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DecisionRecord(_Frozen):
    """One evaluation, frozen: its inputs, the engine that ran it, and the Decision's exact JSON.

    ``id`` is :func:`record_id` of the case hash, the ruleset hash and ``as_of``, so recording the
    same evaluation twice gives the same id (and one row). ``decision`` is the text
    ``Decision.to_json()`` gave, kept as text so a replay can compare it byte for byte.
    """

    schema_version: str = Field(
        default=SCHEMA_VERSION,
        description="the Decision contract version of ``decision``; 0 for a record made before "
        "contract v1, whose decision is the expanded form (docs/api.md)",
    )
    id: str = Field(pattern=r"^rc-[0-9a-f]{20}$")
    case_id: str
    case_hash: str
    case: dict[str, Any] = Field(description="the case file's data, enough to replay it")
    ruleset_id: str
    ruleset_version: str
    ruleset_hash: str
    as_of: str = Field(description="date of the assessment (ISO)")
    engine: str
    engine_version: str
    rongcuo_version: str
    outcome: OutcomeId = Field(description="the machine's proposed outcome")
    decision: str = Field(description="Decision.to_json(), byte for byte")
    recorded_at: str = Field(description="ISO timestamp given by the caller")

    @field_validator("recorded_at")
    @classmethod
    def _iso_timestamp(cls, value: str) -> str:
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"recorded_at must be an ISO timestamp, got {value!r}") from None
        return value

    def proposal(self) -> Decision:
        """The machine's proposal, parsed back into a :class:`Decision`."""
        return Decision.from_json(self.decision)

    def decision_text(self, decision: Decision) -> str:
        """``decision`` written as this record writes its own: the contract JSON, or for a
        record made before contract v1 the expanded form, so that a replay compares like with
        like."""
        return decision.expanded_json() if self.schema_version == "0" else decision.to_json()


class Review(_Frozen):
    """The deciding body's final decision on a record, kept apart from the machine proposal.

    ``reason`` is required when ``final_outcome`` differs from the record's proposed outcome;
    the store checks it (RC702) because only it knows the proposal.
    """

    record_id: str
    final_outcome: OutcomeId
    deciding_body: str = Field(min_length=1, description="认定机关, e.g. 中共某区委")
    decided_on: dt.date
    reason: str = ""
    reviewer: str = ""


def contract_version(decision_json: str) -> str:
    """The Decision contract version a stored decision text is written in: its
    ``schema_version``, or ``"0"`` for the expanded form written before contract v1."""
    head = decision_json[:64]
    marker = '{"schema_version":"'
    if head.startswith(marker):
        return head[len(marker) :].split('"', 1)[0]
    return "0"


def record_id(case_hash: str, ruleset_hash: str, as_of: str) -> str:
    """``rc-`` and the first 20 hex digits of SHA-256 over ``case_hash\\nruleset_hash\\nas_of``.

    The same case content, ruleset files and assessment date always give the same id, whoever
    records it and whenever; the engine is left out on purpose, since both backends must give the
    same decision (a replay on another backend reports the ``engine`` field as the difference).
    """
    digest = hashlib.sha256("\n".join((case_hash, ruleset_hash, as_of)).encode()).hexdigest()
    return "rc-" + digest[:20]


def ruleset_key(decision: Decision) -> str:
    """The ruleset hash a record's id is derived from: the content hash of the ruleset that
    decided or, when 从旧兼从轻 compared two versions (``decision.versions``), both hashes,
    incident version first, joined by ``+``: an edit to either version can change the
    decision, so recording it again after one must not find the old record."""
    if decision.versions is None:
        return decision.ruleset.content_hash
    return "+".join(v.content_hash for v in decision.versions.considered)


def make_record(decision: Decision, case: Case, *, recorded_at: str) -> DecisionRecord:
    """The record of ``decision``, made from ``case``; raises RC705 if the two do not match."""
    case_hash = case.content_hash()
    if case_hash != decision.case.content_hash:
        raise record_error(
            "RC705",
            f"<case {case.id}>",
            f"案件内容与决定不符（案件 {case_hash[:19]}…，决定记载 {decision.case.content_hash[:19]}…）",
            f"the case does not match the decision (case {case_hash[:19]}…, "
            f"decision says {decision.case.content_hash[:19]}…)",
            "传入作出该决定的同一案件 pass the case the decision was made from",
        )
    return DecisionRecord(
        id=record_id(case_hash, ruleset_key(decision), decision.as_of),
        case_id=decision.case.id,
        case_hash=case_hash,
        case=case.model_dump(mode="json"),
        ruleset_id=decision.ruleset.id,
        ruleset_version=decision.ruleset.version,
        ruleset_hash=decision.ruleset.content_hash,
        as_of=decision.as_of,
        engine=decision.engine.name,
        engine_version=decision.engine.version,
        rongcuo_version=decision.engine.rongcuo_version,
        outcome=decision.outcome,
        decision=decision.to_json(),
        recorded_at=recorded_at,
    )


def _version_lines(d: Decision) -> list[str]:
    """从旧兼从轻: the two versions compared, their outcomes and which applied (none when one
    version decided)."""
    if d.versions is None:
        return []
    out = ["  从旧兼从轻 versions compared："]
    for v in d.versions.considered:
        mark = "　← 适用 applied" if v.role == d.versions.applied else ""
        out.append(
            f"    {v.role}（{v.date}）{v.ruleset} {v.version}　{v.content_hash}　{v.outcome}{mark}"
        )
    out.append(f"    {d.versions.reason_zh}")
    return out


class RecordStore(Protocol):
    """Where records and reviews live. :class:`SQLiteStore` is the embedded implementation;
    docs/records.md gives the schema a PostgreSQL store would use.

    Records are append-only and keyed by their deterministic id; reviews are appended beside
    them and never change a record.
    """

    name: str
    """Where the store is (a file path, or a connection string without its password)."""

    def put(self, record: DecisionRecord) -> bool:
        """Store ``record``; False when a record with its id was already there (it is kept)."""
        ...

    def get(self, record_id: str) -> DecisionRecord | None:
        """The record with this id, or None."""
        ...

    def find(
        self, case_id: str | None = None, ruleset_id: str | None = None
    ) -> list[DecisionRecord]:
        """Records of a case and/or a ruleset (all when both are None), oldest first."""
        ...

    def ids_with_prefix(self, prefix: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` record ids starting with ``prefix``, sorted (for did-you-mean)."""
        ...

    def add_review(self, review: Review) -> None:
        """Append the deciding body's decision; RC701 if the record is unknown, RC702 if the
        outcome differs from the proposal and no reason is given."""
        ...

    def reviews(self, record_id: str) -> list[Review]:
        """The reviews of a record, in the order they were added."""
        ...

    def close(self) -> None:
        """Release the store's connection."""
        ...


def unknown_record(store: RecordStore, wanted: str) -> RecordError:
    """RC701 for ``wanted``, suggesting ids that share its longest known prefix."""
    close: list[str] = []
    for cut in range(len(wanted), 3, -1):  # never shorter than "rc-" and one digit
        close = store.ids_with_prefix(wanted[:cut])
        if close:
            break
    hint = (
        "是否想写 did you mean: " + ", ".join(close) + "?"
        if close
        else "用 `rongcuo record list` 查看已有记录 list the records"
    )
    return record_error(
        "RC701",
        store.name,
        f"记录库中没有决定记录 {wanted!r}",
        f"no decision record {wanted!r} in this store",
        hint,
        ("records", wanted),
    )


def require(store: RecordStore, wanted: str) -> DecisionRecord:
    """The record ``wanted``, or RC701 with a did-you-mean."""
    found = store.get(wanted)
    if found is None:
        raise unknown_record(store, wanted)
    return found


def check_review(store: RecordStore, review: Review, record: DecisionRecord | None) -> None:
    """What every store checks before adding a review: the record exists (RC701) and a final
    outcome that departs from the proposal says why (RC702)."""
    if record is None:
        raise unknown_record(store, review.record_id)
    if review.final_outcome != record.outcome and not review.reason.strip():
        raise record_error(
            "RC702",
            store.name,
            f"最终决定（{review.final_outcome}）与机器建议（{record.outcome}）不同，须说明理由",
            f"the final outcome ({review.final_outcome}) differs from the proposal "
            f"({record.outcome}): a reason is required",
            "用 --reason 写明认定机关作出不同决定的理由 give --reason",
            ("records", record.id, "reviews"),
        )


def render_record(record: DecisionRecord, reviews: Sequence[Review]) -> str:
    """A record and its reviews as Chinese text, the machine proposal and the deciding body's
    final decision clearly apart."""
    d = record.proposal()
    out = [
        f"决定记录 record {record.id}",
        f"案件 case：{d.case.id}《{d.case.title}》　发生日期 {d.case.incident_date}",
        f"  案件哈希 case hash：{record.case_hash}",
        f"规则集 ruleset：{record.ruleset_id} 版本 {record.ruleset_version}《{d.ruleset.title}》",
        f"  规则集哈希 ruleset hash：{record.ruleset_hash}",
        f"认定日期 as_of：{record.as_of}",
        f"引擎 engine：{record.engine} {record.engine_version} · rongcuo {record.rongcuo_version}",
        f"记录时间 recorded at：{record.recorded_at}",
        "",
        "── 机器建议 machine proposal（供认定机关参考，不是决定 not a decision）──",
        f"  建议结论 proposed outcome：{d.outcome_label}［{d.outcome}］",
        f"  理由：{d.reason_zh}",
        f"  reason: {d.reason_en}",
        f"  决定规则 deciding rule：{d.deciding_rule or '（无 none）'}",
        *_version_lines(d),
        "",
        "── 认定机关最终决定 final decision of the deciding body ──",
    ]
    if not reviews:
        out.append("  （尚未登记 none recorded yet）")
    for n, r in enumerate(reviews, 1):
        label = d.outcome_label if r.final_outcome == d.outcome else OUTCOME_LABELS[r.final_outcome]
        same = "与机器建议一致 same as proposal"
        if r.final_outcome != d.outcome:
            same = f"与机器建议不同 differs from proposal（{d.outcome} → {r.final_outcome}）"
        out.append(f"  [{n}] {r.decided_on} {r.deciding_body}：{label}［{r.final_outcome}］")
        out.append(f"      {same}")
        if r.reason:
            out.append(f"      理由 reason：{r.reason}")
        if r.reviewer:
            out.append(f"      经办人 reviewer：{r.reviewer}")
    return "\n".join(out) + "\n"
