"""docker-compose.yml cannot run here (no Docker engine); these checks keep it true to the code."""

from __future__ import annotations

import json
import re
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
    expected = {"kafka", "postgres", "migrate", "prometheus", "grafana", *SETTINGS}
    assert expected <= set(compose["services"])


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


def mounts(spec: dict[str, Any]) -> dict[str, str]:
    """Container path → repository path of a service's bind mounts."""
    binds = (volume.split(":") for volume in spec.get("volumes", []) if volume.startswith("./"))
    return {container: host for host, container, *_ in binds}


def test_prometheus_scrapes_every_service_port_as_a_job_of_its_name(
    compose: dict[str, Any],
) -> None:
    config_file = mounts(compose["services"]["prometheus"])["/etc/prometheus/prometheus.yml"]
    config = yaml.safe_load((ROOT / config_file).read_text())
    jobs = {
        job["job_name"]: [t for group in job["static_configs"] for t in group["targets"]]
        for job in config["scrape_configs"]
    }
    for service in SETTINGS:
        port = compose["services"][service]["environment"][f"{service.upper()}__PORT"]
        assert jobs[service] == [f"{service}:{port}"]


def test_prometheus_loads_the_rules_of_the_local_stack(compose: dict[str, Any]) -> None:
    binds = mounts(compose["services"]["prometheus"])
    config = yaml.safe_load((ROOT / binds["/etc/prometheus/prometheus.yml"]).read_text())
    assert config["rule_files"] == ["rules/*.yml"]  # beside the config: /etc/prometheus/rules
    assert binds["/etc/prometheus/rules"] == "./deploy/prometheus/rules"
    assert sorted((ROOT / "deploy/prometheus/rules").glob("*.yml"))


def test_the_local_and_compose_prometheus_scrape_the_same_jobs_with_the_same_rules() -> None:
    template = (ROOT / "deploy/prometheus/prometheus.yml.in").read_text()
    local = yaml.safe_load(re.sub(r"@([A-Z_]+)@", r"x-\1", template))
    compose = yaml.safe_load((ROOT / "deploy/prometheus/compose.yml").read_text())
    assert [job["job_name"] for job in local["scrape_configs"]] == [
        job["job_name"] for job in compose["scrape_configs"]
    ]
    assert [job["job_name"] for job in local["scrape_configs"]] == [*SETTINGS, "prometheus"]
    assert local["rule_files"] == ["x-RULES_DIR/*.yml"]  # deploy/prometheus/rules, rendered


def test_grafana_reads_the_provisioned_datasource_and_dashboards(compose: dict[str, Any]) -> None:
    spec = compose["services"]["grafana"]
    binds = mounts(spec)
    provisioning = ROOT / binds["/etc/grafana/provisioning"]
    [source] = yaml.safe_load((provisioning / "datasources/prometheus.yml").read_text())[
        "datasources"
    ]
    assert source["url"] == "http://prometheus:9090"
    assert compose["services"]["prometheus"]["ports"] == ["127.0.0.1:9090:9090"]
    [provider] = yaml.safe_load((provisioning / "dashboards/boucle.yml").read_text())["providers"]
    dashboards = ROOT / binds[provider["options"]["path"]]
    dashboard = json.loads((dashboards / "boucle.json").read_text())
    used = {panel["datasource"]["uid"] for panel in dashboard["panels"] if "datasource" in panel}
    assert used == {source["uid"]}
    home = spec["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home == f"{provider['options']['path']}/boucle.json"


def test_setting_one_consumer_variable_keeps_the_default_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SESSIONIZER__CONSUMER__MAX_RECORDS", "15")
    settings = SessionizerSettings()
    assert (settings.sessionizer.consumer.group_id, settings.sessionizer.consumer.max_records) == (
        "boucle-sessionizer",
        15,
    )
