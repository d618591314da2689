"""Settings: one table of defaults, environment overrides, secrets never shown, README in sync."""

import pytest

from odjek.settings import SETTINGS, load_settings, settings_table_markdown
from tests.conftest import REPO_ROOT


def test_environment_overrides_defaults_with_types():
    settings = load_settings({"ODJEK_BATCH_SIZE": "7", "ODJEK_ALLOW_PRIVATE_ADDRESSES": "1",
                              "ODJEK_DAILY_RECIPIENTS": "a@example.org, b@example.org"})
    assert settings.batch_size == 7
    assert settings.allow_private_addresses is True
    assert settings.daily_recipients == ["a@example.org", "b@example.org"]


def test_settings_file_is_read_and_environment_wins(tmp_path):
    path = tmp_path / "odjek.yaml"
    path.write_text("batch_size: 11\ntimezone: Europe/Vienna\n", encoding="utf-8")
    settings = load_settings({"ODJEK_SETTINGS_FILE": str(path), "ODJEK_BATCH_SIZE": "12"})
    assert settings.batch_size == 12 and settings.timezone == "Europe/Vienna"


def test_bad_values_are_named():
    with pytest.raises(ValueError, match="batch_size"):
        load_settings({"ODJEK_BATCH_SIZE": "many"})


def test_secrets_are_redacted():
    settings = load_settings({"ODJEK_SMTP_PASSWORD": "hunter2", "ODJEK_SECRET_KEY": "k3y",
                              "ODJEK_DATABASE_URL": "postgresql://odjek:s3cret@db:5432/odjek"})
    shown = str(settings.redacted())
    assert "hunter2" not in shown and "k3y" not in shown and "s3cret" not in shown
    assert "postgresql://odjek:********@db:5432/odjek" in shown


def test_readme_documents_every_setting():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"ODJEK_{s.name.upper()}" not in readme]
    assert not missing, f"README lacks settings {missing}; paste settings_table_markdown()"
    assert settings_table_markdown().splitlines()[0] in readme
