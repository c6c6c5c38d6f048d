"""The procedure around a case after its decision (catalogue §12, §13).

Takes a case's recorded sanctions (:class:`~rongcuo.case.contract.Sanction`) and an effective
ruleset whose ``months`` parameters give each kind's period; gives, in ``periods``, the end of
a period of calendar months (:func:`period_end`) and a cadre's impact period (影响期,
:func:`impact_period`): each sanction's end, the latest one governing. Nothing here reads the
clock or a store.
"""
