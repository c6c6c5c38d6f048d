"""The typical-case library (典型案例库, catalogue §13): decided cases anonymised into a folder an
officer can search for cases like the one before them, and issue as a booklet.

Takes decided cases (case files decided by the engine, or reviewed decision records); gives a
library folder (one JSON per entry and ``index.json``), search hits, and a booklet. Stages::

    entry      Decided, decide_cases, decided_from_store, features, Entry
    anonymise  Pseudonyms, collect_terms, scrub, find_leaks (RC750), read_redact (RC752)
    build      make_entries, build_library, load_index, load_entries (RC753–RC756)
    search     search, similarity, Hit
    booklet    render_booklet (DOCX, PDF, HTML)
"""

from rongcuo.precedents.anonymise import AnonymiseError, read_redact
from rongcuo.precedents.booklet import render_booklet
from rongcuo.precedents.build import (
    Built,
    LibraryError,
    build_library,
    load_entries,
    load_index,
    make_entries,
)
from rongcuo.precedents.entry import Decided, Entry, decide_cases, decided_from_store, features
from rongcuo.precedents.search import Hit, search, similarity

__all__ = [
    "AnonymiseError",
    "Built",
    "Decided",
    "Entry",
    "Hit",
    "LibraryError",
    "build_library",
    "decide_cases",
    "decided_from_store",
    "features",
    "load_entries",
    "load_index",
    "make_entries",
    "read_redact",
    "render_booklet",
    "search",
    "similarity",
]
