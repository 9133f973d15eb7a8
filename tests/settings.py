"""Test settings: the real settings, with fast hashing and a throw-away media folder."""

import tempfile

from tracker.settings import *  # noqa: F403

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
