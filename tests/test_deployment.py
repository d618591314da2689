"""The production-shaped deployment files: docker compose validates them (no engine is started here), the
entrypoint refuses placeholder secrets, the image prepares the Airflow log folder."""

import base64
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO_ROOT, require

ODJEK_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                  "airflow-worker", "web")


def _compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def _compose_config(env_file, *extra) -> subprocess.CompletedProcess:
    command = _compose_command()
    require(command is not None, "no docker compose client installed (neither `docker compose` nor `docker-compose`)")
    return subprocess.run([*command, "--env-file", str(env_file), *extra, "config"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def config() -> dict:
    result = _compose_config(".env.example")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_docker_compose_config_validates(config):
    services = config["services"]
    for service in ("postgres", "redis", "airflow-init", *ODJEK_SERVICES, "proxy", "mailcatcher"):
        assert service in services, service
    assert services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert sum("healthcheck" in s for s in services.values()) >= 9


def test_every_odjek_service_waits_for_airflow_init(config):
    services = config["services"]
    for name in ODJEK_SERVICES:
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully", name
    assert services["airflow-init"]["restart"] == "no"
    init = " ".join(services["airflow-init"]["command"])
    assert "airflow db migrate" in init and "airflow fab-db migrate" in init and "odjek init" in init
    assert "airflow users create --role Admin" in init and "_AIRFLOW_ADMIN_PASSWORD" in init


def test_airflow_uses_the_fab_auth_manager_and_required_secrets(config):
    lock = (REPO_ROOT / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "apache-airflow-providers-fab"' in lock
    for name in ("airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-worker"):
        env = config["services"][name]["environment"]
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("fab_auth_manager.FabAuthManager")
        for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET",
                    "AIRFLOW__API__BASE_URL"):
            assert env[key], (name, key)
    assert config["services"]["airflow-init"]["environment"]["_AIRFLOW_ADMIN_PASSWORD"]


def test_only_the_tls_proxy_is_published_and_the_mail_catcher_is_dev_only_on_loopback(config):
    services = config["services"]
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"proxy", "mailcatcher"}
    assert "443" in str(services["proxy"]["ports"]) and "80" in str(services["proxy"]["ports"])
    caddyfile = (REPO_ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "reverse_proxy web:8000" in caddyfile and "reverse_proxy airflow-apiserver:8080" in caddyfile
    mail = services["mailcatcher"]
    assert mail["profiles"] == ["dev"]
    assert all("127.0.0.1" in str(p) for p in mail["ports"])
    assert services["web"]["environment"]["ODJEK_SECURE_COOKIES"] == "1"


def test_compose_refuses_to_render_without_a_required_secret(tmp_path):
    text = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    env_file = tmp_path / "no-fernet.env"
    env_file.write_text(re.sub(r"^AIRFLOW_FERNET_KEY=.*$", "AIRFLOW_FERNET_KEY=", text, flags=re.M), encoding="utf-8")
    result = _compose_config(env_file)
    assert result.returncode != 0
    assert "AIRFLOW_FERNET_KEY" in result.stderr


def test_env_example_names_every_variable_the_compose_file_uses():
    compose = (REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    caddy = (REPO_ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    example = (REPO_ROOT / ".env.example").read_text(encoding="utf-8")
    used = set(re.findall(r"(?<!\$)\$\{(\w+)(?::?[?-][^}]*)?\}", compose))  # $${X} is escaped, for the shell
    used |= set(re.findall(r"\{\$(\w+)\}", caddy))  # handed to the proxy container by compose
    defined = set(re.findall(r"^(\w+)=", example, re.M))
    assert used <= defined, used - defined


def test_the_image_creates_the_log_folder_owned_by_the_airflow_user_and_checks_secrets_first():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    user = re.search(r"^USER (\S+)$", dockerfile, re.M).group(1)
    assert "mkdir -p /opt/airflow/logs" in dockerfile
    assert re.search(rf"chown -R {user}(:{user})? /opt/airflow\b", dockerfile)
    assert f"useradd --create-home --uid 50000 {user}" in dockerfile
    assert 'ENTRYPOINT ["python", "/opt/odjek/deploy/check_env.py"]' in dockerfile


# The entrypoint's secret check ------------------------------------------------------------------------------

CHECK = REPO_ROOT / "deploy" / "check_env.py"


def _env_from_example() -> dict[str, str]:
    """The environment an Airflow container gets from compose with .env.example (as rendered by compose)."""
    example = dict(re.findall(r"^(\w+)=(.*)$", (REPO_ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    return {"AIRFLOW__CORE__EXECUTOR": "CeleryExecutor", "AIRFLOW__CORE__FERNET_KEY": example["AIRFLOW_FERNET_KEY"],
            "AIRFLOW__API__SECRET_KEY": example["AIRFLOW_SECRET_KEY"],
            "AIRFLOW__API_AUTH__JWT_SECRET": example["AIRFLOW_JWT_SECRET"],
            "AIRFLOW__API__BASE_URL": example["AIRFLOW_BASE_URL"],
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": example["AIRFLOW_DATABASE_URL"],
            "ODJEK_DATABASE_URL": example["ODJEK_DATABASE_URL"], "ODJEK_SECRET_KEY": example["ODJEK_SECRET_KEY"],
            "ODJEK_BASE_URL": example["ODJEK_BASE_URL"], "_AIRFLOW_ADMIN_PASSWORD": example["AIRFLOW_ADMIN_PASSWORD"]}


def _good_env() -> dict[str, str]:
    return {"AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__FERNET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "AIRFLOW__API__SECRET_KEY": "k" * 12 + "Zq81nB0v7mXw3tYp2sLd9aHf",
            "AIRFLOW__API_AUTH__JWT_SECRET": "j" * 12 + "Rt5uYw2eQp8oLk3mNb7vCx1z",
            "AIRFLOW__API__BASE_URL": "https://airflow.odjek.dijaspora.gov.rs",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://odjek:Vq3r8sT1u@postgres:5432/airflow",
            "ODJEK_DATABASE_URL": "postgresql://odjek:Vq3r8sT1u@postgres:5432/odjek",
            "ODJEK_SECRET_KEY": "s" * 12 + "Hg6fDs4aPo9iUy7tRe5wQz2x", "ODJEK_BASE_URL": "https://odjek.dijaspora.gov.rs",
            "_AIRFLOW_ADMIN_PASSWORD": "a-real-admin-passphrase"}


def _run_check(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECK), *argv], env={"PATH": os.environ["PATH"], **env},
                          capture_output=True, text=True, timeout=60)


def test_the_entrypoint_refuses_every_placeholder_of_the_env_example():
    result = _run_check(_env_from_example(), "echo", "started")
    assert result.returncode == 2 and "started" not in result.stdout
    refused = result.stderr
    for name in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET",
                 "ODJEK_SECRET_KEY", "_AIRFLOW_ADMIN_PASSWORD", "ODJEK_DATABASE_URL", "AIRFLOW__API__BASE_URL",
                 "ODJEK_BASE_URL"):
        assert name in refused, name
    assert all(line.startswith("odjek: refusing to start: ") for line in refused.strip().splitlines())


def test_the_entrypoint_refuses_missing_and_local_values():
    env = _good_env()
    del env["AIRFLOW__CORE__FERNET_KEY"]
    env["AIRFLOW__API__BASE_URL"] = "http://localhost:8080"
    env["ODJEK_SECRET_KEY"] = "short"
    result = _run_check(env, "--check")
    assert result.returncode == 2
    assert "AIRFLOW__CORE__FERNET_KEY is not set" in result.stderr
    assert "AIRFLOW__API__BASE_URL must be an https:// URL" in result.stderr
    assert "ODJEK_SECRET_KEY is shorter than" in result.stderr


def test_the_entrypoint_runs_the_command_when_the_secrets_are_real():
    result = _run_check(_good_env(), sys.executable, "-c", "print('started')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"
    web_only = {k: v for k, v in _good_env().items() if k.startswith("ODJEK_")}  # the web container
    assert _run_check(web_only, "--check").returncode == 0
