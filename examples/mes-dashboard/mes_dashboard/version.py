"""The version of this code, as /health reports it.

Read once, when the app is imported: a gunicorn master with preload_app keeps it through SIGHUP,
so a new value in /health proves that new code took over (a restart or a zero-downtime swap).
"""

CODE_VERSION = "1"
