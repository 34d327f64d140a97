"""Bangfu settings, read from the environment (one place; tests override in conftest)."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("BANGFU_VAR_DIR", BASE_DIR.parent / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG", False)
# The default is public; `bangfu check --deploy` fails while it is in use (core/security.py).
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-set-SECRET_KEY-in-production")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bangfu.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers work while a writer commits; the timeout waits out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# A PostgreSQL streaming replica for read-heavy pages (core/replicas.py); none by default.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["bangfu.core.replicas.ReplicaRouter"]
# Pages (URL names, * as wildcard) whose GETs read from the replica; any list's export does too.
BANGFU_REPLICA_PAGES = ["dashboard:*", "api:*", "ledger:book*", "assessment:result*"]
# How long after a write the writer's reads wait for the replica to catch up, at most.
BANGFU_REPLICA_STICKY_SECONDS = int(os.environ.get("BANGFU_REPLICA_STICKY_SECONDS", "300"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "bangfu.core",
    "bangfu.accounts",
    "bangfu.geo",
    "bangfu.orgs",
    "bangfu.registry",
    "bangfu.campaigns",
    "bangfu.ledger",
    "bangfu.coops",
    "bangfu.assessment",
    "bangfu.dashboard",
    "bangfu.demo",
    "bangfu.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bangfu.core.security.SessionTouchMiddleware",
    "bangfu.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bangfu.core.replicas.ReplicaMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bangfu.core.middleware.ChangeContextMiddleware",
    "bangfu.core.security.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "bangfu.urls"
WSGI_APPLICATION = "bangfu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bangfu.core.context_processors.navigation",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "bangfu.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security (等保2.0 level 3 / OWASP ASVS 2). Tests relax the HTTPS parts in conftest. -------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes still verify and are upgraded to argon2 at the next login.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
# Lockout: this many failed logins within the window lock the account name; the address
# (often a whole office behind one NAT) is locked at a higher count.
BANGFU_LOCKOUT_FAILURES = int(os.environ.get("BANGFU_LOCKOUT_FAILURES", "5"))
BANGFU_LOCKOUT_FAILURES_PER_ADDRESS = int(
    os.environ.get("BANGFU_LOCKOUT_FAILURES_PER_ADDRESS", "20")
)
BANGFU_LOCKOUT_MINUTES = int(os.environ.get("BANGFU_LOCKOUT_MINUTES", "15"))
# Sessions end after this much inactivity: every request pushes the expiry forward.
BANGFU_SESSION_MINUTES = int(os.environ.get("BANGFU_SESSION_MINUTES", "30"))
SESSION_COOKIE_AGE = BANGFU_SESSION_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False  # core.security.SessionTouchMiddleware renews it
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# HTTPS everywhere unless DEBUG (a proxy terminating TLS sets X-Forwarded-Proto: https and
# BANGFU_BEHIND_PROXY=1).
HTTPS = _env_bool("BANGFU_HTTPS", not DEBUG)
if _env_bool("BANGFU_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only our own scripts, styles, images and connections. Style attributes stay allowed (they
# cannot run code; progress bars and chart boxes size themselves with them).
BANGFU_CSP = _env_bool("BANGFU_CSP", not DEBUG)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Uploads: a request body held in memory up to 10 MB (files above it spool to disk); the upload
# checks (bangfu.core.security.check_upload) set each kind's own limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Bounded uploads (bangfu.core.uploads): a photo's declared pixels, an .xlsx's unpacked size,
# compression ratio and longest cell (Excel's own limit), all checked before decoding.
BANGFU_IMAGE_MAX_PIXELS = int(os.environ.get("BANGFU_IMAGE_MAX_PIXELS", "40000000"))
BANGFU_XLSX_MAX_BYTES = int(os.environ.get("BANGFU_XLSX_MAX_MB", "4096")) << 20
BANGFU_XLSX_MAX_RATIO = int(os.environ.get("BANGFU_XLSX_MAX_RATIO", "100"))
BANGFU_XLSX_MAX_CELL_CHARS = int(os.environ.get("BANGFU_XLSX_MAX_CELL_CHARS", "32767"))
# A background job's address space (RLIMIT_AS, MB; 0: none): Arrow's and Python's threads
# reserve more address space than they use, so this is well above the memory a job needs.
BANGFU_JOB_MEMORY_MB = int(os.environ.get("BANGFU_JOB_MEMORY_MB", "8192"))
# Uploaded import files are deleted when their job ends; a checked file never committed
# after this many days (bangfu.core.import_files).
BANGFU_IMPORT_FILE_DAYS = float(os.environ.get("BANGFU_IMPORT_FILE_DAYS", "1"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
WHITENOISE_USE_FINDERS = True

DJANGO_TABLES2_TEMPLATE = "core/table.html"
DJANGO_TABLES2_PAGE_RANGE = 5

# Spreadsheet libraries (core/spreadsheets.py): the fast Rust ones by default, or their
# well-kept fallbacks ("calamine" = python-calamine, "xlsxwriter" = XlsxWriter's
# constant-memory mode). CI runs the spreadsheet tests on both.
BANGFU_XLSX_READER = os.environ.get("BANGFU_XLSX_READER", "calamine-plus")
BANGFU_XLSX_WRITER = os.environ.get("BANGFU_XLSX_WRITER", "rustpy-xlsxwriter")

# The REST API (bangfu/api): token or session auth (CSRF on session writes), scoped like pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "bangfu.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "bangfu.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "ORDERING_PARAM": "ordering",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bangfu API",
    "DESCRIPTION": "结对帮扶管理系统接口。权限与管辖范围与网页相同;个人信息按权限打码。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from our own static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "bangfu.ledger.choices.ActivityKind",
        "PairingKindEnum": "bangfu.campaigns.choices.PairingKind",
        "FundSourceEnum": "bangfu.ledger.choices.FundSource",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
