"""All SQL of the sessionizer's consumer, set-based: what a batch reads, one query per table for
every person and chain it touches (``reads``), and what it writes, one bulk statement per table
(``writes``). SQLAlchemy Core throughout; the read API's queries are in ``journal.py``."""
