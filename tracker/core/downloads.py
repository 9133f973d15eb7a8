"""Files people uploaded, sent back: always a download, never rendered or run in our origin."""

from __future__ import annotations

from typing import IO

from django.http import FileResponse

from tracker.core.validators import safe_filename

# With nosniff (SecurityMiddleware) and the attachment disposition: even a file that slipped
# past the upload checks is saved by the browser, never shown or run with the app's rights.
SANDBOX_CSP = "default-src 'none'; sandbox"


def uploaded_file_response(handle: IO[bytes], *, filename: str) -> FileResponse:
    """The stored upload as an attachment under its original (cleaned) name, with a sandbox CSP."""
    response = FileResponse(handle, as_attachment=True, filename=safe_filename(filename))
    response["Content-Security-Policy"] = SANDBOX_CSP
    return response


def preview_image_response(handle: IO[bytes]) -> FileResponse:
    """A preview image the server made itself (a re-encoded JPEG), shown inline in the page.

    Only our own output is ever served inline; the sandbox CSP and nosniff still apply, and the
    browser may keep it a while, for this user only.
    """
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, max-age=3600"
    return response
