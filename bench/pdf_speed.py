"""PDF reading speed (pages per second) and peak memory, against the issue's 20 pages/s.

    python bench/pdf_speed.py [--pages 50,500,2000] [--build] [--json]

For each size it writes a report-like PDF with fpdf2 (the dev extra): a running header, five
paragraphs of the sample corpus's prose per page, some words hyphenated at line ends, a
"Page n of N" footer. Each PDF is then read in a fresh child process exactly as a build reads
it (`graphbuild.corpus.read_document`: pypdf, paragraphs, headers blanked), without a cache.
Peak memory is the child's peak resident set size (VmHWM, Linux); `imports_mb` is that size after the
imports alone, so the difference is what reading the PDF costs. Memory that stays flat from
500 to 2,000 pages is what "bounded" means here. `--build` also builds the graph of each
PDF alone (no cache) in a fresh child and reports its time and peak memory, spaCy included.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "corpus"
TARGET_PAGES_PER_S = 20


def write_pdf(pages: int, path: Path) -> None:
    from fpdf import FPDF

    words = re.findall(r"[A-Za-z][A-Za-z'&.,-]*", " ".join(
        p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.txt"))))
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_title(f"Benchmark report of {pages} pages")
    at = 0
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.set_xy(10, 8)
        pdf.cell(0, 5, "HM Inspectorate of Probation - benchmark report")
        pdf.set_font("Helvetica", size=11)
        pdf.set_xy(15, 20)
        for _ in range(5):
            chunk = words[at:at + 90]
            at = (at + 90) % max(len(words) - 90, 1)
            text = " ".join(chunk).encode("latin-1", "replace").decode("latin-1")
            pdf.multi_cell(180, 5.5, text.rstrip(".,") + ".")
            pdf.ln(4)
        pdf.set_font("Helvetica", size=9)
        pdf.set_xy(10, 285)
        pdf.cell(0, 5, f"Page {number} of {pages}")
    pdf.output(str(path))


def peak_mb() -> int:
    """This process's peak resident set (VmHWM): unlike ru_maxrss it starts afresh at exec,
    so the parent's size (it wrote the PDF) does not count."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) // 1024


def child(path: str) -> dict:
    from graphbuild.corpus import read_document

    imports_mb = peak_mb()
    started = time.perf_counter()
    doc, problems = read_document(Path(path), Path(path).parent)
    seconds = time.perf_counter() - started
    assert doc is not None and not problems, problems
    return {"pages": len(doc.pages), "seconds": round(seconds, 2),
            "pages_per_s": round(len(doc.pages) / seconds, 1), "chars": len(doc.text),
            "peak_mb": peak_mb(), "imports_mb": imports_mb}


def child_build(path: str) -> dict:
    from graphbuild.build import build_corpus

    with tempfile.TemporaryDirectory() as out:
        summary = build_corpus(path, out, progress=False, use_cache=False)
    return {"build_s": round(summary.seconds, 1), "words": summary.words,
            "build_peak_mb": peak_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="50,500,2000", help="comma-separated page counts")
    parser.add_argument("--json", action="store_true", help="one JSON object per size")
    parser.add_argument("--build", action="store_true", help="also build each PDF's graph")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child or args.child_build:
        print(json.dumps(child(args.child) if args.child else child_build(args.child_build)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for pages in (int(n) for n in args.pages.split(",")):
            path = Path(tmp) / f"bench_{pages}.pdf"
            write_pdf(pages, path)
            done = subprocess.run([sys.executable, __file__, "--child", str(path)], check=True,
                                  capture_output=True, text=True)
            row = json.loads(done.stdout)
            row["file_mb"] = round(path.stat().st_size / 1e6, 1)
            if args.build:
                done = subprocess.run([sys.executable, __file__, "--child-build", str(path)],
                                      check=True, capture_output=True, text=True)
                row.update(json.loads(done.stdout))
            if args.json:
                print(json.dumps(row))
                continue
            verdict = "ok" if row["pages_per_s"] >= TARGET_PAGES_PER_S else "BELOW TARGET"
            print(f"pdf {row['pages']:>5} pages ({row['file_mb']} MB, {row['chars']:,} chars): "
                  f"{row['seconds']} s, {row['pages_per_s']} pages/s ({verdict}: "
                  f">= {TARGET_PAGES_PER_S}), peak {row['peak_mb']} MB "
                  f"(imports alone {row['imports_mb']} MB)")
            if args.build:
                print(f"    build: {row['build_s']} s for {row['words']:,} words "
                      f"({row['words'] / row['build_s']:,.0f} words/s), "
                      f"peak {row['build_peak_mb']} MB")


if __name__ == "__main__":
    main()
