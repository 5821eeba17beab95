"""Boucle's common library: schemas, topics, settings, Kafka and database plumbing, ops."""
