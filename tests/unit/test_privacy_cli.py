"""The privacy CLI's pure parts: when an erasure is done everywhere, and what the export asks
each service for."""

from __future__ import annotations

from typing import Any

import pytest

from shared.privacy.cli import export_of, state_of, statuses_of
from shared.privacy.web import Params

URLS = {"sessionizer": "http://s", "attribution": "http://a", "feedback": "http://f"}


def status(state: str, persons: int) -> dict[str, Any]:
    return {"state": state, "persons": persons}


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ({"sessionizer": None, "attribution": None, "feedback": None}, "unknown"),
        ({"sessionizer": status("pending", 0), "attribution": None}, "pending"),
        (
            {
                "sessionizer": status("done", 2),
                "attribution": status("done", 2),
                "feedback": status("done", 1),
            },
            "pending",
        ),
        (
            {
                "sessionizer": status("done", 1),
                "attribution": status("done", 1),
                "feedback": None,
            },
            "pending",
        ),
        (
            {
                "sessionizer": status("done", 2),
                "attribution": status("done", 2),
                "feedback": status("pending", 2),
            },
            "pending",
        ),
        (
            {
                "sessionizer": status("done", 2),
                "attribution": status("done", 2),
                "feedback": status("done", 2),
            },
            "done",
        ),
    ],
)
def test_an_erasure_is_done_once_every_service_erased_every_person_announced(
    statuses: dict[str, Any], expected: str
) -> None:
    assert state_of(statuses) == expected


class Calls:
    def __init__(self, answers: dict[str, dict[str, Any] | None]) -> None:
        self.answers = answers
        self.made: list[tuple[str, Params]] = []

    def __call__(self, url: str, params: Params) -> dict[str, Any] | None:
        self.made.append((url, params))
        return self.answers.get(url.split("/")[2])


def test_the_export_asks_the_others_for_the_persons_and_identifiers_the_sessionizer_found() -> None:
    journeys = {"persons": [{"personId": "P", "identities": [{"identifier": "u-1"}]}]}
    fetch = Calls({"s": journeys, "a": {"persons": []}, "f": None})
    document = export_of(fetch, URLS, "email:h/1")
    assert [url for url, _ in fetch.made] == [
        "http://s/v1/privacy/export/email%3Ah%2F1",
        "http://a/v1/privacy/export/email%3Ah%2F1",
        "http://f/v1/privacy/export/email%3Ah%2F1",
    ]
    assert [params for _, params in fetch.made[1:]] == [{"also": ["P", "u-1"]}] * 2
    assert (document["sessionizer"], document["attribution"], document["feedback"]) == (
        journeys,
        {"persons": []},
        None,
    )


def test_the_status_asks_every_service_for_the_request() -> None:
    fetch = Calls({"s": status("done", 1)})
    found = statuses_of(fetch, URLS, "r-1")
    assert found == {"sessionizer": status("done", 1), "attribution": None, "feedback": None}
    assert fetch.made[0][0] == "http://s/v1/privacy/erasures/r-1"
