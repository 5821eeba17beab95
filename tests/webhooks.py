"""Signed webhook requests built from the provider fixtures, as each provider would send them."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from services.collector.integrations import generic, hubspot, mailgun
from services.collector.integrations.common import WebhookRequest

FIXTURES = Path(__file__).parent / "fixtures"
HUBSPOT_SECRET = "hubspot-client-secret-for-tests"
MAILGUN_KEY = "key-mailgun-signing-for-tests"
GENERIC_SECRET = "generic-shared-secret-for-tests"
PIPEDRIVE_USER, PIPEDRIVE_PASSWORD = "boucle", "pipedrive-basic-password"
SALESFORCE_ORG, SALESFORCE_TOKEN = "00D5g000004ZmQbEAK", "sf-url-token-for-tests"


def fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def fixture_json(path: str) -> Any:
    return json.loads(fixture(path))


@dataclass(frozen=True)
class Signed:
    body: bytes
    headers: dict[str, str]
    query: str = ""


class SendGridKeys:
    """A test key pair standing in for the one SendGrid generates; the public half is what a
    source is configured with (base64 DER, as SendGrid shows it)."""

    def __init__(self) -> None:
        self._private = ec.generate_private_key(ec.SECP256R1())
        der = self._private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public = base64.b64encode(der).decode()

    def sign(self, body: bytes, *, timestamp: int | None = None) -> Signed:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = self._private.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return Signed(
            body,
            {
                "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
                "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
                "Content-Type": "application/json",
            },
        )


def hubspot_signed(
    body: bytes, url: str, *, secret: str = HUBSPOT_SECRET, timestamp_ms: int | None = None
) -> Signed:
    stamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    request = WebhookRequest(method="POST", url=url, headers={}, body=body)
    return Signed(
        body,
        {
            "X-HubSpot-Signature-v3": hubspot.sign(secret, request, stamp),
            "X-HubSpot-Request-Timestamp": stamp,
            "Content-Type": "application/json",
        },
    )


def mailgun_signed(
    path: str, *, key: str = MAILGUN_KEY, timestamp: int | None = None, token: str | None = None
) -> Signed:
    body = fixture_json(path)
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    token = token or base64.b32encode(str(time.time_ns()).encode()).decode()[:50].lower()
    body["signature"] = {
        "timestamp": stamp,
        "token": token,
        "signature": mailgun.sign(key, stamp, token),
    }
    return Signed(json.dumps(body).encode(), {"Content-Type": "application/json"})


def generic_signed(
    body: bytes, *, secret: str = GENERIC_SECRET, timestamp: int | None = None
) -> Signed:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    return Signed(
        body,
        {
            "X-Boucle-Signature": generic.sign(secret, stamp, body),
            "Content-Type": "application/json",
        },
    )


def pipedrive_request(
    body: bytes, *, user: str = PIPEDRIVE_USER, password: str = PIPEDRIVE_PASSWORD
) -> Signed:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return Signed(body, {"Authorization": f"Basic {token}", "Content-Type": "application/json"})


def salesforce_request(body: bytes, *, token: str = SALESFORCE_TOKEN) -> Signed:
    return Signed(
        body,
        {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        query=f"?token={token}",
    )
