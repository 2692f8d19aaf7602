# Tandem's production image: one image for every role. The default command serves the web app
# with gunicorn; docker-compose.yml runs the same image as the Celery worker, Celery beat and
# the one-shot `migrate`. Configuration comes from the environment (PRODUCT.md section 6).
#
#   docker build -t tandem .
#   docker run --env SECRET_KEY=... --env DATABASE_URL=postgres://... -p 8000:8000 tandem

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    WEB_CONCURRENCY=3

# The app runs as an unprivileged user that owns nothing but var/ (beat's schedule file,
# var/media: uploaded files when no S3 bucket is configured).
RUN groupadd --system --gid 10001 tandem \
    && useradd --system --uid 10001 --gid tandem --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin tandem

# WeasyPrint (the plan as a PDF) draws text with Pango, in fonts the image must carry.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The locked dependencies (requirements.lock: every package pinned with its hashes), in a layer
# of their own so that a code change does not reinstall them. The project itself is not
# installed: it runs from /app (PYTHONPATH), where templates/ and static/ live beside the
# packages.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY . .

# The code is owned by root and read-only to the app, so its bytecode is compiled now.
RUN python -m compileall -q .

# Static files are collected (and compressed, and given hashed names) at build time. The
# production settings refuse to load without a long SECRET_KEY, so the build lends them a
# throwaway one; it exists only in this RUN's environment and signs nothing.
RUN SECRET_KEY=collectstatic-at-build-time-only-this-key-is-never-used-to-sign-anything \
    DEBUG=false \
    SITE_URL=https://build.invalid \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/build.sqlite3 \
    && mkdir -p var/media \
    && chown tandem:tandem var var/media

# Numeric, so that orchestrators can verify that it is not root.
USER 10001:10001

EXPOSE 8000

# /healthz answers 200 when the database (and Redis, when configured) answer. The probe
# presents itself as SITE_URL's host, behind an HTTPS proxy, so that neither ALLOWED_HOSTS nor
# SECURE_SSL_REDIRECT turns it away. urlopen raises (exit status 1) on anything but 2xx.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.parse as p, urllib.request as r; \
s = p.urlsplit(os.environ.get('SITE_URL', '')); \
r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={ \
'Host': s.netloc or 'localhost', 'X-Forwarded-Proto': s.scheme or 'http'}), timeout=8)"]

# WEB_CONCURRENCY (above) sets the number of workers; the heartbeat files live in memory.
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--no-control-socket", \
     "--access-logfile", "-"]
