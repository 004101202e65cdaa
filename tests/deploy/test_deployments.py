"""Deployments on a local Prefect server: deploy, a worker's backfill, listener and reaper.

The tests share one server, one fake GitHub serving the recorded world, and one embedded
database file. Only one process may open that file at a time, so each step runs in its
own process and ends before the next one starts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitstars.fakegithub.recorded import ACCOUNT_LOGIN, recorded_world
from gitstars.fakegithub.server import FakeGitHub

pytestmark = pytest.mark.prefect

DEPLOYMENTS = {
    "listener/listener",
    "process-account/process-account",
    "backfill/backfill",
    "reaper/reaper",
    "stats/stats",
}

READ_RUN = """
import asyncio, json, sys
from uuid import UUID
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

async def main():
    async with get_client() as client:
        run = await client.read_flow_run(UUID(sys.argv[1]))
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
        print(json.dumps({
            "state": run.state.type.value,
            "artifacts": [{"type": item.type, "key": item.key, "data": item.data} for item in artifacts],
        }, default=str))

asyncio.run(main())
"""

READ_DEPLOYMENT_RUNS = """
import asyncio, json, sys
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

async def main():
    async with get_client() as client:
        runs = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[sys.argv[1]]))
        )
        print(json.dumps([{"name": run.name, "parameters": run.parameters} for run in runs], default=str))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def world():
    world, token = recorded_world()
    with FakeGitHub(world) as server:
        yield server, token


@pytest.fixture(scope="module")
def database_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deployed-db") / "gitstars"


@pytest.fixture(scope="module")
def deployed(prefect_server, world, database_dir):
    """A work pool, the registered blocks, saved block documents, and every deployment."""
    server, token = world
    created = prefect_server.prefect("work-pool", "create", "gitstars-process", "--type", "process")
    assert created.returncode == 0, created.stderr
    registered = prefect_server.prefect("block", "register", "-m", "blocks")
    assert registered.returncode == 0, registered.stderr
    saved = prefect_server.python(_save_blocks_code(database_dir, server.url), extra_env={"FAKE_TOKEN": token})
    assert saved.returncode == 0, saved.stderr
    deploy = prefect_server.prefect("--no-prompt", "deploy", "--all")
    return {"deploy": deploy, "server": server, "token": token}


def _save_blocks_code(database_dir: Path, url: str) -> str:
    return (
        "import os\n"
        "from pydantic import SecretStr\n"
        "from blocks import GitHubAPI, SurrealDBConnection\n"
        f"SurrealDBConnection(url='surrealkv://{database_dir}').save('gitstars-db', overwrite=True)\n"
        f"GitHubAPI(base_url='{url}', fallback_token=SecretStr(os.environ['FAKE_TOKEN']),"
        " settle_seconds=0).save('gitstars-github', overwrite=True)\n"
    )


def test_deploy_creates_every_deployment(deployed, prefect_server):
    assert deployed["deploy"].returncode == 0, deployed["deploy"].stdout[-3000:] + deployed["deploy"].stderr[-3000:]
    listed = prefect_server.prefect("deployment", "ls")
    for name in DEPLOYMENTS:
        flow_name, deployment_name = name.split("/")
        assert flow_name in listed.stdout
        assert deployment_name in listed.stdout


@pytest.fixture(scope="module")
def backfill_run(deployed, prefect_server):
    """Run the backfill deployment for the recorded account on a process worker."""
    started = prefect_server.prefect(
        "deployment", "run", "backfill/backfill",
        "--param", f"account={ACCOUNT_LOGIN}", "--param", "sync=true",
    )
    assert started.returncode == 0, started.stderr
    flow_run_id = next(
        word.strip("'\".") for line in started.stdout.splitlines() if "UUID" in line for word in line.split() if word.count("-") == 4
    )
    worker = prefect_server.prefect(
        "worker", "start", "--pool", "gitstars-process", "--run-once", timeout=900,
        extra_env={"FAKE_TOKEN": deployed["token"]},
    )
    read = prefect_server.python(READ_RUN.replace("sys.argv[1]", repr(flow_run_id)))
    assert read.returncode == 0, read.stderr
    return {"worker": worker, "run": json.loads(read.stdout.strip().splitlines()[-1])}


def test_backfill_completes(backfill_run):
    assert backfill_run["run"]["state"] == "COMPLETED", backfill_run["worker"].stdout[-4000:]


def test_backfill_has_progress_artifact(backfill_run):
    progress = [item for item in backfill_run["run"]["artifacts"] if item["type"] == "progress"]
    assert progress
    assert float(progress[0]["data"]) == 100.0


def test_backfill_has_table_artifact(backfill_run):
    tables = [item for item in backfill_run["run"]["artifacts"] if item["type"] == "table"]
    assert tables
    rows = json.loads(tables[0]["data"])
    betamax = [row for row in rows if row["repo"] == "betamaxpy/betamax"]
    assert betamax
    assert betamax[0]["stargazers"] == 484
    assert {"repo", "status", "stargazers", "pages", "requests", "error"} <= set(rows[0])


NEW_ACCOUNT_ID = 424242

ADD_ACCOUNT = """
import asyncio
from gitstars.models import GitHubUser
from gitstars.settings import Settings
from gitstars.store import Store

async def main():
    store = await Store.open(Settings(db_url={db_url!r}))
    await store.accounts.upsert(GitHubUser(id={account_id}, login="new.user-42"))
    await store.close()

asyncio.run(main())
"""

RUN_LISTENER = """
import asyncio
from flows.listener import listener

asyncio.run(listener(
    poll_seconds=0.1, once=True, process_account_deployment="process-account/process-account",
    database_block="gitstars-db", github_block="gitstars-github",
))
"""

EXPIRE_A_CLAIM = """
import asyncio
from gitstars.settings import Settings
from gitstars.store import Store
from gitstars.store.records import repo_id

async def main():
    store = await Store.open(Settings(db_url={db_url!r}))
    await store.runner.query(
        "UPDATE $repo SET status = 'processing', claim_token = 'crashed-worker', claim_owner = 'crashed',"
        " lease_expires_at = time::now() - 1m",
        {{"repo": repo_id({repo_id})}},
    )
    await store.close()

asyncio.run(main())
"""

READ_REPO = """
import asyncio
from gitstars.settings import Settings
from gitstars.store import Store
from gitstars.store.records import repo_id

async def main():
    store = await Store.open(Settings(db_url={db_url!r}))
    (row,) = await store.runner.query("SELECT status, claim_token FROM ONLY $repo", {{"repo": repo_id({repo_id})}})
    print(row["status"], row.get("claim_token"))
    await store.close()

asyncio.run(main())
"""

RUN_REAPER = """
import asyncio
from flows.reaper import reaper

print(asyncio.run(reaper(
    process_account_deployment="process-account/process-account",
    database_block="gitstars-db", github_block="gitstars-github",
)))
"""


def deployment_runs(prefect_server, name: str) -> list[dict]:
    read = prefect_server.python(READ_DEPLOYMENT_RUNS.replace("sys.argv[1]", repr(name)))
    assert read.returncode == 0, read.stderr
    return json.loads(read.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def listener_runs(backfill_run, prefect_server, database_dir):
    """Add an account, run the listener once in deployed mode, and list the runs it made."""
    added = prefect_server.python(ADD_ACCOUNT.format(db_url=f"surrealkv://{database_dir}", account_id=NEW_ACCOUNT_ID))
    assert added.returncode == 0, added.stderr
    listened = prefect_server.python(RUN_LISTENER)
    assert listened.returncode == 0, listened.stderr[-3000:]
    return deployment_runs(prefect_server, "process-account")


def test_listener_starts_process_account(listener_runs):
    accounts = [run["parameters"].get("account") for run in listener_runs]
    assert NEW_ACCOUNT_ID in accounts


def test_listener_run_parameters(listener_runs):
    run = next(run for run in listener_runs if run["parameters"].get("account") == NEW_ACCOUNT_ID)
    assert run["parameters"] == {
        "account": NEW_ACCOUNT_ID,
        "database_block": "gitstars-db",
        "github_block": "gitstars-github",
    }


def test_listener_runs_carry_no_secret(listener_runs, deployed):
    assert deployed["token"] not in json.dumps(listener_runs)


def test_reaper_hands_back_expired_claim(listener_runs, prefect_server, database_dir):
    from gitstars.fakegithub.recorded import BETAMAX_ID

    db_url = f"surrealkv://{database_dir}"
    expired = prefect_server.python(EXPIRE_A_CLAIM.format(db_url=db_url, repo_id=BETAMAX_ID))
    assert expired.returncode == 0, expired.stderr
    reaped = prefect_server.python(RUN_REAPER)
    assert reaped.returncode == 0, reaped.stderr[-3000:]
    assert "'reaped': 1" in reaped.stdout
    assert "'accounts_restarted': 1" in reaped.stdout
    read = prefect_server.python(READ_REPO.format(db_url=db_url, repo_id=BETAMAX_ID))
    assert read.stdout.split() == ["pending", "None"]


RUN_STATS = """
import asyncio
from flows.stats import stats

print(asyncio.run(stats(database_block="gitstars-db")))
"""

READ_STATS_ARTIFACT = """
import asyncio
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

async def main():
    async with get_client() as client:
        found = await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["gitstars-stats"])))
        print(found[0].data)

asyncio.run(main())
"""


def test_stats_flow_writes_table(backfill_run, prefect_server):
    ran = prefect_server.python(RUN_STATS)
    assert ran.returncode == 0, ran.stderr[-3000:]
    read = prefect_server.python(READ_STATS_ARTIFACT)
    rows = {row["metric"]: row["value"] for row in json.loads(read.stdout.strip().splitlines()[-1])}
    assert rows["repos restricted"] == 592
    assert rows["starred edges"] == 1295


@pytest.mark.parametrize("event", ["gitstars.repo.complete", "gitstars.repo.restricted"])
def test_repo_events_emitted(backfill_run, prefect_server, event):
    import httpx

    response = httpx.post(
        f"{prefect_server.api_url}/events/filter",
        json={"filter": {"event": {"name": [event]}, "occurred": {"since": "2000-01-01T00:00:00Z"}}, "limit": 50},
    )
    assert response.status_code == 200, response.text
    assert response.json()["total"] > 0
