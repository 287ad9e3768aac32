"""The per-area PDF (`nbutils run ... --pdf`): A4, numbered, sections in pack order, no machine path, within budget.

Printed by the headless Debian Chromium the browser tests use; read back with pypdf.
"""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import ROOT, run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
A4 = (595, 842)  # points, portrait; the upper-tier dashboard may print landscape


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.extract_text() or "")


@pytest.fixture(scope="module")
def swale_pdf(tmp_path_factory):
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: .ci/run installs the Debian package 'chromium'")
    from pypdf import PdfReader

    out = tmp_path_factory.mktemp("pdf-pack")
    result = run_cli("run", "Swale", "--topics", "sudi,overview", "--out", str(out), "--jobs", "2", "--pdf")
    assert result.returncode == 0, result.stdout + result.stderr
    path = out / "E07000113-swale" / "E07000113-swale.pdf"
    assert path.exists(), result.stdout
    assert "pdf: E07000113-swale.pdf (" in result.stdout
    return out, path, PdfReader(path)


def _topic_pages(reader) -> dict[str, int]:
    """Pages per topic, from the PDF's bookmarks (one per topic, at its first page)."""
    starts = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    ends = [start for _, start in starts[1:]] + [len(reader.pages)]
    return {title: end - start for (title, start), end in zip(starts, ends)}


@pytest.mark.slow
def test_pdf_is_a4_and_numbered_page_n_of_m(swale_pdf):
    _, _, reader = swale_pdf
    total = len(reader.pages)
    assert total >= 4
    for page in reader.pages:
        size = sorted((round(float(page.mediabox.width)), round(float(page.mediabox.height))))
        assert size == sorted(A4), size
    for number, page in enumerate(reader.pages[1:], start=2):  # the title page is not numbered
        text = _text(page)
        assert f"Page {number} of {total}" in text, text[-200:]
        assert "Swale: infant and maternal health" in text  # the running header


@pytest.mark.slow
def test_title_page_lists_the_topics_with_their_first_page(swale_pdf):
    _, _, reader = swale_pdf
    title = _text(reader.pages[0])
    assert title.startswith("Swale Infant and maternal health needs assessment Pack produced")
    pages = _topic_pages(reader)
    assert list(pages) == ["Overview", "Sudden unexpected death in infancy"]  # pack order, not the order asked
    assert f"Overview 2 Sudden unexpected death in infancy {2 + pages['Overview']}" in title


@pytest.mark.slow
def test_sections_are_in_pack_order_with_about_boxes_open(swale_pdf):
    _, _, reader = swale_pdf
    text = " ".join(_text(page) for page in reader.pages)
    headings = ["Contents", "Overview: Swale", "Key messages", "Headline indicators, Swale", "Sources and notes",
                "Sudden unexpected death in infancy and infant mortality: Swale", "Infant mortality over time",
                "Safe sleep and prevention", "Sources and notes"]
    at = 0
    for heading in headings:
        found = text.find(heading, at)
        assert found >= 0, f"{heading!r} missing or out of order"
        at = found + len(heading)
    # "About this indicator" boxes print open: their definitions are in the text, not only their titles.
    assert text.count("About this indicator") >= 3
    assert text.count("Definition:") >= text.count("About this indicator") - 1


@pytest.mark.slow
def test_no_machine_path_or_browser_header_in_the_pdf(swale_pdf):
    out, path, reader = swale_pdf
    text = " ".join(_text(page) for page in reader.pages)
    raw = path.read_bytes()
    for leak in ("file://", str(out), str(ROOT), "PosixPath(", "Traceback"):
        assert leak not in text, leak
        assert leak.encode() not in raw, leak
    assert not re.search(r"(?<![\w.])/(home|tmp|work|root|usr|Users|var)/", text)
    assert "Make this Notebook Trusted" not in text  # live maps are replaced by pictures of themselves
    assert raw.count(b"/Subtype /Image") >= 2  # the SUDI page's two maps (and charts are vectors)


@pytest.mark.slow
def test_page_counts_within_budget(swale_pdf):
    from nbutils.pdf import budget

    _, _, reader = swale_pdf
    pages = _topic_pages(reader)
    assert pages["Overview"] <= budget("overview"), pages
    assert pages["Sudden unexpected death in infancy"] <= budget("sudi"), pages
    assert pages["Overview"] >= 2 and pages["Sudden unexpected death in infancy"] >= 4, pages  # nothing dropped


def test_pdf_without_a_browser_is_one_line_and_exit_2(tmp_path):
    result = run_cli("run", "Swale", "--topics", "overview", "--out", str(tmp_path), "--pdf",
                     env={"NBUTILS_CHROMIUM": str(tmp_path / "no-such-browser")})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "NBUTILS_CHROMIUM" in result.stderr and "not a file" in result.stderr
    assert not (tmp_path / "manifest.json").exists()  # refused before any notebook ran


def test_no_browser_on_path_names_the_package_to_install(monkeypatch):
    from nbutils import pdf

    monkeypatch.delenv("NBUTILS_CHROMIUM", raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(pdf.BrowserMissing, match="install the Debian package 'chromium'"):
        pdf.find_browser()
