"""Write the JSON Schemas of rongcuo's contract into ``schemas/`` (do not edit them by hand)::

    python tools/make_schemas.py [OUTPUT_DIR]

One file a kind: ``case.schema.json`` (a case file), ``decision.schema.json`` (the Decision
contract, v1), ``record.schema.json`` (a decision record), ``memo.schema.json`` (the data a memo
template receives), ``assessment.schema.json`` (an Assessment, its own contract v1: reuse and
warning are assessment rulesets, with no case schema), and one case schema per bundled
ruleset (``case.<ruleset>.schema.json``, its newest version: facts with types, allowed values
and Chinese labels). ``rongcuo schema``
prints the same text; ``tests/test_schemas.py`` fails when a file differs from what the code
generates, so a change to the contract shows in review as a change to these files.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rongcuo import Engine
from rongcuo.schemas import KINDS, json_schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_RULESETS = ("national", "wanzhou", "mianyang")


def schema_files() -> dict[str, str]:
    """File name → text, for every schema the repository keeps."""
    out = {f"{kind}.schema.json": schema_text(json_schema(kind)) for kind in KINDS}
    with Engine(backend="reference") as engine:
        for rid in BUNDLED_RULESETS:
            out[f"case.{rid}.schema.json"] = schema_text(engine.case_schema(rid))
    return out


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else ROOT / "schemas"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in schema_files().items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"{folder / name}: {len(text.encode()):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
