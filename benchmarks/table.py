"""The benchmark's rows and targets, and the plain-text table they print as.

Pure functions over measured numbers; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class Row:
    """One measured scenario. A field left at None prints as "-"."""

    scenario: str
    stargazers: int | None = None
    seconds: float | None = None
    rate: float | None = None
    requests: int | None = None
    per_minimum: float | None = None
    peak_rss_bytes: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Target:
    """A goal, what the run measured for it, and whether it was met (None: not measured)."""

    goal: str
    measured: str
    met: bool | None


COLUMNS = ("scenario", "stargazers", "seconds", "stargazers/s", "requests", "req/min", "peak RSS")


def _cell(value: float | int | None, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


def _cells(row: Row) -> list[str]:
    rss = None if row.peak_rss_bytes is None else row.peak_rss_bytes / MIB
    return [
        row.scenario,
        _cell(row.stargazers, "{:,}"),
        _cell(row.seconds, "{:,.1f}"),
        _cell(row.rate, "{:,.0f}"),
        _cell(row.requests, "{:,}"),
        _cell(row.per_minimum, "{:.3f}"),
        _cell(rss, "{:,.0f} MB"),
    ]


def format_rows(rows: list[Row]) -> str:
    """Format the rows as an aligned table, with each row's note on the line below it."""
    table = [list(COLUMNS), *(_cells(row) for row in rows)]
    widths = [max(len(line[index]) for line in table) for index in range(len(COLUMNS))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:])]
        return "  ".join([first, *rest]).rstrip()

    lines = [line(table[0]), "  ".join("-" * width for width in widths)]
    for row, cells in zip(rows, table[1:]):
        lines.append(line(cells))
        if row.note:
            lines.append(f"    {row.note}")
    return "\n".join(lines)


def format_targets(targets: list[Target]) -> str:
    """Format each target with what was measured and whether it was met."""
    lines = []
    for target in targets:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[target.met]
        lines.append(f"  {verdict:<12} {target.goal}: {target.measured}")
    return "\n".join(lines)


def ratio_target(goal: str, measured: float | None, required: float, *, at_most: bool = False) -> Target:
    """Build a target that compares a measured ratio with the required one."""
    if measured is None:
        return Target(goal, "not measured", None)
    met = measured <= required if at_most else measured >= required
    return Target(goal, f"{measured:.3f} (required {'<=' if at_most else '>='} {required:g})", met)
