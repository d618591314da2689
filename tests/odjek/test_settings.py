"""Settings: typed models per concern, environment over file over defaults, secrets never shown, README in sync."""

import json

import pytest
from pydantic import SecretStr, ValidationError

from odjek.settings import PROJECT_ROOT, load_settings, settings_table_markdown
from schemas.settings import CONCERNS, OWNER, CrawlSettings, MailSettings, Settings
from tests.conftest import REPO_ROOT


def test_environment_overrides_defaults_with_types():
    settings = load_settings({"ODJEK_BATCH_SIZE": "7", "ODJEK_ALLOW_PRIVATE_ADDRESSES": "1",
                              "ODJEK_DAILY_RECIPIENTS": "a@example.org, b@example.org"})
    assert settings.archive.batch_size == 7
    assert settings.crawl.allow_private_addresses is True
    assert settings.digest.daily_recipients == ["a@example.org", "b@example.org"]
    assert settings.mail.smtp_port == 587 and settings.root == PROJECT_ROOT  # untouched defaults


def test_variable_names_are_case_insensitive_and_unrelated_ones_ignored():
    settings = load_settings({"odjek_smtp_host": "127.0.0.1", "ODJEK_REQUIRE_ALL": "1", "HOME": "/root"})
    assert settings.mail.smtp_host == "127.0.0.1"


def test_settings_file_is_read_and_environment_wins(tmp_path):
    path = tmp_path / "odjek.yaml"
    path.write_text("batch_size: 11\ntimezone: Europe/Vienna\nweekly_recipients: [w@example.org]\n", encoding="utf-8")
    settings = load_settings({"ODJEK_SETTINGS_FILE": str(path), "ODJEK_BATCH_SIZE": "12"})
    assert settings.archive.batch_size == 12 and settings.locale.timezone == "Europe/Vienna"
    assert settings.digest.weekly_recipients == ["w@example.org"]


def test_overrides_win_over_environment():
    settings = load_settings({"ODJEK_WEB_PORT": "9000"}, web_port=9100, web_host=None)
    assert settings.web.web_port == 9100 and settings.web.web_host == "127.0.0.1"


@pytest.mark.parametrize("content, expected", [("batch_size: [1\n", "YAML"), ("- batch_size\n", "mapping"),
                                               ("batch_sise: 3\n", "batch_sise")])
def test_bad_settings_file_is_named(tmp_path, content, expected):
    import yaml

    path = tmp_path / "odjek.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises((ValueError, yaml.YAMLError)) as caught:
        load_settings({"ODJEK_SETTINGS_FILE": str(path)})
    assert expected in str(caught.value) or expected == "YAML" and isinstance(caught.value, yaml.YAMLError)


@pytest.mark.parametrize("env, name", [({"ODJEK_BATCH_SIZE": "many"}, "batch_size"),
                                       ({"ODJEK_SMTP_STARTTLS": "perhaps"}, "smtp_starttls"),
                                       ({"ODJEK_DOWNLOAD_DELAY_S": "soon"}, "download_delay_s")])
def test_bad_values_are_named_on_one_line(env, name):
    with pytest.raises(ValueError, match=name) as caught:
        load_settings(env)
    assert "\n" not in str(caught.value)


def test_empty_flag_reads_false_as_it_always_has():
    assert load_settings({"ODJEK_SMTP_STARTTLS": ""}).mail.smtp_starttls is False
    assert load_settings({"ODJEK_SMTP_STARTTLS": "on"}).mail.smtp_starttls is True


def test_secrets_are_typed_and_redacted():
    settings = load_settings({"ODJEK_SMTP_PASSWORD": "hunter2", "ODJEK_SECRET_KEY": "k3y",
                              "ODJEK_DATABASE_URL": "postgresql://odjek:s3cret@db:5432/odjek"})
    assert isinstance(settings.mail.smtp_password, SecretStr) and isinstance(settings.web.secret_key, SecretStr)
    assert "hunter2" not in repr(settings) and "k3y" not in str(settings.web)
    shown = str(settings.redacted())
    assert "hunter2" not in shown and "k3y" not in shown and "s3cret" not in shown
    assert "postgresql://odjek:********@db:5432/odjek" in shown
    assert settings.mail.smtp_password.get_secret_value() == "hunter2"
    assert settings.resolved_database_url == "postgresql://odjek:s3cret@db:5432/odjek"


def test_status_command_masks_secrets(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from odjek.cli import main

    monkeypatch.setenv("ODJEK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ODJEK_SMTP_PASSWORD", "hunter2")
    monkeypatch.setenv("ODJEK_SECRET_KEY", "k3y-k3y-k3y")
    monkeypatch.delenv("ODJEK_SETTINGS_FILE", raising=False)
    monkeypatch.delenv("ODJEK_DATABASE_URL", raising=False)
    assert CliRunner().invoke(main, ["init"], catch_exceptions=False).exit_code == 0
    for args in (["status", "--json", "--settings"], ["status", "--settings"]):
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "hunter2" not in result.output and "k3y-k3y-k3y" not in result.output
        assert "smtp_password" in result.output and "********" in result.output
    shown = json.loads(CliRunner().invoke(main, ["status", "--json", "--settings"]).output)["settings"]
    assert shown["smtp_password"] == shown["secret_key"] == "********" and shown["data_dir"] == str(tmp_path)


def test_models_are_frozen_and_refuse_unknown_names():
    settings = Settings.from_mapping({})
    with pytest.raises(ValidationError):
        settings.mail.smtp_port = 25  # type: ignore[misc]
    with pytest.raises(ValidationError):
        MailSettings.model_validate({"smtp_prot": 25})
    with pytest.raises(ValueError, match="smtp_prot"):
        Settings.from_mapping({"smtp_prot": 25})
    assert not hasattr(settings, "smtp_port")  # no flat lookup: each value is read from its concern


def test_replace_and_child_variables_round_trip():
    from crawlers.process import child_environment

    settings = Settings.from_mapping({"smtp_password": "pw", "daily_recipients": "a@example.org,b@example.org",
                                      "allow_private_addresses": True}).replace(batch_size=9)
    env = child_environment(settings, base={})
    again = Settings.from_variables(env)
    assert again == settings and again.archive.batch_size == 9
    assert again.mail.smtp_password.get_secret_value() == "pw"


def test_each_setting_belongs_to_one_concern():
    names = [name for cls in CONCERNS for name in cls.model_fields]
    assert len(names) == len(set(names)) == len(OWNER)
    assert {cls.CONCERN for cls in CONCERNS} >= {"crawl", "mail", "digest", "web", "archive"}
    assert CrawlSettings().resolved_user_agent == "OdjekBot/0.1 (+mailto:press@dijaspora.gov.rs)"


def test_readme_table_is_the_generated_one():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = settings_table_markdown()
    assert table in readme, "README's configuration table is stale; paste settings_table_markdown()"
    missing = [name for name in OWNER if f"`ODJEK_{name.upper()}`" not in readme]
    assert not missing
