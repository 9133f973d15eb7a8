"""Checks on evidence files before anything is written: a refused upload leaves no row and no file."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt
ZIP = b"PK\x03\x04"  # .docx/.xlsx/.pptx

# Extension → accepted leading bytes. Text formats have no signature; they are checked below.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".doc": (OLE,),
    ".xls": (OLE,),
    ".ppt": (OLE,),
    ".docx": (ZIP,),
    ".xlsx": (ZIP,),
    ".pptx": (ZIP,),
    ".txt": (),
    ".csv": (),
}


def validate_evidence(upload: UploadedFile) -> None:
    """Raise ValidationError (in the user's language) unless the file is an allowed, honest type."""
    name = upload.name or ""
    size = upload.size or 0
    suffix = PurePath(name).suffix.lower()
    if suffix not in SIGNATURES:
        raise ValidationError(
            _("%(name)s: this file type is not accepted. Allowed: %(allowed)s.")
            % {"name": name, "allowed": ", ".join(sorted(s.lstrip(".") for s in SIGNATURES))}
        )
    if size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)}
        )
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    signatures = SIGNATURES[suffix]
    if signatures:
        ok = any(head.startswith(sig) for sig in signatures)
        if suffix == ".webp":
            ok = ok and head[8:12] == b"WEBP"
        if ok and signatures == (ZIP,):
            ok = _is_office_zip(upload)
    else:
        ok = b"\x00" not in head
    if not ok:
        raise ValidationError(
            _("%(name)s does not look like a %(kind)s file; it may be damaged or renamed.")
            % {"name": name, "kind": suffix.lstrip(".").upper()}
        )


def _is_office_zip(upload: UploadedFile) -> bool:
    """A .docx/.xlsx/.pptx is a ZIP with an OOXML manifest; any other ZIP (an .apk, a .jar) is not."""
    try:
        with zipfile.ZipFile(upload) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def evidence_problems(files, *, limit: int, too_many: str) -> list[str]:
    """Every reason to refuse a batch of evidence files: more than `limit` of them (`too_many`,
    with %(n)d), or any file `validate_evidence` refuses. Empty when all may be stored."""
    problems = [too_many % {"n": limit}] if len(files) > limit else []
    for upload in files:
        try:
            validate_evidence(upload)
        except ValidationError as exc:
            problems.extend(exc.messages)
    return problems


def content_sha256(upload: UploadedFile) -> str:
    """The SHA-256 of an upload's content, read in chunks; the file is rewound for storing."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
