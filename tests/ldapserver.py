"""A real OpenLDAP server (Debian's slapd) on a free port, with a generated directory tree.

Started by the tests that need a directory; `.ci/run` installs slapd, so under
REQUIRE_SERVICES=1 a missing slapd fails those tests instead of skipping them.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SUFFIX = "dc=example,dc=gov"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin-pw"
PEOPLE = f"ou=people,{SUFFIX}"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


def slapd_path() -> str | None:
    for candidate in ("slapd", "/usr/sbin/slapd"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def modules_dir() -> str:
    for candidate in ("/usr/lib/ldap", "/usr/lib/x86_64-linux-gnu/ldap", "/usr/lib/aarch64-linux-gnu/ldap"):
        if Path(candidate, "back_mdb.so").exists():
            return candidate
    return "/usr/lib/ldap"


@dataclass
class Person:
    uid: str
    password: str
    name: str = "测试人员"
    mail: str = ""
    employee_number: str = ""  # inetOrgPerson's employeeNumber (LDAP_EMPLOYEE_ID_ATTR)


@dataclass
class Directory:
    root: Path
    port: int
    people: list[Person] = field(default_factory=list)
    process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def environ(self) -> dict[str, str]:
        """What an IT department would put in the environment for this directory."""
        return {
            "LDAP_SERVER_URI": self.uri,
            "LDAP_BIND_DN": ADMIN_DN,
            "LDAP_BIND_PASSWORD": ADMIN_PASSWORD,
            "LDAP_USER_BASE": PEOPLE,
            "LDAP_USER_FILTER": "(uid=%(user)s)",
            "LDAP_TIMEOUT": "2",
        }

    def _ldif(self) -> str:
        blocks = [
            f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n",
            f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        ]
        for person in self.people:
            blocks.append(
                f"dn: uid={person.uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {person.uid}\n"
                f"cn:: {_b64(person.name)}\nsn:: {_b64(person.name)}\nuserPassword: {person.password}\n"
                + (f"mail: {person.mail}\n" if person.mail else "")
                + (f"employeeNumber: {person.employee_number}\n" if person.employee_number else "")
            )
        return "\n".join(blocks)

    def _config(self) -> str:
        includes = "".join(f"include /etc/ldap/schema/{name}.schema\n" for name in SCHEMAS)
        return (
            f"{includes}"
            f"modulepath {modules_dir()}\nmoduleload back_mdb\n"
            f"pidfile {self.root}/slapd.pid\n"
            "database mdb\n"
            f'suffix "{SUFFIX}"\nrootdn "{ADMIN_DN}"\nrootpw {ADMIN_PASSWORD}\n'
            f"directory {self.root}/data\nmaxsize 10485760\n"
            "access to attrs=userPassword by self write by anonymous auth by * none\n"
            "access to * by * read\n"
        )

    def start(self) -> None:
        binary = slapd_path()
        assert binary, "slapd not installed"
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        conf = self.root / "slapd.conf"
        conf.write_text(self._config())
        ldif = self.root / "tree.ldif"
        ldif.write_text(self._ldif(), encoding="utf-8")
        subprocess.run(
            [str(Path(binary).with_name("slapadd")), "-f", str(conf), "-l", str(ldif)],
            check=True,
            capture_output=True,
        )
        # -d 0: stay in the foreground (a child we can kill), log nothing.
        self.process = subprocess.Popen(
            [binary, "-d", "0", "-f", str(conf), "-h", self.uri + "/"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._wait(up=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def _wait(self, *, up: bool) -> None:
        import socket

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {self.process.stderr.read().decode(errors='replace')[-2000:]}")
            with socket.socket() as sock:
                sock.settimeout(0.5)
                if (sock.connect_ex(("127.0.0.1", self.port)) == 0) == up:
                    return
            time.sleep(0.1)
        raise RuntimeError("slapd did not start")


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()
