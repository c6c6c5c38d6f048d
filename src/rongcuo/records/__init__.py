"""Decision records: what was decided from exactly which inputs (``model``), kept in an SQLite
store (``store``), reviewed by the deciding body and replayed byte for byte (``replay``)."""
