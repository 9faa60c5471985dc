"""The `graphbuild` command line: each subcommand is a thin shell over a library function."""

from __future__ import annotations

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="graphbuild")
def main() -> None:
    """Build, query, explore and export the probation-policy knowledge graph."""
