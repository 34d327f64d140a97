"""gunicorn's settings for production, from the environment (deploy/bangfu.env).

    gunicorn -c python:bangfu.gunicorn_conf bangfu.wsgi

Pages are CPU-bound Python with short database waits, so the default is one synchronous worker
per core plus one; a worker is replaced after a bounded number of requests to cap memory growth
(large exports and imports build big objects), and a request running past the timeout is killed
rather than left to hold a worker.
"""

import os

bind = os.environ.get("BANGFU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("BANGFU_WEB_WORKERS") or (os.cpu_count() or 1) + 1)
threads = int(os.environ.get("BANGFU_WEB_THREADS", "1"))
timeout = int(os.environ.get("BANGFU_WEB_TIMEOUT", "120"))
graceful_timeout = 30
max_requests = int(os.environ.get("BANGFU_WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Only the reverse proxy on this machine may say the request came over HTTPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("BANGFU_ACCESS_LOG", "-") or None  # "" for none
errorlog = "-"
# Heartbeat files on a RAM disk: a worker on a slow disk is not taken for dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "bangfu"
# gunicorn ≥ 25's runtime control socket lives in $HOME (which the systemd unit hides) and is
# shared by every gunicorn of the user; systemctl reload/restart does its work.
control_socket_disable = True
