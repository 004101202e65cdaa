"""The `gitstars` command: run the main job, listen for accounts, show statistics.

Options come from the settings models, so each flag has an environment variable of the
same name (`--db-url` and `DB_URL`) and a help text with its unit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import SecretStr, ValidationError

from gitstars.settings import CrawlSettings, DatabaseSettings, GitHubSettings, Settings

# Flags that would put a secret into the shell history and `ps` output stay env-only.
ENV_ONLY = {"github_token"}

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _prefect_defaults() -> None:
    """Set Prefect defaults that suit a local command, unless the user set them."""
    # The first flow call of a process starts Prefect's ephemeral API server, which took
    # 12-27 s on 2 cores, so the default 20 s start-up limit is too short.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Send the core package's log lines (GitHub client, store) to the run logs too.
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "gitstars")


def _add_settings(parser: argparse.ArgumentParser, *models: type) -> None:
    for model in models:
        group = parser.add_argument_group(model.__doc__.splitlines()[0] if model.__doc__ else None)
        for name, field in model.model_fields.items():
            if name in ENV_ONLY:
                continue
            flag = "--" + name.replace("_", "-")
            default = field.get_default(call_default_factory=True)
            help_text = f"{field.description} Env: {name.upper()}."
            if field.annotation is bool:
                group.add_argument(flag, dest=name, action="store_true", default=None, help=help_text)
                continue
            if default is not None and not isinstance(default, SecretStr):
                help_text += f" Default: {default}."
            group.add_argument(flag, dest=name, default=None, metavar=name.upper(), help=help_text)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="gitstars",
        description="Collect the stargazers of the repositories that GitHub accounts starred, into SurrealDB.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="sync an account's starred repositories and crawl their stargazers",
        description="Create or update the account, sync the repositories it starred, crawl the "
        "stargazers of each, and print a summary. The token comes from the account record or "
        "GITHUB_TOKEN.",
    )
    run.add_argument("--account", required=True, metavar="LOGIN", help="GitHub login of the account.")
    run.add_argument(
        "--resync",
        action="store_true",
        help="Also fetch new stars of complete repositories: each starts at its last page, "
        "sent with that page's ETag, so an unchanged list costs one request answered 304.",
    )
    _add_settings(run, DatabaseSettings, GitHubSettings, CrawlSettings)

    listen = commands.add_parser(
        "listen", help="follow new accounts and crawl each (long-running)",
        description="Follow the account table's change feed and run process-account for each new "
        "account, resuming from the cursor stored in the database.",
    )
    listen.add_argument("--poll-seconds", type=float, default=5.0, help="Time between change-feed reads (seconds). Default: 5.")
    listen.add_argument("--once", action="store_true", help="Handle what is pending and the changes so far, then exit.")
    _add_settings(listen, DatabaseSettings, GitHubSettings, CrawlSettings)

    stats = commands.add_parser("stats", help="print repositories by status, users and edges")
    _add_settings(stats, DatabaseSettings)

    fake = commands.add_parser(
        "fake-github", help="serve a fake GitHub API on 127.0.0.1 for offline runs and tests",
        add_help=False,
    )
    fake.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def _settings(arguments: argparse.Namespace) -> Settings:
    given = {
        name: value
        for name, value in vars(arguments).items()
        if name in Settings.model_fields and value is not None
    }
    return Settings(**given)


def _describe_validation_error(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]) or "settings"
        flag = "--" + name.replace("_", "-")
        message = problem["msg"].removeprefix("Value error, ")
        value = problem.get("input")
        shown = "" if isinstance(value, dict) or "pass" in name or "token" in name else f" (got {value!r})"
        lines.append(f"invalid {flag} / {name.upper()}{shown}: {message}")
    return "\n".join(lines)


class _Interrupts:
    """Turn the first SIGINT or SIGTERM into a clean stop, and a second into an abort."""

    def __init__(self, stop: asyncio.Event, main_task: asyncio.Task[Any]) -> None:
        self.stop = stop
        self.main_task = main_task
        self.received: int | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, self._handle, signal.SIGINT)
        # SIGTERM is blocked (see `block_sigterm`) and read by a thread of its own. During a
        # flow run Prefect replaces the SIGTERM handler with one that raises at whatever
        # line runs. Raised inside the event loop, that crashed every task of the run.
        threading.Thread(target=self._forward_sigterm, args=(loop,), name="gitstars-sigterm", daemon=True).start()

    def _forward_sigterm(self, loop: asyncio.AbstractEventLoop) -> None:
        while True:
            number = signal.sigwait({signal.SIGTERM})
            try:
                loop.call_soon_threadsafe(self._handle, number)
            except RuntimeError:  # the loop has closed: the command is ending anyway
                return

    def _handle(self, number: int) -> None:
        if self.received is None:
            self.received = number
            print(
                f"\n{signal.Signals(number).name}: stopping after the pages in flight are written "
                "(press Ctrl+C again to abort at once)",
                file=sys.stderr,
            )
            self.stop.set()
        else:
            self.main_task.cancel()

    @property
    def exit_code(self) -> int | None:
        """128 plus the signal number, as shells report a process ended by a signal."""
        return None if self.received is None else 128 + self.received


async def _with_runtime(settings: Settings, body: Callable[..., Any]) -> int:
    from gitstars import runtime

    shared = runtime.configure(settings)
    interrupts = _Interrupts(shared.stop, asyncio.current_task())  # type: ignore[arg-type]
    interrupts.install()
    try:
        code = await body(shared)
    finally:
        await asyncio.shield(shared.close())
    return interrupts.exit_code or code


def block_sigterm() -> set[signal.Signals]:
    """Block SIGTERM in this thread and in every thread and child process started later.

    Call it before any other thread starts. Then SIGTERM reaches no thread and no Python
    handler. `_Interrupts` reads it with `sigwait` and stops cleanly, whatever handler
    Prefect installs. A child that must stop on SIGTERM unblocks it first. Returns the
    previous signal mask.
    """
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `gitstars` command and return its exit code."""
    arguments_list = list(sys.argv[1:] if argv is None else argv)
    if arguments_list[:1] == ["fake-github"]:
        from gitstars.fakegithub.__main__ import main as fake_main

        return fake_main(arguments_list[1:], prog="gitstars fake-github")
    parser = build_parser()
    arguments = parser.parse_args(arguments_list)
    try:
        settings = _settings(arguments)
    except ValidationError as error:
        print(f"gitstars: {_describe_validation_error(error)}", file=sys.stderr)
        return EXIT_USAGE
    _prefect_defaults()

    from gitstars import commands

    handlers = {"run": commands.run, "listen": commands.listen, "stats": commands.stats}
    handler = handlers[arguments.command]
    previous_mask = block_sigterm()
    try:
        return asyncio.run(_with_runtime(settings, lambda shared: handler(shared, arguments)))
    except commands.CommandError as error:
        print(f"gitstars: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("gitstars: aborted; claims still held expire after their lease", file=sys.stderr)
        return 130
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)


if __name__ == "__main__":
    sys.exit(main())
