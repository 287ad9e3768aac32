"""Joining an area's printed pages into its PDF, and knowing whether a PDF already holds its pages as they are.

The topic pages are printed by Chromium (:mod:`nbutils.pdf`); here they are read back and joined with pypdf, behind
a title page, with a header and "Page N of M" stamped on each page. The PDF carries a digest of what it was
printed from (each topic page and its maps, in order), so that a rerun whose pages did not change keeps the PDF
rather than printing it again.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from .files import atomic_write
from .fingerprint import PACKAGE, code_sha256
from .topics_meta import TOPIC_TITLES

#: The PDF's own metadata entries: the digest of the pages it was printed from, and each topic's page count.
PRINTED_FROM = "/NbuPrintedFrom"
TOPIC_PAGES = "/NbuTopicPages"
#: What else decides how a PDF looks, beside its pages: the printing code and the title and overlay templates
#: (package files), so that a new version of either prints every PDF again.
PRINTING_FILES = ("pdf.py", "pdf_join.py", "map_print.py", "templates/pdf/title.html.j2", "templates/pdf/overlay.html.j2")


def printed_from(folder: Path, topics: list[str], link: str) -> str:
    """Digest of what an area's PDF is printed from: each topic's page (less the link to the PDF itself, which is
    added after printing) and the maps in its folder, in the order printed."""
    digest = hashlib.sha256(code_sha256(PACKAGE / name for name in PRINTING_FILES).encode())
    for topic in topics:
        page = (folder / f"{topic}.html").read_bytes().replace(f"\n{link}".encode(), b"")
        digest.update(f"\0{topic}\0{len(page)}\0".encode() + page)
        for part in sorted((folder / topic).glob("*.html")):
            data = part.read_bytes()
            digest.update(f"\0{part.name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def kept_pages(path: Path, digest: str) -> dict[str, int] | None:
    """Each topic's page count from the PDF at ``path`` if it was printed from exactly ``digest``, else None."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        info = PdfReader(path).metadata or {}
        if info.get(PRINTED_FROM) == digest:
            return {str(topic): int(pages) for topic, pages in json.loads(info.get(TOPIC_PAGES, "")).items()}
    except (OSError, PdfReadError, ValueError, TypeError, AttributeError):
        pass  # no PDF yet, or one that cannot be read back: print it
    return None


def join_topics(topics: list[str], printed: list[bytes]):
    """Page counts per topic, and the topics' printed pages read back (pypdf readers, in order)."""
    from pypdf import PdfReader

    readers = {topic: PdfReader(io.BytesIO(data)) for topic, data in zip(topics, printed)}
    return {topic: len(reader.pages) for topic, reader in readers.items()}, readers


def page_sizes(title: bytes, readers) -> list[tuple[float, float]]:
    """Sizes of the whole document's pages: the title page then every topic page."""
    from pypdf import PdfReader

    first = PdfReader(io.BytesIO(title)).pages[0]
    sizes = [(float(first.mediabox.width), float(first.mediabox.height))]
    for reader in readers.values():
        sizes += [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    return sizes


def write_pdf(path: Path, area_name: str, date_text: str, title: bytes, readers, overlay: bytes,
              digest: str) -> None:
    """Join title page and topics (an outline entry per topic), stamp header and page numbers, record ``digest``
    (:func:`printed_from`) and each topic's page count, and write atomically."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(title)), pages=(0, 1))
    for topic, reader in readers.items():
        start = len(writer.pages)
        writer.append(reader, outline_item=None)
        writer.add_outline_item(title=TOPIC_TITLES.get(topic, topic), page_number=start)
    stamps = PdfReader(io.BytesIO(overlay))
    for number, page in enumerate(writer.pages):
        if number:  # the title page carries the same facts in large type
            _stamp(writer, page, stamps.pages[number], f"/NbuStamp{number}")
    writer.compress_identical_objects()  # fonts repeated per topic
    writer.add_metadata({"/Title": f"{area_name}: infant and maternal health needs assessment",
                         "/Subject": f"Pack produced {date_text}", "/Creator": "nbutils", PRINTED_FROM: digest,
                         TOPIC_PAGES: json.dumps({topic: len(reader.pages) for topic, reader in readers.items()})})
    atomic_write(path, lambda tmp: writer.write(str(tmp)))


def _stamp(writer, page, stamp, name: str) -> None:
    """Draw the page ``stamp`` over ``page`` as a form XObject named ``name``.

    The page's own content is wrapped (``q ... Q``) and never parsed: pypdf's ``merge_page`` parses and rewrites
    every content stream of a printed page, most of the time joining a PDF took.
    """
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    def stream(data: bytes, **entries):
        obj = DecodedStreamObject()
        obj.set_data(data)
        obj.update({NameObject(k): v for k, v in entries.items()})
        return writer._add_object(obj.flate_encode() if len(data) > 64 else obj)

    resources = stamp.get("/Resources")
    form = stream(stamp.get_contents().get_data(), **{
        "/Type": NameObject("/XObject"), "/Subtype": NameObject("/Form"),
        "/BBox": ArrayObject(stamp.mediabox),
        "/Resources": resources.get_object().clone(writer) if resources is not None else DictionaryObject()})
    own = page.get("/Resources")
    own = DictionaryObject(own.get_object()) if own is not None else DictionaryObject()
    xobjects = own.get("/XObject")
    xobjects = DictionaryObject(xobjects.get_object()) if xobjects is not None else DictionaryObject()
    xobjects[NameObject(name)] = form
    own[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = own
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else ArrayObject()
    parts = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
    page[NameObject("/Contents")] = ArrayObject([stream(b"q\n"), *parts, stream(f"\nQ q {name} Do Q\n".encode())])
