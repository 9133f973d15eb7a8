"""A short scale-out drill (scripts/scaleout-drill.sh): two web processes and two workers behind
Debian's nginx on the test database; one of each killed with -9 halfway through a load with writes,
exports and mail. No confirmed write lost, no mail twice, no job stuck, no error after the kill."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.conftest import PASSWORD, database_url, require_service, require_worker_services

ROOT = Path(settings.BASE_DIR)


def test_a_short_drill_loses_nothing_and_keeps_answering(city, today_is_a_workday, transactional_db, tmp_path):
    require_worker_services()
    require_service("nginx", bool(shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")), "apt-get install nginx")
    # The test settings hash with MD5, which the production settings of the drill's processes refuse.
    people = ["staff_a", "staff_b", "leader_a", "office_city"]
    hasher = PBKDF2PasswordHasher()
    hashed = hasher.encode(PASSWORD, hasher.salt())
    assert get_user_model().objects.filter(username__in=people).update(password=hashed) == len(people)
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment["REDIS_URL"] = settings.REDIS_URL
    command = [sys.executable, "scripts/scaleout_drill.py", "--duration", "16", "--settle", "45"]
    command += ["--database-url", database_url(), "--workdir", str(tmp_path / "drill"), "--password", PASSWORD]
    command += ["--writers", ",".join(people[:2]), "--readers", people[2], "--office", people[3]]
    command += ["--threads-per-writer", "1"]
    done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=240)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["writes_confirmed"] > 0 and result["writes_lost"] == 0, result
    assert result["mail_deliveries"] > 0 and result["mail_received_twice"] == 0, result
    assert result["mail_unsent"] == 0 and result["mail_sent_not_received"] == 0, result
    assert result["jobs"] > 0 and result["jobs_stuck"] == 0, result
    # nginx passes what the dead process would have had to the other one; only requests already
    # sent to it when it died can fail (nginx does not resend a POST it already passed on).
    assert result["requests_after_kill"] > 0 and result["errors_after_kill"] == 0, result
    assert result["survivor_answered"] and result["ok"], result
    assert done.returncode == 0, done.stdout[-3000:]
