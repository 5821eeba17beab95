"""Offline FR/EN reading of feedback text: language, negativity, intents and themes."""
