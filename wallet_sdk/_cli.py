"""Command line entry point ``chancery-wallet``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from vc_service import __version__

_DESCRIPTION = (
    "Chancery wallet: receive verifiable credentials from a government agency, keep them in an "
    "encrypted store, back them up, and present them to a relying party disclosing only the "
    "claims it asks for."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chancery-wallet", description=_DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``chancery-wallet`` with *argv* (default: ``sys.argv[1:]``) and return the exit code."""
    parser = _parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0
