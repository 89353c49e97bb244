"""Motiva settings. Everything that differs between machines comes from the environment
(see the table in README.md); parsers are strict, so a typo stops the start with a clear message."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET = "motiva-insecure-development-key-never-use-in-production-0123456789"  # noqa: S105 — DEBUG only
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "motiva.api",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "motiva.core",
    "motiva.org",
    "motiva.kpi",
    "motiva.periods",
    "motiva.calc",
    "motiva.worktime",
    "motiva.dualcontrol",
    "motiva.demo",
    "motiva.web",
    "motiva.idempotency",
    "motiva.imports",
    "motiva.payroll",
]

MIDDLEWARE = [
    # Outermost: Content-Security-Policy, Permissions-Policy, Referrer-Policy, nosniff and no-store
    # downloads on every response, including /healthz and the 503 of an outage (motiva/web/headers.py).
    "motiva.web.headers.SecurityHeadersMiddleware",
    # Next: a database outage anywhere below answers 503 + Retry-After (motiva/web/outage.py).
    "motiva.web.outage.DatabaseOutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The request id, client address and user agent for the audit trail; logs refused accesses.
    "motiva.core.middleware.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A full disk while an upload is received answers 507 before the CSRF check reads the form
    # (motiva/web/uploads.py).
    "motiva.web.uploads.UploadSpoolMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Administrators, HR, finance and superusers pass the second factor before any page (motiva.web.otp).
    "motiva.web.otp.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Repeated POSTs with one idempotency key are done once (keys belong to a user: after auth).
    "motiva.web.idempotency.IdempotencyMiddleware",
    "motiva.web.errors.ErrorPagesMiddleware",
]
# A refused form (expired CSRF token) gets Motiva's page with the header, in the reader's language.
CSRF_FAILURE_VIEW = "motiva.web.errors.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "motiva.web.context.navigation",
            ],
            # {% idempotency_key %} sits beside every {% csrf_token %}: a form's own retry key.
            "builtins": ["motiva.web.templatetags.idempotency"],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "sqlite:///db.sqlite3")
# Seconds to wait for PostgreSQL to answer a connect before the page says 503 (see docs/deployment.md).
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 2)
if DATABASE_CONNECT_TIMEOUT < 1:
    raise ImproperlyConfigured("DATABASE_CONNECT_TIMEOUT must be 1 or more seconds")
DATABASES = {
    "default": parse_database_url(DATABASE_URL, BASE_DIR).as_django(connect_timeout=DATABASE_CONNECT_TIMEOUT)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The owner of the schema, used only by `manage.py migrate` and `manage.py db_roles` (PostgreSQL): the
# application itself connects with DATABASE_URL as a role that cannot rewrite the audit trail or change
# the schema (docs/deployment.md). Empty: migrations use DATABASE_URL.
MIGRATE_DATABASE_URL = env_str("MIGRATE_DATABASE_URL", "")
if MIGRATE_DATABASE_URL:
    _owner = parse_database_url(MIGRATE_DATABASE_URL, BASE_DIR)
    if _owner.engine != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("MIGRATE_DATABASE_URL must name the same kind of database as DATABASE_URL")
    MIGRATE_DATABASE = _owner.as_django(connect_timeout=DATABASE_CONNECT_TIMEOUT)
# Proxies whose X-Forwarded-For is believed for the client address in the audit trail (addresses or
# networks, comma-separated); empty: the address the connection comes from.
MOTIVA_TRUSTED_PROXIES = env_list("MOTIVA_TRUSTED_PROXIES", [])
for _proxy in MOTIVA_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"MOTIVA_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
        ) from None

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "motiva.core.auth.MotivaModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Corporate login (docs/security.md, "Corporate login"): OpenID Connect and LDAP / Active Directory, each
# off until configured. A directory user is mapped to one employee by personnel number or by the e-mail
# of the employee's Motiva account; roles never come from the directory.
MOTIVA_SSO_MATCH_BY = env_str("MOTIVA_SSO_MATCH_BY", "personnel_number")
if MOTIVA_SSO_MATCH_BY not in {"personnel_number", "email"}:
    raise ImproperlyConfigured(
        f"MOTIVA_SSO_MATCH_BY={MOTIVA_SSO_MATCH_BY!r}: expected personnel_number or email"
    )
MOTIVA_SSO_ORGANIZATION = env_str("MOTIVA_SSO_ORGANIZATION", "")  # an organization's exact name, or all
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_CLAIM_USERNAME = env_str("OIDC_CLAIM_USERNAME", "preferred_username")
OIDC_CLAIM_PERSONNEL_NUMBER = env_str("OIDC_CLAIM_PERSONNEL_NUMBER", "employee_number")
OIDC_CLAIM_EMAIL = env_str("OIDC_CLAIM_EMAIL", "email")
if OIDC_RP_CLIENT_ID:
    _oidc_missing = [
        name
        for name in ("OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT")
        + ("OIDC_OP_USER_ENDPOINT",)
        + (("OIDC_OP_JWKS_ENDPOINT",) if OIDC_RP_SIGN_ALGO[:2] in {"RS", "ES"} else ())
        if not globals()[name]
    ]
    if _oidc_missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set: also set {', '.join(_oidc_missing)}")
    AUTHENTICATION_BACKENDS.append("motiva.core.sso.MotivaOIDCBackend")

AUTH_LDAP_SERVER_URI = env_str("LDAP_SERVER_URI", "")
LDAP_ATTR_PERSONNEL_NUMBER = env_str("LDAP_ATTR_PERSONNEL_NUMBER", "employeeNumber")
LDAP_ATTR_EMAIL = env_str("LDAP_ATTR_EMAIL", "mail")
if AUTH_LDAP_SERVER_URI:
    try:
        import ldap
        from django_auth_ldap.config import LDAPSearch
    except ImportError:
        raise ImproperlyConfigured(
            "LDAP_SERVER_URI is set but django-auth-ldap is not installed: pip install -e '.[ldap]'"
        ) from None
    _ldap_base = env_str("LDAP_USER_SEARCH_BASE", "")
    if not _ldap_base:
        raise ImproperlyConfigured("LDAP_SERVER_URI is set: also set LDAP_USER_SEARCH_BASE")
    AUTH_LDAP_BIND_DN = env_str("LDAP_BIND_DN", "")
    AUTH_LDAP_BIND_PASSWORD = env_str("LDAP_BIND_PASSWORD", "")
    # Active Directory: LDAP_USER_SEARCH_FILTER=(sAMAccountName=%(user)s)
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        _ldap_base, ldap.SCOPE_SUBTREE, env_str("LDAP_USER_SEARCH_FILTER", "(uid=%(user)s)")
    )
    AUTH_LDAP_START_TLS = env_bool("LDAP_START_TLS", False)
    AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_NETWORK_TIMEOUT: env_int("LDAP_TIMEOUT", 5),
        ldap.OPT_TIMEOUT: env_int("LDAP_TIMEOUT", 5),
        ldap.OPT_REFERRALS: 0,  # Active Directory's referrals would need another bind
    }
    if env_str("LDAP_CA_CERT_FILE", ""):
        AUTH_LDAP_CONNECTION_OPTIONS[ldap.OPT_X_TLS_CACERTFILE] = env_str("LDAP_CA_CERT_FILE", "")
        AUTH_LDAP_CONNECTION_OPTIONS[ldap.OPT_X_TLS_NEWCTX] = 0
    # The directory proves the password; it gives no flags, groups or permissions, and does not rewrite
    # the Motiva account at each login.
    AUTH_LDAP_ALWAYS_UPDATE_USER = False
    AUTH_LDAP_USER_ATTR_MAP: dict[str, str] = {}
    AUTH_LDAP_USER_FLAGS_BY_GROUP: dict[str, str] = {}
    AUTH_LDAP_FIND_GROUP_PERMS = False
    AUTH_LDAP_MIRROR_GROUPS = False
    AUTHENTICATION_BACKENDS.append("motiva.core.sso_ldap.MotivaLDAPBackend")

# Lockout after repeated failures, keyed on the pair (username, IP address).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Progressive delay keyed on the user name alone (motiva.core.throttle): after this many failed sign-ins
# for one name, from any addresses, each next attempt waits DELAY, 2×DELAY, 4×DELAY … seconds (at most MAX).
MOTIVA_LOGIN_DELAY_AFTER = env_int("MOTIVA_LOGIN_DELAY_AFTER", 5)
MOTIVA_LOGIN_DELAY_SECONDS = env_int("MOTIVA_LOGIN_DELAY_SECONDS", 2)
MOTIVA_LOGIN_DELAY_MAX = env_int("MOTIVA_LOGIN_DELAY_MAX", 15 * 60)
if MOTIVA_LOGIN_DELAY_AFTER < 1 or MOTIVA_LOGIN_DELAY_SECONDS < 1 or MOTIVA_LOGIN_DELAY_MAX < 1:
    raise ImproperlyConfigured("MOTIVA_LOGIN_DELAY_AFTER, _SECONDS and _MAX must be 1 or more")

# Imports (motiva.imports.reading): an uploaded file larger than this is refused before it is read; an XLSX
# (a ZIP) may unpack to at most MOTIVA_IMPORT_MAX_UNPACKED bytes, hold at most MOTIVA_IMPORT_MAX_ENTRIES parts,
# and a sheet or CSV may have at most MOTIVA_IMPORT_MAX_ROWS rows.
MOTIVA_IMPORT_MAX_BYTES = env_int("MOTIVA_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
MOTIVA_IMPORT_MAX_UNPACKED = env_int("MOTIVA_IMPORT_MAX_UNPACKED", 1024 * 1024 * 1024)
MOTIVA_IMPORT_MAX_ENTRIES = env_int("MOTIVA_IMPORT_MAX_ENTRIES", 5000)
MOTIVA_IMPORT_MAX_ROWS = env_int("MOTIVA_IMPORT_MAX_ROWS", 2_000_000)

# Second factor (TOTP, django-otp): required for superusers and these roles in any organization.
MOTIVA_OTP_ROLES = env_list("MOTIVA_OTP_ROLES", ["admin", "hr", "finance"])
if not set(MOTIVA_OTP_ROLES) <= {"admin", "hr", "finance", "executive", "auditor", "board"}:
    raise ImproperlyConfigured(f"MOTIVA_OTP_ROLES={MOTIVA_OTP_ROLES!r}: unknown role")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Motiva")
# Wrong codes make the next try wait FACTOR × 1, 2, 4 … seconds (django-otp's throttling), per device.
OTP_TOTP_THROTTLE_FACTOR = env_int("OTP_TOTP_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
if OTP_TOTP_THROTTLE_FACTOR < 1:
    raise ImproperlyConfigured("OTP_TOTP_THROTTLE_FACTOR must be 1 or more (0 would switch throttling off)")

# Content-Security-Policy of every response (motiva.web.headers); the whole header can be replaced.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
)
PERMISSIONS_POLICY = env_str(
    "PERMISSIONS_POLICY",
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()",
)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Internationalization: Russian first, English second.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
if LANGUAGE_CODE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured(f"LANGUAGE_CODE={LANGUAGE_CODE!r}: expected 'ru' or 'en'")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # collectstatic writes here
# Front-end packages come from npm (package.json); their built files are served from node_modules.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    # Alpine's CSP build: no eval, components are registered in static/motiva/app.js.
    ("vendor/alpinejs", NODE_MODULES / "@alpinejs" / "csp" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/swagger-ui", NODE_MODULES / "swagger-ui-dist"),
]
# A checkout without `npm ci` (the test suite) must still start: skip vendor folders that are absent.
STATICFILES_DIRS = [
    entry for entry in STATICFILES_DIRS if Path(entry[1] if isinstance(entry, tuple) else entry).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "motiva.core.files.AtomicFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Uploaded import files and their change lists (motiva.imports): never under MEDIA_ROOT, never served.
IMPORTS_ROOT = Path(env_str("IMPORTS_ROOT", str(BASE_DIR / ".motiva" / "imports")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    # Removes its partial temporary file when the disk fills up while an upload is received.
    "motiva.web.uploads.CleanTemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# E-mail
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "motiva@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: safe by default whenever DEBUG is off; each can be relaxed explicitly behind a proxy.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A load balancer or systemd probe asks /healthz over plain HTTP on the loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Background work: eager in the embedded default, Celery with Redis/RabbitMQ when a broker is set.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
# A calculation's slices are long tasks acknowledged late: a worker takes one at a time, so the others
# take the rest (and a worker that dies returns only the slice it had).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The queue tasks go to (and workers take from, with -Q): several installations can share a broker.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "motiva.api.tokens.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "motiva.api.errors.handler",
    "DEFAULT_PAGINATION_CLASS": "motiva.api.endpoints.common.Pages",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("MOTIVA_API_RATE_USER", "1200/minute"),
        "anon": env_str("MOTIVA_API_RATE_ANON", "60/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Motiva API",
    "DESCRIPTION": "KPI management and performance pay",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Calculation runs: worker processes for the compute of large runs (the machine's cores), and the
# smallest run worth splitting.
MOTIVA_CALC_WORKERS = env_int("MOTIVA_CALC_WORKERS", 1)
MOTIVA_CALC_PARALLEL_MIN = env_int("MOTIVA_CALC_PARALLEL_MIN", 5000)
# With Celery workers: a slice started this many times without being stored (its worker killed, or its
# database unreachable, each time) fails its run; an active run with no progress for MOTIVA_CALC_STALE_SECONDS is failed when the
# next run of its period and scope is started.
MOTIVA_CALC_SLICE_ATTEMPTS = env_int("MOTIVA_CALC_SLICE_ATTEMPTS", 5)
MOTIVA_CALC_STALE_SECONDS = env_int("MOTIVA_CALC_STALE_SECONDS", 1800)
if MOTIVA_CALC_WORKERS < 1:
    raise ImproperlyConfigured("MOTIVA_CALC_WORKERS must be 1 or more")

# Faults (docs/deployment.md): the Retry-After of the 503 page and of /healthz while a component is
# down, and how long /healthz waits for the broker.
MOTIVA_RETRY_AFTER = env_int("MOTIVA_RETRY_AFTER", 30)
MOTIVA_HEALTH_BROKER_TIMEOUT = env_int("MOTIVA_HEALTH_BROKER_TIMEOUT", 2)
if MOTIVA_RETRY_AFTER < 1 or MOTIVA_HEALTH_BROKER_TIMEOUT < 1:
    raise ImproperlyConfigured("MOTIVA_RETRY_AFTER and MOTIVA_HEALTH_BROKER_TIMEOUT must be 1 or more")

# Demo mode: the demo organization's well-known passwords only work while this is on.
MOTIVA_DEMO = env_bool("MOTIVA_DEMO", False)

# Idempotent POSTs (motiva.web.idempotency): how long a retry key is remembered, and how long a
# duplicate that arrives while the first request runs waits for its outcome before a 409.
MOTIVA_IDEMPOTENCY_TTL_HOURS = env_int("MOTIVA_IDEMPOTENCY_TTL_HOURS", 24)
MOTIVA_IDEMPOTENCY_WAIT_SECONDS = env_int("MOTIVA_IDEMPOTENCY_WAIT_SECONDS", 10)
if MOTIVA_IDEMPOTENCY_TTL_HOURS < 1 or MOTIVA_IDEMPOTENCY_WAIT_SECONDS < 0:
    raise ImproperlyConfigured(
        "MOTIVA_IDEMPOTENCY_TTL_HOURS must be 1 or more, MOTIVA_IDEMPOTENCY_WAIT_SECONDS 0 or more"
    )
