"""Previews of evidence files, so a reviewer sees them without downloading (a job after upload).

Images become a JPEG thumbnail (EXIF orientation applied; re-encoded, so no metadata such as
GPS survives), the first pages of a PDF are rendered to JPEGs on the server (pypdfium2), Word
and Excel files and plain text give a short text excerpt. The browser only ever gets these
derived images and text: nothing from the file itself is rendered or run there.

Every reader is bounded (pixels, pages, rows, characters, unpacked size), and anything that
cannot be read gives "no preview", never an error page.
"""

from __future__ import annotations

import io
import logging
import warnings
import zipfile
from collections.abc import Callable
from pathlib import PurePath
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction

from tracker.work.models import Evidence, PreviewState

log = logging.getLogger(__name__)

BOX = (960, 960)  # the largest side of a preview image, in pixels
PDF_PAGES = 2  # first pages of a PDF shown
MAX_PIXELS = 40_000_000  # a larger image is refused, not decoded (decompression bombs)
EXCERPT_CHARS = 600
EXCERPT_ROWS = 15
EXCERPT_COLUMNS = 8
MAX_UNPACKED = 30 * 1024 * 1024  # a .docx/.xlsx unpacking to more is not opened
JPEG_QUALITY = 80


class NoPreview(Exception):
    """The file cannot be previewed (damaged, too large, an unsupported kind)."""


Images = list[bytes]


def _jpeg(image) -> bytes:
    """Re-encode as a plain JPEG: no EXIF, no ICC, no comments: nothing of the original's metadata."""
    from PIL import Image

    image = image.convert("RGB")
    image.thumbnail(BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def image_preview(handle: IO[bytes]) -> tuple[Images, str]:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(handle) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise NoPreview("too many pixels")
                image.seek(0)  # the first frame of an animation
                upright = ImageOps.exif_transpose(image)
                return [_jpeg(upright if upright is not None else image)], ""
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NoPreview(str(exc)) from exc


def pdf_preview(handle: IO[bytes]) -> tuple[Images, str]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(handle.read())
    except pdfium.PdfiumError as exc:
        raise NoPreview(str(exc)) from exc
    images: Images = []
    try:
        for index in range(min(PDF_PAGES, len(pdf))):
            page = pdf[index]
            width, height = page.get_size()
            if width <= 0 or height <= 0:
                raise NoPreview("empty page")
            # Render at most at the preview's size: a poster-sized page costs no more than A4.
            scale = min(BOX[0] / width, BOX[1] / height, 3.0)
            bitmap = page.render(scale=scale)
            images.append(_jpeg(bitmap.to_pil()))
            page.close()
    except pdfium.PdfiumError as exc:
        raise NoPreview(str(exc)) from exc
    finally:
        pdf.close()
    if not images:
        raise NoPreview("no pages")
    return images, ""


def _check_unpacked(handle: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(handle) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise NoPreview("unpacks too large")
    except zipfile.BadZipFile as exc:
        raise NoPreview(str(exc)) from exc
    handle.seek(0)


def _excerpt(parts: list[str]) -> str:
    text = "\n".join(part for part in parts if part.strip())
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rstrip() + "…"
    if not text.strip():
        raise NoPreview("no text")
    return text


def docx_preview(handle: IO[bytes]) -> tuple[Images, str]:
    import docx

    _check_unpacked(handle)
    try:
        document = docx.Document(handle)
    except Exception as exc:  # python-docx raises a variety (KeyError, ValueError, lxml errors)
        raise NoPreview(str(exc)) from exc
    parts: list[str] = []
    for paragraph in document.paragraphs:
        parts.append(paragraph.text)
        if sum(map(len, parts)) > EXCERPT_CHARS:
            break
    return [], _excerpt(parts)


def xlsx_preview(handle: IO[bytes]) -> tuple[Images, str]:
    import openpyxl

    _check_unpacked(handle)
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a variety (KeyError, InvalidFileException, lxml errors)
        raise NoPreview(str(exc)) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(max_row=EXCERPT_ROWS, max_col=EXCERPT_COLUMNS, values_only=True)
        parts = [" | ".join("" if value is None else str(value) for value in row).strip(" |") for row in rows]
    except Exception as exc:
        raise NoPreview(str(exc)) from exc
    finally:
        book.close()
    return [], _excerpt(parts)


def text_preview(handle: IO[bytes]) -> tuple[Images, str]:
    head = handle.read(EXCERPT_CHARS * 4)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise NoPreview("not text")
    return [], _excerpt(text.splitlines())


BUILDERS: dict[str, Callable[[IO[bytes]], tuple[Images, str]]] = {
    ".jpg": image_preview,
    ".jpeg": image_preview,
    ".png": image_preview,
    ".gif": image_preview,
    ".webp": image_preview,
    ".pdf": pdf_preview,
    ".docx": docx_preview,
    ".xlsx": xlsx_preview,
    ".txt": text_preview,
    ".csv": text_preview,
}


def evidence_preview_build(*, evidence_id: int) -> PreviewState | None:
    """Make the preview of one evidence file and record it; None when the file is gone.

    Safe to run twice (a redelivered job, the rebuild command): the images are rewritten under
    the same names and the row says how many there are.
    """
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None or not evidence.file.name:
        return None
    builder = BUILDERS.get(PurePath(evidence.file.name).suffix.lower())
    images: Images = []
    text = ""
    if builder is not None:
        try:
            with evidence.file.open("rb") as handle:
                images, text = builder(handle)
        except NoPreview as exc:
            log.info("no preview for evidence %s: %s", evidence_id, exc)
        except Exception:  # a reader's bug must not keep the job retrying or the page waiting
            log.exception("preview of evidence %s failed", evidence_id)
            images, text = [], ""
    storage = evidence.file.storage
    for page, data in enumerate(images):
        name = evidence.preview_name(page)
        storage.delete(name)
        storage.save(name, ContentFile(data))
    if evidence.preview_pages > len(images):
        for page in range(len(images), evidence.preview_pages):
            storage.delete(evidence.preview_name(page))
    state = PreviewState.READY if images or text else PreviewState.NONE
    with transaction.atomic():
        # An update, not save(): a preview is no change of the evidence, so no history row.
        Evidence.objects.filter(pk=evidence_id).update(
            preview_state=state, preview_pages=len(images), preview_text=text
        )
    return state


def dispatch_previews(evidence_ids: list[int]) -> None:
    """Queue the preview jobs once the evidence rows are committed (the worker reads them by id)."""

    def send() -> None:
        from tracker.work.tasks import build_evidence_preview

        for evidence_id in evidence_ids:
            try:
                build_evidence_preview.delay(evidence_id)
            except Exception:  # the broker's errors vary; the rebuild command catches up later
                log.warning("could not enqueue the preview of evidence %s", evidence_id, exc_info=True)

    if evidence_ids:
        transaction.on_commit(send)
