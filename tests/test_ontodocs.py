"""The generated ontology documentation lists every contract term and escapes what it prints."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from click.testing import CliRunner
from rdflib import Graph, Literal
from rdflib.namespace import RDFS

from graphbuild.cli import main
from graphbuild.namespaces import PKO
from graphbuild.ontodocs import write_ontology_docs
from graphbuild.resources import ontology_dir

CONTRACT_TERM = re.compile(r"`pko:([A-Za-z]+)`")


def _pko_terms(ontology: Graph) -> set[str]:
    return {str(s)[len(str(PKO)):] for s in ontology.subjects() if str(s).startswith(str(PKO))}


class _TextAndTags(HTMLParser):
    """Collects the page's text and tag names, to check that corpus text never becomes markup."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_docs_list_every_contract_term(shared_dir, tmp_path):
    contract = (shared_dir / "ontology-contract.md").read_text(encoding="utf-8")
    contract_terms = set(CONTRACT_TERM.findall(contract))
    assert {"Organisation", "owns", "evidenceText", "mentions"} <= contract_terms
    markdown_path, html_path = write_ontology_docs(tmp_path)
    markdown = markdown_path.read_text(encoding="utf-8")
    page = html_path.read_text(encoding="utf-8")
    for term in contract_terms:
        assert f"`pko:{term}`" in markdown, term
        assert f'id="{term}"' in page and f"<code>pko:{term}</code>" in page, term


def test_docs_show_label_comment_domain_range_and_parent_of_every_term(tmp_path):
    ontology = Graph().parse(ontology_dir() / "pko.ttl")
    markdown = write_ontology_docs(tmp_path)[0].read_text(encoding="utf-8")
    rows = {line.split("`")[1]: line for line in markdown.splitlines()
            if line.startswith("| ") and "`pko:" in line.split("|")[1]}
    for term in _pko_terms(ontology):
        row = rows[f"pko:{term}"]
        assert str(ontology.value(PKO[term], RDFS.label)) in row, term
        assert str(ontology.value(PKO[term], RDFS.comment)) in row, term
    owns = rows["pko:owns"]
    assert "`pko:Organisation`" in owns and "`pko:Person`" in owns and "`schema:owns`" in owns
    assert "inverse of [`schema:funder`]" in rows["pko:funds"]
    assert "any entity" in rows["pko:about"]
    assert "symmetric" in rows["pko:partnerOf"]


def test_html_and_markdown_escape_what_the_ontology_says(tmp_path):
    hostile = '<script>alert("x")</script> | & more'
    ontology = Graph().parse(ontology_dir() / "pko.ttl")
    ontology.set((PKO.owns, RDFS.comment, Literal(hostile, lang="en")))
    ontology_file = tmp_path / "pko.ttl"
    ontology.serialize(ontology_file, format="turtle")
    markdown_path, html_path = write_ontology_docs(tmp_path / "docs", ontology_file)
    page = html_path.read_text(encoding="utf-8")
    assert "<script>" not in page and html.escape(hostile) in page
    parser = _TextAndTags()
    parser.feed(page)
    assert "script" not in parser.tags and hostile in "".join(parser.text)
    owns_row = next(line for line in markdown_path.read_text(encoding="utf-8").splitlines()
                    if "`pko:owns`" in line)
    assert "<script>" not in owns_row and r"&lt;script&gt;" in owns_row
    assert r"\| &amp; more" in owns_row and owns_row.count(" | ") == 5  # six cells


def test_ontology_docs_command(tmp_path):
    result = CliRunner().invoke(main, ["ontology-docs", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ontology.md").stat().st_size > 0
    assert (tmp_path / "ontology.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
