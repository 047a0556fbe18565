"""gunicorn settings for `make serve` (gunicorn reads ./gunicorn.conf.py by itself).

Workers share nothing but the database: sessions, lockout counters and stored files are rows,
so any worker (on any host) can answer any request. Set DATABASE_URL to one PostgreSQL for all.
"""

import multiprocessing
import os

wsgi_app = "compliance:create_app()"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# The usual 2 x cores + 1 sync workers: requests are short and mostly wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# The evidence package and large reports take seconds, not minutes.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# Recycle workers now and then, so a slow leak in a dependency never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
# Behind a reverse proxy, X-Forwarded-* is trusted by the app itself (PROXY_COUNT, ProxyFix);
# gunicorn's own check would only ever see the proxy's address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """The app is loaded: its modules, mappers and routes live as long as the worker, so the
    collector stops scanning them (each full collection then walks only what requests made)."""
    import gc

    gc.freeze()
