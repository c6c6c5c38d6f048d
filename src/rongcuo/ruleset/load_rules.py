"""Read one rule of a ruleset file: parsed YAML → :class:`Rule`.

Takes the :class:`~rongcuo.ruleset.reader.Reader` of the file, the raw entry, its path, the id of
the ruleset and how to read a citation; gives the rule with its kind checked against the keys
that kind needs and may have, or ``None``, with located diagnostics on the reader. Whether what
it reads is declared is the checker's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rongcuo.errors import DocPath, did_you_mean
from rongcuo.ruleset.load_conditions import read_cond
from rongcuo.ruleset.model import LOOK_FINDINGS, RULE_KINDS, Citation, Cond, Rule
from rongcuo.ruleset.reader import Reader

_RULE_KEYS = (
    "id",
    "kind",
    "label",
    "when",
    "cite",
    "look",
    "finding",
    "distinction",
    "side",
    "outcome",
    "step",
    "pairs_with",
    "referral",
    "replaces",
    "note",
    "method",
    "handling",
)
# Keys each kind needs beyond id/kind/label/when/cite, and the keys it may not have.
_KIND_REQUIRES: dict[str, tuple[str, ...]] = {
    "look": ("look", "finding"),
    "distinction": ("distinction", "side"),
    "outcome": ("outcome", "step"),
    "clearing_method": ("method",),
    "reporter_handling": ("handling",),
}
_KIND_ONLY = {
    "method": "clearing_method",
    "handling": "reporter_handling",
    "look": "look",
    "finding": "look",
    "distinction": "distinction",
    "side": "distinction",
    "outcome": "outcome",
    "step": "outcome",
    "pairs_with": "precondition",
    "referral": "situation",
}
#: Reads a ``cite:`` entry at a path (the loader's, shared by every declaration that cites).
CitationReader = Callable[[Any, DocPath], Citation | None]


def read_rule(
    r: Reader, raw: Any, path: DocPath, ruleset_id: str, citation: CitationReader
) -> Rule | None:
    """The rule written at ``path`` in the file of ruleset ``ruleset_id``."""
    m = r.mapping(raw, path, ("id", "kind", "label"), _RULE_KEYS[3:])
    if m is None:
        return None
    kind = r.text(m, "kind", path)
    if kind and kind not in RULE_KINDS:
        r.report(
            "RC111",
            (*path, "kind"),
            f"规则种类 {kind!r} 不存在",
            f"unknown rule kind {kind!r}",
            did_you_mean(kind, RULE_KINDS),
        )
        return None
    _kind_keys(r, m, path, kind)
    referral = r.boolean(m, "referral", path, False)
    when = _when(r, m, path, referral)
    finding, side, step = _kind_values(r, m, path)
    return Rule(
        id=r.ident(m, "id", path),
        kind=kind,  # type: ignore[arg-type]  # checked against RULE_KINDS above
        label=r.text(m, "label", path),
        when=when,
        cite=citation(m["cite"], (*path, "cite")) if m.get("cite") is not None else None,
        look=r.ident(m, "look", path),
        finding=finding,
        distinction=r.ident(m, "distinction", path),
        side=side,
        outcome=r.ident(m, "outcome", path),
        step=step or 0,
        pairs_with=r.ident(m, "pairs_with", path),
        referral=referral,
        replaces=r.boolean(m, "replaces", path, False),
        note=r.text(m, "note", path),
        ruleset=ruleset_id,
        src=r.loc(path),
        method=r.ident(m, "method", path),
        handling=r.ident(m, "handling", path),
    )


def _kind_keys(r: Reader, m: dict[str, Any], path: DocPath, kind: str) -> None:
    """Report the keys a rule of ``kind`` needs and lacks, and those only other kinds take."""
    for key in _KIND_REQUIRES.get(kind, ()):
        if key not in m:
            r.report(
                "RC004",
                path,
                f"{kind} 规则缺少必填的键 {key!r}",
                f"a {kind} rule needs the key {key!r}",
                f"在此处加上 add `{key}: …` here",
            )
    for key, owner in _KIND_ONLY.items():
        if key in m and kind != owner:
            r.report(
                "RC003",
                (*path, key),
                f"键 {key!r} 只用于 {owner} 规则，此规则是 {kind}",
                f"key {key!r} belongs to {owner} rules; this rule is a {kind}",
                "删除此键或更正 kind remove the key or correct `kind`",
                key=True,
            )


def _when(r: Reader, m: dict[str, Any], path: DocPath, referral: bool) -> Cond | None:
    """The rule's condition: required, except for a referral situation, which has none."""
    when = None
    if "when" in m:
        when = read_cond(r, m["when"], (*path, "when"))
    elif not referral:
        r.report(
            "RC004",
            path,
            "规则缺少条件 `when`",
            "the rule has no condition `when`",
            "加上 add `when:`；只能由党委（党组）认定的情形写 `referral: true` "
            "(committee-only situations take `referral: true`)",
        )
    if referral and "when" in m:
        r.report(
            "RC003",
            (*path, "when"),
            "提请认定的情形（referral: true）不能有条件：它从不由引擎自行认定",
            "a referral situation cannot have `when`: the engine never decides it alone",
            "删除 `when` remove `when`",
            key=True,
        )
    return when


def _kind_values(r: Reader, m: dict[str, Any], path: DocPath) -> tuple[str, str, int | None]:
    """A look rule's ``finding``, a distinction rule's ``side`` and an outcome rule's ``step``,
    each checked against what it may be."""
    finding = r.text(m, "finding", path)
    if finding and finding not in LOOK_FINDINGS[:2]:
        r.report(
            "RC111",
            (*path, "finding"),
            f"六看结论 {finding!r} 不可用：规则只能给出 favourable 或 unfavourable"
            "（没有规则成立时为 neutral）",
            f"look finding {finding!r} is not allowed: a rule gives favourable or "
            "unfavourable (neutral is what no rule holding means)",
            did_you_mean(finding, LOOK_FINDINGS[:2]),
        )
    side = r.text(m, "side", path)
    if side and side not in ("tolerable", "intolerable"):
        r.report(
            "RC111",
            (*path, "side"),
            f"区分的一侧 {side!r} 不存在",
            f"unknown distinction side {side!r}",
            did_you_mean(side, ("tolerable", "intolerable")),
        )
    step = r.integer(m, "step", path)
    if step is not None and step < 0:
        # step 0 is the allegations' (catalogue §7): the decision order's own steps follow
        r.report("RC115", (*path, "step"), "步骤序号从 0 开始", "steps are numbered from 0")
    return finding, side, step
