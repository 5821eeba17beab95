"""In-memory stand-ins for the consumer loop's ports (shared/broker.py, shared/store.py), with
the semantics the loop relies on: partitions, offsets, commits, redelivery, rebalances;
transactions, savepoints, the outbox, advisory locks. Unit tests only: integration tests run the
real Kafka and PostgreSQL."""
