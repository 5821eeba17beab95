"""docker-compose.yml cannot run here (no Docker engine); these checks keep it true to the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from services.attribution.settings import AttributionSettings
from services.collector.settings import CollectorSettings
from services.feedback.settings import FeedbackSettings
from services.sessionizer.settings import SessionizerSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, type[BaseSettings]] = {
    "collector": CollectorSettings,
    "sessionizer": SessionizerSettings,
    "attribution": AttributionSettings,
    "feedback": FeedbackSettings,
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def resolves(model: type[BaseModel], path: list[str]) -> bool:
    """Whether GROUP__FIELD__… names a field of the settings model."""
    field = model.model_fields.get(path[0].lower())
    if field is None:
        return False
    if len(path) == 1:
        return True
    annotation = field.annotation
    return (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and resolves(annotation, path[1:])
    )


def test_compose_describes_the_whole_stack(compose: dict[str, Any]) -> None:
    assert {"kafka", "postgres", "migrate", "prometheus", *SETTINGS} <= set(compose["services"])


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_every_variable_given_to_a_service_is_a_setting_it_reads(
    compose: dict[str, Any], service: str
) -> None:
    environment = compose["services"][service]["environment"]
    unknown = [name for name in environment if not resolves(SETTINGS[service], name.split("__"))]
    assert unknown == []


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_each_service_runs_its_own_module_on_its_own_port(
    compose: dict[str, Any], service: str
) -> None:
    spec = compose["services"][service]
    assert spec["command"] == ["python", "-m", f"services.{service}"]
    port = int(spec["environment"][f"{service.upper()}__PORT"])
    settings = SETTINGS[service].model_validate({service: {"port": port}})
    assert getattr(settings, service).port == port
    assert spec["ports"] == [f"127.0.0.1:{port}:{port}"]


def test_prometheus_scrapes_every_service_port(compose: dict[str, Any]) -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text())
    targets = config["scrape_configs"][0]["static_configs"][0]["targets"]
    expected = [
        f"{s}:{compose['services'][s]['environment'][f'{s.upper()}__PORT']}" for s in SETTINGS
    ]
    assert sorted(targets) == sorted(expected)


def test_setting_one_consumer_variable_keeps_the_default_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SESSIONIZER__CONSUMER__MAX_RECORDS", "15")
    settings = SessionizerSettings()
    assert (settings.sessionizer.consumer.group_id, settings.sessionizer.consumer.max_records) == (
        "boucle-sessionizer",
        15,
    )
