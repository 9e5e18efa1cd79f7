# Gunicorn settings of the example dashboard, shaped like the real one:
# a preloaded app with gthread workers, so SIGHUP re-forks the workers
# gracefully without re-importing in the master.
#
# No pidfile here: the unit passes `--pid`, so the PID file's path has one
# source, the contract. Everything that varies between deployments comes
# from the environment (the contract renders the environment file).
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8080")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = 2
preload_app = True
graceful_timeout = 10

# "-" sends the error log to stderr and the access log to stdout; under
# systemd both end up in the journal. Never name /dev/stderr: it is a socket
# there and cannot be opened.
errorlog = "-"
accesslog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
