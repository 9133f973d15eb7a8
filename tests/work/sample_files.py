"""Real evidence files made on the spot: a phone photo with EXIF orientation and GPS, a PDF, Word, Excel."""

from __future__ import annotations

import io

import docx
import openpyxl
from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def phone_photo(width: int = 400, height: int = 200) -> bytes:
    """A landscape-stored JPEG that EXIF says to turn 90° (as phones write portraits), with a GPS position."""
    image = Image.new("RGB", (width, height), "navy")
    image.paste(Image.new("RGB", (width // 4, height), "yellow"), (0, 0))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[GPS_IFD] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def pdf_document(pages: int = 3) -> bytes:
    images = [Image.new("RGB", (595, 842), colour) for colour in ("white", "lightgrey", "pink")[:pages]]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def word_document(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def excel_workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
