"""The integrations the collector serves, by the name used in their URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.collector.integrations import (
    generic,
    hubspot,
    mailgun,
    pipedrive,
    salesforce,
    sendgrid,
)
from services.collector.integrations.common import Parsed

Verifier = Callable[..., "str | None"]
Parser = Callable[..., Parsed]


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    kind: str  # the source kind it belongs to: crm or email
    verify: Verifier
    parse: Parser
    soap_ack: bool = False  # Salesforce stops retrying only on its SOAP Ack


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider("hubspot", "crm", hubspot.verify, hubspot.parse),
        Provider("salesforce", "crm", salesforce.verify, salesforce.parse, soap_ack=True),
        Provider("pipedrive", "crm", pipedrive.verify, pipedrive.parse),
        Provider("generic", "crm", generic.verify, generic.parse),
        Provider("sendgrid", "email", sendgrid.verify, sendgrid.parse),
        Provider("mailgun", "email", mailgun.verify, mailgun.parse),
    )
}


def stored_secret(provider: str, secret: str) -> str:
    """What the source keeps: Pipedrive's ``user:password`` only as a hash (it is compared,
    never used as a key); SendGrid's key is checked to load now rather than on first delivery."""
    if provider == "pipedrive":
        user, _, password = secret.partition(":")
        if not user or not password:
            raise ValueError("the Pipedrive secret is user:password (the webhook's Basic auth)")
        return pipedrive.credentials_hash(user, password)
    if provider == "sendgrid":
        sendgrid.public_key(secret)
    if provider == "salesforce" and (len(secret.partition(":")[0]) != 18 or ":" not in secret):
        raise ValueError("the Salesforce secret is <18-character org id>:<url token>")
    return secret
