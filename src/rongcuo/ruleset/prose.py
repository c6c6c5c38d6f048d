"""A rule's condition written out in plain Chinese, as an officer reads policy text.

Takes a condition (:data:`~rongcuo.ruleset.model.Cond`) and the ruleset it belongs to; gives one
sentence: the facts by their Chinese labels, enum values by theirs, numbers with their units (and
the parameter a threshold was written as), other rules by their labels and kinds. ``all`` is
joined with 且, ``any`` with 或 (three or more items become "具备下列情形之一：①…；②…"), ``not`` is
并非 or the natural negation of what it negates (不符合, 不存在, 未援引 …); an inner ``any``
or ``all`` that would be ambiguous is put in （…）.

Example: ``{all: [{fact: in_reform_or_pilot, eq: true}, {fact: work_area, contains:
reform_pilot}]}`` reads 属改革、先行先试事项，且事项所属领域为改革试点.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from rongcuo.ruleset.model import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    Established,
    FactDecl,
    FactValue,
    KindRef,
    Known,
    Not,
    Presumed,
    RuleRef,
    Ruleset,
)

#: What a rule of each kind is called when a condition names it.
KIND_ZH = {
    "situation": "容错情形",
    "exclusion": "不予容错情形",
    "precondition": "容错条件",
    "look": "六看认定规则",
    "distinction": "三个区分开来的认定规则",
    "mitigating": "从轻减轻情形",
    "aggravating": "从重加重情形",
    "outcome": "认定顺序规则",
    "strike": "查否排除规则",
    "clearing": "澄清正名规则",
    "clearing_method": "澄清方式规则",
    "reporter_handling": "对举报人的处理规则",
}
#: How a condition says that a rule of a kind holds, and that it does not.
_HOLDS = {
    "situation": ("符合容错情形", "不符合容错情形"),
    "exclusion": ("存在不予容错情形", "不存在不予容错情形"),
    "precondition": ("满足容错条件", "不满足容错条件"),
    "mitigating": ("有从轻减轻情形", "没有从轻减轻情形"),
    "aggravating": ("有从重加重情形", "没有从重加重情形"),
}
#: ``any_rule`` / ``all_rules`` of a kind, and their negations.
_ANY = {
    "situation": ("符合任一容错情形", "不符合任何容错情形"),
    "exclusion": ("存在任一不予容错情形", "不存在任何不予容错情形"),
    "precondition": ("满足任一容错条件", "容错条件均不满足"),
    "mitigating": ("有任一从轻减轻情形", "没有任何从轻减轻情形"),
    "aggravating": ("有任一从重加重情形", "没有任何从重加重情形"),
}
_ALL = {
    "situation": ("全部容错情形均符合", "并非全部容错情形均符合"),
    "exclusion": ("全部不予容错情形均存在", "并非全部不予容错情形均存在"),
    "precondition": ("容错条件全部满足", "容错条件未全部满足"),
    "mitigating": ("全部从轻减轻情形均具备", "并非全部从轻减轻情形均具备"),
    "aggravating": ("全部从重加重情形均具备", "并非全部从重加重情形均具备"),
}
#: Comparisons of numbers and dates: (number, date) wording.
_ORDER = {
    "eq": ("为", "为"),
    "ne": ("不等于", "不是"),
    "lt": ("低于", "早于"),
    "le": ("不超过", "不晚于"),
    "gt": ("超过", "晚于"),
    "ge": ("不低于", "不早于"),
}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
#: An ``any`` of this many items or more is written as a list.
LIST_FROM = 3
#: Punctuation inside a label that would blur where a joined sentence's parts begin and end.
_SEPARATORS = ("，", "；", ",", ";")


def condition_zh(cond: Cond | None, ruleset: Ruleset) -> str:
    """``cond`` of a rule of ``ruleset`` as one plain Chinese sentence (no condition: the rule
    is decided by the Party committee, 由党委（党组）研究认定)."""
    if cond is None:
        return "无列明的条件，由党委（党组）研究认定"
    text = _Writer(ruleset).write(cond, "top")
    if text.startswith("「") and text.endswith("」") and text.count("「") == 1:
        return text[1:-1]  # a label standing alone needs no quotes
    return text


def rule_label(rule_id: str, ruleset: Ruleset) -> str:
    """The label of a rule, or its id when the ruleset has no such rule."""
    rule = ruleset.rules.get(rule_id)
    return rule.label if rule is not None and rule.label else rule_id


def fact_label(fact_id: str, ruleset: Ruleset) -> str:
    """The Chinese label of a fact, or its id when it is not declared."""
    fact = ruleset.facts.get(fact_id)
    return fact.label if fact is not None and fact.label else fact_id


def value_zh(fact: FactDecl | None, value: FactValue) -> str:
    """One value of ``fact`` in words: its enum label, 是/否, a date in ISO form, a number with
    its unit (a share from 0 to 1 as a percentage)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        if fact is not None and _is_share(fact):
            return f"{_number(value * 100)}%"
        unit = fact.unit if fact is not None else ""
        return f"{_number(value)}{unit}"
    if fact is not None and fact.values:
        return fact.value_label(value)
    return f"“{value}”" if fact is not None and fact.type == "text" else str(value)


def _number(value: float) -> str:
    if isinstance(value, float):
        value = round(value, 6)
        if value.is_integer():
            return str(int(value))
    return str(value)


def _is_share(fact: FactDecl) -> bool:
    """A number from 0 to 1 without a unit: a share, written as a percentage."""
    return fact.type == "number" and not fact.unit and fact.minimum == 0 and fact.maximum == 1


def _quoted(text: str) -> str:
    """``text`` in 「」 when its own commas would blur the sentence it stands in."""
    return f"「{text}」" if any(s in text for s in _SEPARATORS) else text


class _Writer:
    """Writes the nodes of one ruleset's conditions. ``ctx`` is where a node stands: ``top``
    (the whole condition), ``item`` (an item of a list), ``and`` / ``or`` (an item of a joined
    sentence) or ``not`` (under a negation), which decides whether it needs （…）: a list
    stands bare only as the whole condition."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.rs = ruleset

    def write(self, cond: Cond, ctx: str) -> str:
        if isinstance(cond, AllOf):
            stated = self._stated(cond)
            if stated is not None:
                return stated
            return self._joined(cond.items, "，且", ctx, "同时具备下列情形")
        if isinstance(cond, AnyOf):
            return self._joined(cond.items, "，或", ctx, "具备下列情形之一")
        if isinstance(cond, Not):
            return self._negated(cond.item, ctx)
        if isinstance(cond, Established):
            return self._established(cond.item, True)
        return self._leaf(cond, False)

    # --- all / any ------------------------------------------------------------------------

    def _joined(self, items: Sequence[Cond], joiner: str, ctx: str, lead: str) -> str:
        if len(items) == 1:
            return self.write(items[0], ctx)
        is_all = joiner == "，且"
        long_any = not is_all and len(items) >= LIST_FROM
        if long_any or (is_all and len(items) > LIST_FROM + 1):
            listed = [self.write(item, "item") for item in items]
            body = (
                lead
                + "："
                + "；".join(
                    _CIRCLED[i] + text if i < len(_CIRCLED) else f"（{i + 1}）{text}"
                    for i, text in enumerate(listed)
                )
            )
            return body if ctx == "top" else f"（{body}）"
        own = "and" if is_all else "or"
        text = joiner.join(self.write(item, own) for item in items)
        # an "any" inside an "all" (or the reverse), or either under a negation, is bracketed
        return text if ctx in ("top", "item", own) else f"（{text}）"

    def _stated(self, cond: AllOf) -> str | None:
        """``stated: true`` as written: a comparison that a presumed value does not satisfy."""
        if len(cond.items) != 2:
            return None
        first, second = cond.items
        if (
            isinstance(first, Not)
            and isinstance(first.item, Presumed)
            and isinstance(second, Compare)
            and second.fact == first.item.fact
        ):
            return f"案件材料载明{self._leaf(second, False)}（推定的不算）"
        return None

    # --- not ------------------------------------------------------------------------------

    def _negated(self, item: Cond, ctx: str) -> str:
        if isinstance(item, Not):
            return self.write(item.item, ctx)
        if isinstance(item, Established):
            return self._established(item.item, False)
        if isinstance(item, AllOf | AnyOf) and len(item.items) > 1:
            inner = self.write(item, "not")
            if not inner.startswith("（"):
                inner = f"（{inner}）"
            return f"并非{inner}"
        if isinstance(item, AllOf | AnyOf):
            return self._negated(item.items[0], ctx)
        return self._leaf(item, True)

    def _established(self, item: Cond, holds: bool) -> str:
        """``established``: the facts establish ``item`` (not merely leave it open)."""
        if isinstance(item, KindRef) and item.quantifier == "any":
            what = KIND_ZH.get(item.kind, item.kind)
            return f"已认定存在{what}" if holds else f"未认定任何{what}"
        inner = self.write(item, "not")
        if not inner.startswith("（"):
            inner = f"（{inner}）"
        return f"已查明并认定{inner}" if holds else f"未能查明并认定{inner}"

    # --- leaves ---------------------------------------------------------------------------

    def _leaf(self, cond: Cond, negated: bool) -> str:
        if isinstance(cond, Compare):
            return self._compare(cond, negated)
        if isinstance(cond, Known):
            label = _quoted(fact_label(cond.fact, self.rs))
            return f"{label}{'已查明' if cond.known != negated else '尚未查明'}"
        if isinstance(cond, Presumed):
            label = _quoted(fact_label(cond.fact, self.rs))
            return f"{label}系推定" if not negated else f"{label}系案件材料载明（非推定）"
        if isinstance(cond, RuleRef):
            return self._rule(cond.rule, negated)
        if isinstance(cond, KindRef):
            table = _ANY if cond.quantifier == "any" else _ALL
            pair = table.get(cond.kind)
            if pair is None:
                what = KIND_ZH.get(cond.kind, cond.kind)
                word = "任一" if cond.quantifier == "any" else "全部"
                pair = (f"{word}{what}成立", f"并非{word}{what}成立")
            return pair[negated]
        if isinstance(cond, Claimed):
            label = rule_label(cond.situation, self.rs)
            return f"申请人{'未援引' if negated else '援引'}「{label}」"
        inner = self.write(cond, "not")
        return f"并非（{inner}）" if negated else inner  # pragma: no cover (all kinds above)

    def _rule(self, rule_id: str, negated: bool) -> str:
        rule = self.rs.rules.get(rule_id)
        label = rule_label(rule_id, self.rs)
        pair = _HOLDS.get(rule.kind) if rule is not None else None
        if pair is not None:
            return f"{pair[negated]}「{label}」"
        return f"「{label}」{'不成立' if negated else '成立'}"

    def _compare(self, cond: Compare, negated: bool) -> str:
        fact = self.rs.facts.get(cond.fact)
        label = _quoted(fact_label(cond.fact, self.rs))
        op: str = cond.op
        if negated:
            op = {
                "eq": "ne",
                "ne": "eq",
                "lt": "ge",
                "ge": "lt",
                "le": "gt",
                "gt": "le",
                "in": "not_in",
                "not_in": "in",
            }.get(op, op)
            if op == "contains":
                return f"{label}不是{self._value(fact, cond.value, cond.param)}"
        if isinstance(cond.value, bool) and op in ("eq", "ne"):
            holds = cond.value == (op == "eq")
            return label if holds else f"并非{label}"
        if op in ("in", "not_in") and isinstance(cond.value, tuple):
            return self._among(fact, label, cond, op == "in")
        if op == "contains":
            return f"{label}为{self._value(fact, cond.value, cond.param)}"
        value = self._value(fact, cond.value, cond.param)
        if fact is not None and fact.type in ("number", "date"):
            word = _ORDER[op][fact.type == "date"]
            return f"{label}{word}{value}"
        if op == "eq":
            return f"{label}为{value}"
        if op == "ne":
            return f"{label}不是{value}"
        return f"{label}{_ORDER[op][0]}{value}"

    def _among(self, fact: FactDecl | None, label: str, cond: Compare, among: bool) -> str:
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        params = cond.param if isinstance(cond.param, tuple) else ("",) * len(values)
        texts = [self._value(fact, v, p) for v, p in zip(values, params, strict=False)]
        if any(s in t for t in texts for s in ("、", *_SEPARATORS)):
            texts = [f"「{t}」" for t in texts]
        if len(texts) == 1:
            return f"{label}{'为' if among else '不是'}{texts[0]}"
        if among:
            return f"{label}为{'、'.join(texts[:-1])}或{texts[-1]}"
        if len(texts) == 2:
            return f"{label}既不是{texts[0]}，也不是{texts[1]}"
        return f"{label}不是{'、'.join(texts)}中的任何一项"

    def _value(self, fact: FactDecl | None, value: object, param: object) -> str:
        text = value_zh(fact, value)  # type: ignore[arg-type]
        if isinstance(param, str) and param:
            known = self.rs.parameters.get(param)
            name = known.label if known is not None and known.label else param
            return f"{text}（{name}）"
        return text
