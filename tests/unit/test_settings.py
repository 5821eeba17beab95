"""Settings are frozen once built, and the database password never shows."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

from services.collector.settings import CollectorSettings
from services.sessionizer.settings import SessionizerSettings
from shared.settings import DatabaseSettings


def test_a_password_in_the_url_moves_into_a_secret_that_no_repr_or_log_shows(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(
        "DATABASE__URL", "postgresql+asyncpg://app:s3cr3t-pw@db.internal:5432/boucle"
    )
    settings = SessionizerSettings()
    assert settings.database.password.get_secret_value() == "s3cr3t-pw"
    assert "s3cr3t-pw" not in settings.database.url
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings", extra={"settings": settings})
        logging.getLogger("test").info("%r %s", settings, settings.model_dump())
    assert "s3cr3t-pw" not in repr(settings) + str(settings) + caplog.text
    url = settings.database.sqlalchemy_url()
    assert (url.username, url.password, url.host) == ("app", "s3cr3t-pw", "db.internal")


def test_an_explicit_password_wins_over_none_in_the_url() -> None:
    database = DatabaseSettings(url="postgresql+asyncpg://app@db/boucle", password="other")
    assert database.sqlalchemy_url().password == "other"


def test_settings_cannot_change_once_built() -> None:
    settings = SessionizerSettings()
    with pytest.raises(ValidationError, match="frozen"):
        settings.sessionizer.session_timeout_minutes = 5  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        settings.database = DatabaseSettings()
    collector = CollectorSettings()
    with pytest.raises(ValidationError, match="frozen"):
        collector.collector.limits.max_event_bytes = 1  # type: ignore[misc]


def test_database_tls_is_off_by_default_and_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SessionizerSettings().database.ssl == "disable"
    monkeypatch.setenv("DATABASE__SSL", "verify-full")
    assert SessionizerSettings().database.ssl == "verify-full"
