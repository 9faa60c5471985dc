"""PDF, Word and web pages as analysts have them (issue 14).

Every document is written by the test itself: PDFs with fpdf2 (running header, page-number
footer, an image-only one, an encrypted one, a truncated one), a .docx with python-docx and
a web page full of furniture. One build of all of them backs the acceptance checks.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from conftest import require
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from graphbuild import corpus as corpus_module
from graphbuild import pdf as pdf_module
from graphbuild.build import build_corpus
from graphbuild.cli import main
from graphbuild.corpus import html_to_text, read_corpus, read_document
from graphbuild.namespaces import PKD, PKO, PROV
from graphbuild.ocr import ocr_available
from graphbuild.pdf import page_of

FACT = "PeoplePlus owns Warwickshire & West Mercia CRC."
HEADER = "HM Inspectorate of Probation"
REPORT_PAGES = [
    ("This inspection looked at how probation services in the region supervise people on "
    "probation, how they assess the risk of serious harm and how they work with the courts."),
    FACT + " The company took over the contract when the Transforming Rehabilitation reforms "
    "began and now supervises most people on probation in the region.",
    ("Inspectors found that staff were committed but that too many cases had no sentence plan, "
    "and they asked leaders to put this right within six months."),
]
# Names in the web page's furniture: none may become an entity.
FURNITURE_NAMES = ["Serco", "Sodexo", "Capita", "MTCnovo", "Interserve", "Amey", "Nacro",
                   "Working Links"]
WEB_PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>PeoplePlus and the CRC | Probation News</title>
<meta name="author" content="Jane Writer">
<meta property="article:published_time" content="2019-03-14T09:00:00Z">
<meta property="og:title" content="PeoplePlus takes over a CRC"></head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/serco">Serco news</a></li>
<li><a href="/capita">Capita and the tagging contract</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies. Sodexo sets analytics cookies
on this site. <button>Accept all cookies</button></div>
<main><article><h1>PeoplePlus takes over a CRC</h1>
<p>{FACT.replace("&", "&amp;")} The company said the new contract would change how people
on probation are supervised across the two counties.</p>
<p>The inspectorate will look at the quality of supervision in the area next year, and its
report will be published in the spring.</p>
<div class="share-bar"><span>Share this:</span><a href="#">Share on MTCnovo Twitter</a>
<a href="#">Interserve on Facebook</a></div></article>
<aside class="related"><h3>Related posts</h3><ul><li><a href="/a">Nacro wins a bid</a></li>
<li><a href="/b">Working Links under fire</a></li></ul></aside></main>
<footer><p>© 2016 Probation News. Hosted by Amey.</p></footer></body></html>"""


def _pdf(pages: list[str], title: str | None = None, header: str | None = HEADER) -> FPDF:
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    for number, body in enumerate(pages, 1):
        pdf.add_page()
        if header:
            pdf.set_font("Helvetica", size=9)
            pdf.set_xy(10, 8)
            pdf.cell(0, 5, header)
        pdf.set_font("Helvetica", size=11)
        pdf.set_xy(15, 25)
        pdf.multi_cell(120, 6, body)
        pdf.set_font("Helvetica", size=9)
        pdf.set_xy(10, 285)
        pdf.cell(0, 5, f"Page {number}")
    return pdf


def write_report(path: Path) -> bytes:
    data = bytes(_pdf(REPORT_PAGES, title="Inspection of probation in Warwickshire").output())
    path.write_bytes(data)
    return data


def write_scanned(path: Path) -> None:
    """A page that is only a picture of text, as a scanner makes it."""
    picture = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(picture).text((20, 80), FACT, fill="black")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=180)
    path.write_bytes(bytes(pdf.output()))


def write_encrypted(path: Path) -> None:
    pdf = _pdf(["A confidential annex about the CRC contracts."])
    pdf.set_encryption(owner_password="owner", user_password="secret")
    path.write_bytes(bytes(pdf.output()))


def write_docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Consultation response on probation", 0)
    document.add_paragraph(FACT + " The response sets out what the company has changed.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Provider"
    table.cell(0, 1).text = "Area"
    table.cell(1, 0).text = "PeoplePlus"
    table.cell(1, 1).text = "Warwickshire and West Mercia"
    props = document.core_properties
    props.title = "Response to the probation consultation"
    props.author = "Sam Analyst"
    props.created = datetime(2018, 7, 27, 10, 0, tzinfo=UTC)
    document.save(path)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One build of every kind of document; returns (summary, graph, stderr, folder)."""
    folder = tmp_path_factory.mktemp("documents")
    corpus = folder / "corpus"
    corpus.mkdir()
    report = write_report(corpus / "report.pdf")
    (corpus / "truncated.pdf").write_bytes(report[: len(report) // 2])
    write_scanned(corpus / "scanned.pdf")
    write_encrypted(corpus / "encrypted.pdf")
    write_docx(corpus / "response.docx")
    (corpus / "broken.docx").write_bytes((corpus / "response.docx").read_bytes()[:3000])
    (corpus / "news.html").write_text(WEB_PAGE, encoding="utf-8")
    stderr = io.StringIO()
    with redirect_stderr(stderr), pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_module, "ocr_available", lambda: False)  # OCR: see test_ocr_...
        summary = build_corpus(corpus, folder / "out", progress=False)
    graph = Graph().parse(folder / "out" / "graph.ttl")
    return summary, graph, stderr.getvalue(), folder


def _entity(graph: Graph, label: str):
    found = list(graph.subjects(RDFS.label, Literal(label)))
    assert len(found) == 1, (label, found)
    return found[0]


def _evidence(graph: Graph, subject: str, predicate: str, obj: str, doc: str):
    s, o = _entity(graph, subject), _entity(graph, obj)
    return [a for a in graph.subjects(RDF.type, PKO.Assertion)
            if (a, RDF.subject, s) in graph and (a, RDF.predicate, PKO[predicate]) in graph
            and (a, RDF.object, o) in graph and (a, PROV.wasDerivedFrom, PKD[doc]) in graph]


def test_a_pdf_fact_carries_the_page_of_its_sentence(built):
    _, graph, _, _ = built
    records = _evidence(graph, "PeoplePlus", "owns", "Warwickshire & West Mercia CRC", "report")
    assert records, "the fact on page 2 of report.pdf was not found"
    for record in records:
        assert graph.value(record, PKO.page) == Literal(2, datatype=XSD.integer)
        assert str(graph.value(record, PKO.evidenceText)).startswith(FACT)
    doc = PKD["report"]
    assert str(graph.value(doc, DCTERMS.title)) == "Inspection of probation in Warwickshire"


def test_the_running_header_and_footer_give_nothing(built):
    _, graph, _, folder = built
    (doc,), _ = read_corpus(folder / "corpus" / "report.pdf")
    assert doc.text.count(HEADER) == 3 and "Page 2" in doc.text  # kept, so offsets hold
    assert HEADER not in doc.clean and "Page 2" not in doc.clean
    assert len(doc.clean) == len(doc.text)
    mentioned = {str(graph.value(e, RDFS.label)) for e in graph.objects(PKD["report"],
                                                                         PKO.mentions)}
    assert "PeoplePlus" in mentioned and HEADER not in mentioned
    for record in graph.subjects(PROV.wasDerivedFrom, PKD["report"]):
        assert HEADER not in str(graph.value(record, PKO.evidenceText))


def test_every_evidence_offset_of_a_pdf_locates_its_sentence(built):
    _, graph, _, folder = built
    (doc,), _ = read_corpus(folder / "corpus" / "report.pdf")
    records = list(graph.subjects(PROV.wasDerivedFrom, PKD["report"]))
    assert records
    for record in records:
        start, end = (int(graph.value(record, p)) for p in (PKO.charStart, PKO.charEnd))
        assert doc.text[start:end] == str(graph.value(record, PKO.evidenceText))
        assert int(graph.value(record, PKO.page)) == page_of(doc.pages, start)


@pytest.mark.parametrize("name, words", [
    ("scanned.pdf", "no text layer (scanned?)"),
    ("encrypted.pdf", "encrypted PDF"),
    ("truncated.pdf", "truncated or malformed PDF"),
    ("broken.docx", "truncated or malformed Word file"),
])
def test_a_broken_document_gets_one_line_naming_it_and_the_build_goes_on(built, name, words):
    summary, graph, stderr, _ = built
    lines = [line for line in stderr.splitlines() if name in line]
    assert len(lines) == 1, stderr
    assert words in lines[0] and lines[0].startswith("error: ")
    assert summary.failed == 4 and summary.documents == 3
    assert (PKD[name.rsplit(".", 1)[0]], RDF.type, PKO.SourceDocument) not in graph


def test_the_web_page_keeps_its_article_and_drops_its_furniture(built):
    _, graph, _, _ = built
    labels = {str(label) for label in graph.objects(None, RDFS.label)}
    for name in FURNITURE_NAMES:
        assert not any(name in label for label in labels), name
    assert _evidence(graph, "PeoplePlus", "owns", "Warwickshire & West Mercia CRC", "news")
    doc = PKD["news"]
    assert str(graph.value(doc, DCTERMS.title)) == "PeoplePlus takes over a CRC"
    assert graph.value(doc, DCTERMS.date) == Literal("2019-03-14", datatype=XSD.date)
    assert str(graph.value(doc, DCTERMS.creator)) == "Jane Writer"
    # Measured against the hand-written reader: every furniture name is in what it keeps.
    visible, _ = html_to_text(WEB_PAGE)
    assert all(name in visible for name in FURNITURE_NAMES)


def test_a_docx_gives_the_same_fact(built):
    _, graph, _, _ = built
    records = _evidence(graph, "PeoplePlus", "owns", "Warwickshire & West Mercia CRC",
                        "response")
    assert records and all(graph.value(r, PKO.page) is None for r in records)
    doc = PKD["response"]
    assert str(graph.value(doc, DCTERMS.title)) == "Response to the probation consultation"
    assert graph.value(doc, DCTERMS.date) == Literal("2018-07-27", datatype=XSD.date)
    assert str(graph.value(doc, DCTERMS.creator)) == "Sam Analyst"


def test_the_docx_table_cells_are_text(built):
    _, _, _, folder = built
    (doc,), _ = read_corpus(folder / "corpus" / "response.docx")
    assert doc.text.splitlines()[-4:] == ["Provider", "Area", "PeoplePlus",
                                          "Warwickshire and West Mercia"]


def test_validate_passes_on_the_graph_built_from_them(built):
    _, _, _, folder = built
    result = CliRunner().invoke(main, ["validate", str(folder / "out" / "graph.ttl")])
    assert result.exit_code == 0, result.output
    assert "conforms to the shapes" in result.output


def _read_pdf_file(tmp_path: Path, pdf: FPDF, name: str = "doc.pdf"):
    path = tmp_path / name
    path.write_bytes(bytes(pdf.output()))
    return read_document(path, tmp_path)


def test_hyphenation_at_line_ends_is_repaired_unless_the_document_hyphenates(tmp_path):
    doc, problems = _read_pdf_file(tmp_path, _pdf([
        ("The provider runs rehabili-\ntation services with a multi-\nagency team, as every "
        "multi-agency panel in the region does.\nThe Anglo-\nSaxon law still applies.")]))
    assert not problems
    assert "runs rehabilitation services with a multi-agency team" in doc.text
    assert "The Anglo-Saxon law" in doc.text


def test_a_sentence_over_a_page_break_is_one_line_on_the_page_where_it_starts(tmp_path):
    first = ("The inspectors read forty case files in each of the offices they visited and "
             "interviewed the staff who supervise them, and they found that")
    doc, _ = _read_pdf_file(tmp_path, _pdf([first, "the work was better than last year."]))
    sentence = first + " the work was better than last year."
    assert sentence in doc.text.splitlines()
    start = doc.text.index(sentence)
    assert page_of(doc.pages, start) == 1
    assert page_of(doc.pages, doc.text.index("the work was better")) == 2


def test_a_pdf_with_some_scanned_pages_is_read_with_a_note_naming_them(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "ocr_available", lambda: False)
    pdf = _pdf(REPORT_PAGES)
    pdf.add_page()
    pdf.image(Image.new("RGB", (50, 50), "grey"), x=10, y=10, w=50)
    doc, problems = _read_pdf_file(tmp_path, pdf)
    assert doc is not None and FACT in doc.text and len(doc.pages) == 4
    (problem,) = problems
    assert not problem.fatal and "page(s) 4" in problem.message and "doc.pdf" in str(problem)


def test_a_pdf_with_an_owner_password_only_is_read(tmp_path):
    pdf = _pdf(REPORT_PAGES)
    pdf.set_encryption(owner_password="owner")
    doc, problems = _read_pdf_file(tmp_path, pdf)
    assert not problems and FACT in doc.text


def test_the_reading_cache_is_keyed_by_the_file_bytes(tmp_path, monkeypatch):
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    data = write_report(corpus / "report.pdf")
    (first,), _ = read_corpus(corpus, cache_dir=cache)
    assert len(list((cache / "read").glob("*.pkl"))) == 1

    def no_parsing(_data):
        raise AssertionError("read again although the bytes are the same")

    monkeypatch.setattr(corpus_module, "read_pdf", no_parsing)
    (corpus / "renamed.pdf").write_bytes(data)
    (corpus / "report.pdf").unlink()
    (again,), _ = read_corpus(corpus, cache_dir=cache)
    assert (again.text, again.pages, again.title) == (first.text, first.pages, first.title)
    assert again.identifier == "renamed.pdf"
    (corpus / "renamed.pdf").write_bytes(data + b"% one byte more\n")
    with pytest.raises(AssertionError, match="read again"):
        read_corpus(corpus, cache_dir=cache)


def test_an_encrypted_word_file_is_named(tmp_path):
    (tmp_path / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    docs, problems = read_corpus(tmp_path)
    assert not docs
    (problem,) = problems
    assert problem.fatal and "encrypted Word file" in str(problem) and "locked.docx" in str(problem)


def test_the_page_is_cited_by_path_and_in_the_explorer(built):
    _, _, _, folder = built
    graph_file = str(folder / "out" / "graph.ttl")
    result = CliRunner().invoke(main, ["path", "PeoplePlus", "Warwickshire & West Mercia CRC",
                                       "--graph", graph_file, "--format", "json"])
    assert result.exit_code == 0, result.output
    pages = {e["source"]: e["page"] for e in json.loads(result.output)[0][0]["relations"][0]
             ["evidence"]}
    assert pages == {"report.pdf": 2, "response.docx": None, "news.html": None}
    page = folder / "explorer.html"
    result = CliRunner().invoke(main, ["view", "--graph", graph_file, "--out", str(page)])
    assert result.exit_code == 0, result.output
    assert '"source":"report.pdf, page 2"' in page.read_text(encoding="utf-8")


def test_a_web_page_keeps_its_article_tables_and_lists(tmp_path):
    (tmp_path / "owners.html").write_text(
        "<html><head><title>Owners</title></head><body><nav><a>Home</a> <a>Serco</a></nav>"
        "<article><h1>Owners of CRCs</h1><p>The table below lists who owned each community "
        "rehabilitation company when the contracts started in 2015.</p><table><tr><th>CRC</th>"
        "<th>Owner</th></tr><tr><td>Wales CRC</td><td>Working Links</td></tr></table>"
        "<p>Several owners later handed their contracts back to the Ministry of Justice.</p>"
        "<ul><li>The reforms cost the public purse more than was planned.</li></ul></article>"
        "<footer>Hosted by Amey</footer></body></html>", encoding="utf-8")
    (doc,), problems = read_corpus(tmp_path)
    assert not problems
    lines = doc.text.splitlines()
    assert ["Wales CRC", "Working Links"] == lines[lines.index("Owner") + 1:][:2]
    assert "The reforms cost the public purse more than was planned." in lines
    assert "Serco" not in doc.text and "Amey" not in doc.text


def test_ocr_reads_a_scanned_page_where_tesseract_is_installed(tmp_path):
    require(ocr_available(), "OCR needs Debian's tesseract-ocr and the ocr extra (pytesseract); "
            "scripts/test.sh installs both")
    picture = Image.new("L", (2000, 700), "white")
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=44)
    draw.text((60, 60), "Inspection of probation services", fill="black", font=font)
    draw.text((60, 260), FACT, fill="black", font=font)
    draw.text((60, 330), "The company runs the services in both counties.", fill="black",
              font=font)
    pdf = _pdf(REPORT_PAGES[:1])
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=190)
    doc, problems = _read_pdf_file(tmp_path, pdf, "scan.pdf")
    assert "Inspection of probation services" in doc.text.splitlines()
    assert any(line.startswith(FACT) for line in doc.text.splitlines())
    assert page_of(doc.pages, doc.text.index(FACT)) == 2
    (problem,) = problems
    assert not problem.fatal and "page(s) 2" in problem.message and "OCR" in problem.message


def test_a_rebuild_reads_no_pdf_word_file_or_web_page_again(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_report(corpus / "report.pdf")
    write_docx(corpus / "response.docx")
    (corpus / "news.html").write_text(WEB_PAGE, encoding="utf-8")
    first = build_corpus(corpus, tmp_path / "out", progress=False)
    graph = (tmp_path / "out" / "graph.ttl").read_bytes()
    assert len(list((tmp_path / "out" / ".cache" / "read").glob("*.pkl"))) == 3

    def no_parsing(*_args):
        raise AssertionError("parsed again although its bytes did not change")

    for name in ("read_pdf", "read_docx", "read_web_page"):
        monkeypatch.setattr(corpus_module, name, no_parsing)
    again = build_corpus(corpus, tmp_path / "out", progress=False)
    assert (again.documents, again.cached) == (first.documents, 3)
    assert (tmp_path / "out" / "graph.ttl").read_bytes() == graph
