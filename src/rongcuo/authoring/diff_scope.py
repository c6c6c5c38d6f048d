"""Whether a case belongs to a ruleset's jurisdiction, as far as the case itself says.

A case file has no field for its locality; the one place it says where the conduct happened is
the cadre's unit (``cadre.unit``, e.g. ``万州区某镇``, ``绵阳市某县发展和改革局``). A ruleset
names its own (``jurisdiction: 重庆市万州区``). :func:`case_scope` reads the administrative
names a unit starts with and compares them with the jurisdiction's:

- ``same``: the unit names the jurisdiction (its innermost level: ``万州区…`` for
  ``重庆市万州区``), or the ruleset is the national one (``全国``);
- ``other``: the unit names a place that cannot lie inside the jurisdiction — not one of its
  levels, and by administrative level not below its innermost one (``绵阳市…`` under
  ``重庆市万州区``: no city lies inside a district);
- ``not_told``: no unit, a unit naming no place (``某区政务服务中心``: anonymised), or one naming a
  place that may or may not lie inside (``涪城区…`` under ``四川省绵阳市``: a district may be one of
  the city's; without a gazetteer the case does not say);
- ``unchecked``: the ruleset names no jurisdiction.

The case id's prefix (``WZ-``, ``MY-``) is a naming habit of the bundled examples, not something
a case states, so it is not read; nor is the file name.
"""

from __future__ import annotations

import re
from typing import Literal

Scope = Literal["same", "other", "not_told", "unchecked"]

#: The jurisdiction of a ruleset that applies everywhere (the national baseline's).
NATIONWIDE = "全国"

# Administrative suffixes, longest first, and the levels a name with that suffix can be at:
# 1 province (省, 自治区, 直辖市), 2 prefecture (地级市, 自治州, 地区, 盟), 3 county (区, 县,
# 县级市, 旗). 市 is all three (重庆市, 绵阳市, 江油市). A bare 州 is not a suffix: it ends
# too many names (万州区, 杭州市). A fact of China's administrative divisions, not policy.
_LEVELS: tuple[tuple[str, frozenset[int]], ...] = (
    ("特别行政区", frozenset({1})),
    ("自治区", frozenset({1})),
    ("自治州", frozenset({2})),
    ("自治县", frozenset({3})),
    ("自治旗", frozenset({3})),
    ("地区", frozenset({2})),
    ("省", frozenset({1})),
    ("市", frozenset({1, 2, 3})),
    ("盟", frozenset({2})),
    ("区", frozenset({3})),
    ("县", frozenset({3})),
    ("旗", frozenset({3})),
)
_SUFFIX = "|".join(s for s, _ in _LEVELS)
# A place name: 1–7 Han characters (not the anonymising 某) ending in a suffix, shortest first
# so that 万州区人力资源和社会保障局 gives 万州区.
_PLACE = re.compile(rf"(?:(?!某)[\u4e00-\u9fff]){{1,7}}?(?:{_SUFFIX})")


def place_names(text: str) -> list[str]:
    """The administrative names ``text`` starts with: ``重庆市万州区某镇`` → 重庆市, 万州区."""
    out = []
    pos = 0
    text = text.strip()
    while (m := _PLACE.match(text, pos)) is not None:
        out.append(m.group())
        pos = m.end()
    return out


def _levels(name: str) -> frozenset[int]:
    for suffix, levels in _LEVELS:
        if name.endswith(suffix):
            return levels
    return frozenset()  # a jurisdiction written without a suffix: its level is not told


def _same_place(a: str, b: str) -> bool:
    # 重庆万州区 (a unit written without 市) is 万州区 too.
    return a == b or a.endswith(b) or b.endswith(a)


def case_scope(unit: str | None, jurisdiction: str) -> Scope:
    """Whether a case whose cadre works at ``unit`` falls in ``jurisdiction`` (see the module)."""
    if not jurisdiction.strip():
        return "unchecked"
    if jurisdiction.strip() == NATIONWIDE:
        return "same"
    chain = place_names(jurisdiction) or [jurisdiction.strip()]
    names = place_names(unit or "")
    innermost = chain[-1]
    for name in names:
        if _same_place(name, innermost):
            return "same"
        if any(_same_place(name, level) for level in chain):
            continue  # a level above: 重庆市 in 重庆市某局; read on
        # A place outside the chain can still be inside the innermost level when it can be at a
        # lower level than the jurisdiction can (a district inside a city).
        inner = _levels(innermost)
        inside_possible = not inner or max(_levels(name)) > min(inner)
        return "not_told" if inside_possible else "other"
    return "not_told"
