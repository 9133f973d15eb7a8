"""Test settings: the real settings, with fast hashing and a throw-away media folder."""

import os
import tempfile

# Under pytest-xdist each worker process gets its own Redis database (its own database number
# above the one REDIS_URL names), so the Celery queues and caches of parallel tests never mix;
# pytest-django already gives each worker its own test database.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker.startswith("gw") and os.environ.get("REDIS_URL"):
    _base, _, _db = os.environ["REDIS_URL"].rpartition("/")
    os.environ["REDIS_URL"] = f"{_base}/{int(_db or 0) + 1 + int(_xdist_worker[2:])}"

from tracker.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="tracker-test-media-")
if not REDIS_URL:  # noqa: F405
    CACHES["default"]["LOCATION"] = tempfile.mkdtemp(prefix="tracker-test-cache-")  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The dev tools are tested too, whatever DEBUG the environment sets.
INSTALLED_APPS += [app for app in ("tracker.demo", "tracker.bench") if app not in INSTALLED_APPS]  # noqa: F405
