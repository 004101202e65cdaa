"""Settings from flags, environment and `.env`, and the command's errors."""

from __future__ import annotations

import pytest

from gitstars.cli import build_parser, main
from gitstars.settings import LOCAL_SERVER_URL, Settings


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.db_url.startswith("surrealkv://")
    assert settings.embedded
    assert settings.db_namespace == "gitstars"
    assert settings.db_database == "stars"
    assert settings.db_pool_max_size == 10
    assert settings.db_pool_min_idle == 2
    assert settings.db_connection_timeout == 30
    assert settings.github_api_url == "https://api.github.com"


def test_local_flag_selects_server():
    settings = Settings(local=True)
    assert settings.db_url == LOCAL_SERVER_URL
    assert not settings.embedded


def test_env_file_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DB_URL=mem://\nDB_USER=root\nDB_POOL_MAX_SIZE=3\nDB_POOL_MIN_IDLE=1\n")
    settings = Settings()
    assert settings.db_url == "mem://"
    assert settings.db_user == "root"
    assert settings.db_pool_max_size == 3


def test_secret_not_in_repr():
    settings = Settings(db_pass="hunter2-db", github_token="ghp_secret_value")
    assert "hunter2-db" not in repr(settings)
    assert "ghp_secret_value" not in repr(settings)


def test_help_names_units(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--help"])
    text = capsys.readouterr().out
    assert "--db-connection-timeout" in text
    assert "(seconds)" in text
    assert "(connections)" in text
    assert "--github-token" not in text


@pytest.mark.parametrize(
    ("flag", "value", "named"),
    [
        ("--db-url", "postgres://x", "--db-url"),
        ("--db-pool-max-size", "0", "--db-pool-max-size"),
        ("--github-api-url", "ftp://example", "--github-api-url"),
        ("--db-connection-timeout", "soon", "--db-connection-timeout"),
    ],
)
def test_bad_flag_named_in_error(capsys, flag, value, named):
    code = main(["stats", flag, value] if flag.startswith("--db") else ["run", "--account", "a", flag, value])
    error = capsys.readouterr().err
    assert code == 2
    assert named in error
    assert value in error


def test_min_idle_above_max_rejected(capsys):
    code = main(["stats", "--db-pool-max-size", "2", "--db-pool-min-idle", "5"])
    assert code == 2
    assert "--db-pool-min-idle" in capsys.readouterr().err
