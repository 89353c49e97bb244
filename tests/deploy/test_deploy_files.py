"""The deployment files say what the tested commands do: the systemd units and the compose file run
`scripts/serve.sh prepare|web|worker` (what tests/deploy/test_stack.py starts), and the owner's
database connection reaches only the preparing step."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.deploy import stack

UNITS = {"motiva-prepare.service": "prepare", "motiva-web.service": "web", "motiva-worker.service": "worker"}


def test_the_systemd_units_run_serve_sh():
    for unit, mode in UNITS.items():
        command = stack.unit_command(unit)
        assert Path(command[0]) == stack.SERVE and command[1:] == [mode], unit


def test_only_the_prepare_unit_reads_the_owners_connection():
    for unit in UNITS:
        text = (stack.ROOT / "deploy" / "systemd" / unit).read_text(encoding="utf-8")
        assert ("migrate.env" in text) == (unit == "motiva-prepare.service"), unit
        assert "MIGRATE_DATABASE_URL" not in text.replace(
            "# the owner's connection (MIGRATE_DATABASE_URL)", ""
        )
    example = (stack.ROOT / "deploy" / "motiva.env.example").read_text(encoding="utf-8")
    assert not any(line.startswith("MIGRATE_DATABASE_URL") for line in example.splitlines())


def test_the_compose_file_runs_the_same_commands():
    compose = yaml.safe_load((stack.ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "prepare", "web", "worker"} <= set(services)
    for name in ("prepare", "web", "worker"):
        assert services[name]["command"] == ["scripts/serve.sh", name]
        has_owner = "MIGRATE_DATABASE_URL" in services[name].get("environment", {})
        assert has_owner == (name == "prepare"), name
    assert services["web"]["depends_on"]["prepare"] == {"condition": "service_completed_successfully"}
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
