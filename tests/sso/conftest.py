"""Real servers for the corporate-login tests, started on this machine and stopped after the session:
a private slapd (Debian's package; configuration and data in a temporary folder, a free loopback port)
and the local OpenID provider of tests/oidc_provider (django-oauth-toolkit, its own runserver process).
Nothing here needs the internet."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from motiva.org import services as org

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = "dc=motiva,dc=test"
READER_DN = f"cn=reader,{SUFFIX}"
READER_PASSWORD = "reader-Secret-1"
PEOPLE_BASE = f"ou=people,{SUFFIX}"
PASSWORD = "dir-Secret-1"  # every directory person's password

# The directory's people: (uid, employeeNumber, mail). Motiva's employees are made by each test.
PEOPLE = [
    ("ivanov", "1001", "ivanov@corp.test"),
    ("petrova", "1002", "petrova@corp.test"),
    ("smirnov", "1003", "smirnov@corp.test"),
    ("stranger", "9999", "stranger@corp.test"),
    ("twin", "2002", "twin@corp.test"),
    ("nonumber", "", "nonumber@corp.test"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check, what: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if check():
                return
        except Exception as error:  # not answering yet
            last = error
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer in {seconds} s ({last}): {log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@dataclass(frozen=True)
class Directory:
    uri: str
    base: str = PEOPLE_BASE
    bind_dn: str = READER_DN
    bind_password: str = READER_PASSWORD
    ca_file: str | None = None


def _slapd_binary() -> str:
    found = shutil.which("slapd") or ("/usr/sbin/slapd" if os.path.exists("/usr/sbin/slapd") else None)
    if not found:
        raise RuntimeError("slapd is not installed: scripts/test.sh installs Debian's slapd (run it as root)")
    return found


def _ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: motiva\no: Motiva test\n",
        f"dn: {PEOPLE_BASE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: reader\nuserPassword: {READER_PASSWORD}\n",
    ]
    for uid, number, mail in PEOPLE:
        entry = (
            f"dn: uid={uid},{PEOPLE_BASE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid.title()}\n"
            f"sn: {uid.title()}\nmail: {mail}\nuserPassword: {PASSWORD}\n"
        )
        if number:
            entry += f"employeeNumber: {number}\n"
        entries.append(entry)
    return "\n".join(entries)


def _certificates(folder: Path) -> dict[str, Path]:
    """A throw-away CA and the directory's certificate for 127.0.0.1 / localhost, signed by it."""
    import datetime as dt_

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    now = dt_.datetime.now(dt_.UTC)
    ca_key, server_key = key(), key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Motiva test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt_.timedelta(hours=1))
        .not_valid_after(now + dt_.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    import ipaddress

    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt_.timedelta(hours=1))
        .not_valid_after(now + dt_.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return paths


def _run_slapd(folder: Path, *, tls: bool = False) -> Iterator[Directory]:
    """A slapd with its configuration and data in the folder, on a free loopback port. With tls, it has
    a certificate and refuses any bind before StartTLS (`security tls=1`)."""
    import ldap

    binary = _slapd_binary()
    (folder / "data").mkdir()
    conf = folder / "slapd.conf"
    lines = [
        "include /etc/ldap/schema/core.schema",
        "include /etc/ldap/schema/cosine.schema",
        "include /etc/ldap/schema/inetorgperson.schema",
        f"pidfile {folder}/slapd.pid",
        "modulepath /usr/lib/ldap",
        "moduleload back_mdb",
    ]
    ca_file = None
    if tls:
        paths = _certificates(folder)
        ca_file = str(paths["ca"])
        lines += [
            f"TLSCACertificateFile {paths['ca']}",
            f"TLSCertificateFile {paths['cert']}",
            f"TLSCertificateKeyFile {paths['key']}",
            "security tls=1",
        ]
    lines += [
        "database mdb",
        "maxsize 10485760",
        f'suffix "{SUFFIX}"',
        f'rootdn "cn=admin,{SUFFIX}"',
        "rootpw admin-Secret-1",
        f"directory {folder}/data",
        # people prove their password; only the service account (and the person) reads entries
        "access to attrs=userPassword by anonymous auth by self read by * none",
        f'access to * by dn.exact="{READER_DN}" read by self read by anonymous auth by * none',
        "",
    ]
    conf.write_text("\n".join(lines))
    (folder / "people.ldif").write_text(_ldif())
    subprocess.run(
        [shutil.which("slapadd") or "/usr/sbin/slapadd", "-f", str(conf), "-l", str(folder / "people.ldif")],
        check=True,
        capture_output=True,
    )
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    log = folder / "slapd.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [binary, "-f", str(conf), "-h", f"{uri}/", "-d", "0"], stdout=out, stderr=subprocess.STDOUT
        )
    try:

        def answers() -> bool:
            connection = ldap.initialize(uri)
            if ca_file:
                connection.set_option(ldap.OPT_X_TLS_CACERTFILE, ca_file)
                connection.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
                connection.start_tls_s()
            connection.simple_bind_s(READER_DN, READER_PASSWORD)
            connection.unbind_s()
            return True

        _wait(answers, "slapd", process, log)
        yield Directory(uri=uri, ca_file=ca_file)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def slapd(tmp_path_factory) -> Iterator[Directory]:
    yield from _run_slapd(tmp_path_factory.mktemp("slapd"))


@pytest.fixture(scope="session")
def slapd_tls(tmp_path_factory) -> Iterator[Directory]:
    yield from _run_slapd(tmp_path_factory.mktemp("slapd-tls"), tls=True)


@pytest.fixture
def ldap_on(settings, slapd):
    """Motiva's LDAP settings as config/settings.py builds them from LDAP_* variables, for the slapd."""
    import ldap
    from django_auth_ldap.config import LDAPSearch

    settings.AUTH_LDAP_SERVER_URI = slapd.uri
    settings.AUTH_LDAP_BIND_DN = slapd.bind_dn
    settings.AUTH_LDAP_BIND_PASSWORD = slapd.bind_password
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(slapd.base, ldap.SCOPE_SUBTREE, "(uid=%(user)s)")
    settings.AUTH_LDAP_CONNECTION_OPTIONS = {ldap.OPT_NETWORK_TIMEOUT: 5, ldap.OPT_TIMEOUT: 5}
    settings.AUTH_LDAP_ALWAYS_UPDATE_USER = False
    settings.AUTH_LDAP_USER_ATTR_MAP = {}
    settings.AUTH_LDAP_MIRROR_GROUPS = False
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "motiva.core.sso_ldap.MotivaLDAPBackend",
    ]
    return slapd


# --- the OpenID provider -------------------------------------------------------------------------

CLIENT_ID = "motiva-test"
CLIENT_SECRET = "motiva-test-client-secret"
OIDC_PEOPLE = [
    # username, employee_number, email, email_verified
    ("ivanov", "1001", "ivanov@corp.test", True),
    ("petrova", "1002", "petrova@corp.test", True),
    ("stranger", "9999", "stranger@corp.test", True),
    ("twin", "2002", "twin@corp.test", True),
    ("unverified", "1001", "ivanov@corp.test", False),
]


@dataclass(frozen=True)
class Provider:
    base: str

    def endpoint(self, name: str) -> str:
        return {
            "authorize": f"{self.base}/o/authorize/",
            "token": f"{self.base}/o/token/",
            "userinfo": f"{self.base}/o/userinfo/",
            "jwks": f"{self.base}/o/.well-known/jwks.json",
        }[name]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Iterator[Provider]:
    folder = tmp_path_factory.mktemp("oidc")
    seed = {
        "users": [
            {
                "username": name,
                "password": PASSWORD,
                "employee_number": number,
                "email": email,
                "email_verified": verified,
            }
            for name, number, email, verified in OIDC_PEOPLE
        ],
        "client": {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": "http://testserver/oidc/callback/",
        },
    }
    (folder / "seed.json").write_text(json.dumps(seed))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "PYTEST"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "OIDC_PROVIDER_DB": str(folder / "provider.sqlite3"),
            "OIDC_PROVIDER_SEED": str(folder / "seed.json"),
            "OIDC_PROVIDER_ISSUER": f"{base}/o",
            "PYTHONPATH": str(ROOT),
        }
    )
    log = folder / "provider.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(
            lambda: requests.get(f"{base}/o/.well-known/jwks.json", timeout=2).status_code == 200,
            "the OpenID provider",
            process,
            log,
            seconds=180,
        )
        yield Provider(base=base)
    finally:
        _stop(process)


@pytest.fixture
def oidc_on(settings, oidc_provider):
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = oidc_provider.endpoint("authorize")
    settings.OIDC_OP_TOKEN_ENDPOINT = oidc_provider.endpoint("token")
    settings.OIDC_OP_USER_ENDPOINT = oidc_provider.endpoint("userinfo")
    settings.OIDC_OP_JWKS_ENDPOINT = oidc_provider.endpoint("jwks")
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "motiva.core.sso.MotivaOIDCBackend",
    ]
    return oidc_provider


# --- Motiva's side: employees the directory people map to ----------------------------------------


@pytest.fixture
def people(actor, organization, structure):
    """ivanov (1001) has no account yet; petrova (1002) has a disabled one; smirnov (1003) has one."""
    from django.contrib.auth import get_user_model

    def hire(number: str, last_name: str, *, within=organization, position=None):
        return org.employee_hire(
            actor=actor,
            organization=within,
            personnel_number=number,
            last_name=last_name,
            first_name="Тест",
            hire_date=dt.date(2021, 1, 1),
            position=position or structure["specialist"],
            salary=Decimal(60000),
        )

    ivanov = hire("1001", "Иванов")
    petrova = hire("1002", "Петрова")
    org.account_invite(actor=actor, employee=petrova, username="petrova.local", email="petrova@corp.test")
    petrova.refresh_from_db()
    org.account_disable(actor=actor, employee=petrova)
    smirnov = hire("1003", "Смирнов")
    org.account_invite(actor=actor, employee=smirnov, username="smirnov.local", email="smirnov@corp.test")
    smirnov.refresh_from_db()
    twin = hire("2002", "Двойников")
    other = org.organization_create(actor=actor, name="ООО «Другая»")
    other_unit = org.unit_create(actor=actor, organization=other, code="O", name="Другая")
    other_position = org.position_create(actor=actor, unit=other_unit, title="Водитель")
    twin_other = hire("2002", "Двойников", within=other, position=other_position)
    user_model = get_user_model()
    return {
        "ivanov": ivanov,
        "petrova": petrova,
        "smirnov": smirnov,
        "twin": twin,
        "twin_other": twin_other,
        "other": other,
        "users_before": user_model.objects.count(),
    }
