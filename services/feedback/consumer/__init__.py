"""The feedback consumer's handlers, one per input topic, applied in this order in each batch's
transaction: identity links (``identities``), journeys (``journeys``), feedback responses
(``responses``). Each is set-based: one load per table for the whole batch, the pure rules in
memory, one write per table."""
