"""The ``rongcuo`` command line: the command group :func:`main` (the ``rongcuo`` script,
``python -m rongcuo.cli``), gathering the commands of the modules beside it: on rulesets
(:mod:`~rongcuo.cli.rulesets`: check, lint, test, diff), on one case
(:mod:`~rongcuo.cli.cases`: evaluate, explain, schema), memos (:mod:`~rongcuo.cli.memos`: memo,
templates), many cases (:mod:`~rongcuo.cli.batch`: batch) and decision records
(:mod:`~rongcuo.cli.records`: record show/list/review, replay) and cases through their
procedure (:mod:`~rongcuo.cli.procedure`: case open/step/decide/extend/show/list/log/verify),
the typical-case library (:mod:`~rongcuo.cli.precedents`: precedents, library build/booklet)
and assessments after a decision (:mod:`~rongcuo.cli.assess`: assess reuse/warning). What they share (options, the
RULESET argument, the clock, errors into exit codes) is :mod:`~rongcuo.cli.shared`.

Exit codes: 0 ok · 1 bad input (located errors printed) · 2 usage · 3 internal failure.
"""

from __future__ import annotations

import click

from rongcuo.api import __version__
from rongcuo.cli.assess import assess
from rongcuo.cli.batch import batch_command
from rongcuo.cli.cases import evaluate, explain, schema
from rongcuo.cli.memos import memo, templates
from rongcuo.cli.precedents import library, precedents
from rongcuo.cli.procedure import case_group
from rongcuo.cli.procedure_loop import LOOP_COMMANDS
from rongcuo.cli.records import record, replay
from rongcuo.cli.rulesets import check, diff_command, lint, test_command
from rongcuo.cli.service import serve

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rongcuo")
def main() -> None:
    """rongcuo 容错 — error-tolerance policy as declarative, testable rules."""


for _command in (
    check,
    lint,
    evaluate,
    explain,
    record,
    replay,
    test_command,
    batch_command,
    memo,
    templates,
    diff_command,
    schema,
    serve,
    case_group,
    precedents,
    library,
    assess,
):
    main.add_command(_command)
for _command in LOOP_COMMANDS:
    case_group.add_command(_command)
