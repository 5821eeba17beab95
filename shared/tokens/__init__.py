"""API tokens: who may read journeys, reports and cases (``python -m shared.tokens --help``).

Tokens live in the ``auth`` schema, apart from the collector's write keys: a write key only ever
sends events, and a token only ever reads or acts on what the services keep.
"""
