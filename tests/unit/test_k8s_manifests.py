"""deploy/k8s cannot be applied here (no cluster): every manifest is validated offline against
the Kubernetes API schemas (kubernetes-validate, strict), and these checks keep it true to the
code: settings that exist, ports the services listen on, probes, budgets and selectors that
match, secrets referenced and never committed."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.unit.test_compose import SETTINGS, resolves

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
# The oldest release still supported upstream when written, and the newest the package knows.
VERSIONS = ("1.32.0", kubernetes_validate.latest_version())
WORKLOADS = ("Deployment", "StatefulSet")


@functools.cache
def documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def kinds() -> dict[tuple[str, str], dict[str, Any]]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in documents()}


def workload(service: str) -> dict[str, Any]:
    [found] = [d for (kind, name), d in kinds().items() if kind in WORKLOADS and name == service]
    return found


def container(service: str) -> dict[str, Any]:
    [only] = workload(service)["spec"]["template"]["spec"]["containers"]
    spec: dict[str, Any] = only
    return spec


def environment(service: str) -> dict[str, str]:
    """What the container's ConfigMaps set, in envFrom order (a later one wins)."""
    values: dict[str, str] = {}
    for source in container(service)["envFrom"]:
        values.update(kinds()[("ConfigMap", source["configMapRef"]["name"])]["data"])
    return values


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("file", "doc"), documents(), ids=lambda v: str(v)[:40])
def test_every_manifest_is_a_valid_kubernetes_object(
    file: str, doc: dict[str, Any], version: str
) -> None:
    kubernetes_validate.validate(doc, version, strict=True)  # raises naming the bad field


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_every_variable_a_service_is_given_is_a_setting_it_reads(service: str) -> None:
    names = [*environment(service), *(e["name"] for e in container(service)["env"])]
    assert [name for name in names if not resolves(SETTINGS[service], name.split("__"))] == []


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_each_service_listens_where_its_service_and_probes_look(service: str) -> None:
    port = int(environment(service)[f"{service.upper()}__PORT"])
    spec = container(service)
    assert spec["command"] == ["python", "-m", f"services.{service}"]
    assert spec["ports"] == [{"name": "http", "containerPort": port}]
    assert environment(service)[f"{service.upper()}__HOST"] == "0.0.0.0"
    assert spec["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert spec["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert {"cpu", "memory"} <= spec["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= spec["resources"]["limits"].keys()
    assert kinds()[("Service", service)]["spec"]["ports"][0]["port"] == port


@pytest.mark.parametrize("service", sorted(SETTINGS))
def test_each_service_runs_several_replicas_under_a_disruption_budget(service: str) -> None:
    labels = workload(service)["spec"]["template"]["metadata"]["labels"]
    assert workload(service)["spec"]["replicas"] >= 2
    assert workload(service)["spec"]["selector"]["matchLabels"] == labels
    assert kinds()[("PodDisruptionBudget", service)]["spec"]["selector"]["matchLabels"] == labels
    assert kinds()[("Service", service)]["spec"]["selector"] == labels


def test_each_collector_replica_spools_to_a_volume_of_its_own() -> None:
    collector = workload("collector")
    assert collector["kind"] == "StatefulSet"
    [claim] = collector["spec"]["volumeClaimTemplates"]
    [mount] = container("collector")["volumeMounts"]
    assert mount["name"] == claim["metadata"]["name"]
    assert environment("collector")["COLLECTOR__SPOOL__DIR"].startswith(mount["mountPath"] + "/")


def test_the_database_url_comes_from_a_secret_that_is_not_committed() -> None:
    assert not [doc for _, doc in documents() if doc["kind"] == "Secret"]
    for service in SETTINGS:
        [url] = [e for e in container(service)["env"] if e["name"] == "DATABASE__URL"]
        assert url["valueFrom"]["secretKeyRef"] == {"name": "boucle-database", "key": "url"}
    assert all("DATABASE__URL" not in doc.get("data", {}) for _, doc in documents())


def test_a_job_migrates_the_schema_with_the_same_image() -> None:
    job = kinds()[("Job", "boucle-migrate")]["spec"]["template"]["spec"]["containers"][0]
    assert job["command"] == ["alembic", "-c", "deploy/alembic.ini", "upgrade", "head"]
    assert job["image"] == container("collector")["image"]
