"""``python -m rongcuo.cli``: the command line, as the ``rongcuo`` script runs it."""

from rongcuo.cli import main

main()
