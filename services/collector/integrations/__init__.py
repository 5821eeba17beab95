"""Webhooks from CRMs and email providers, turned into Boucle tracking events.

One module per provider holds its pure parts: signature or credential checks and the mapping of
its payloads to ``TrackingEvent``s. ``router`` serves them over HTTP; ``store`` holds their SQL.
"""
