"""Entry points of the ``btmsg`` and ``bttask`` console scripts: hand ``sys.argv`` to the Rust
commands.

The commands themselves live in the Rust crate ``agor-cli``; this file only restores the signal
behaviour a native command has and passes the exit code on.
"""

from __future__ import annotations

import signal
import sys

from agor import _agor


def _native_signals() -> None:
    # Python turns SIGINT into KeyboardInterrupt (only checked once Rust returns) and ignores
    # SIGPIPE; a command-line tool should die at once on Ctrl-C and quietly on `btmsg … | head`.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def btmsg() -> None:
    """Run ``btmsg`` with this process's arguments and exit with its code."""
    _native_signals()
    sys.stdout.flush()
    sys.exit(_agor.btmsg_main(sys.argv))


def bttask() -> None:
    """Run ``bttask`` with this process's arguments and exit with its code."""
    _native_signals()
    sys.stdout.flush()
    sys.exit(_agor.bttask_main(sys.argv))


def agor() -> None:
    """Run ``agor`` (``agor mcp``: the MCP server) and exit with its code."""
    _native_signals()
    sys.stdout.flush()
    sys.exit(_agor.agor_main(sys.argv))


if __name__ == "__main__":
    btmsg()
