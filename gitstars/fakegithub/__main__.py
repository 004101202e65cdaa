"""Entry point of `python -m gitstars.fakegithub`. The commands are in `cli`."""

from __future__ import annotations

from gitstars.fakegithub.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
