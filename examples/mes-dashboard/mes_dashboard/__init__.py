"""A small stand-in for the MES dashboard: its operational endpoints only.

It keeps the real dashboard's environment variable names, restart flag and
state formats (docs/dashboard-compat.md of conda-systemd), because every
end-to-end test of conda-systemd uses it where the real dashboard would run.

    GET  /health                     200 {"status": "ok", "pid", "runtime_contract_version",
                                     "code_version"};
                                     503 in maintenance (MES_DASHBOARD_MAINTENANCE set)
    POST /admin/api/worker/restart   writes the restart flag, 202 {"request_id"}; 409 with the
                                     pending request's id, user and age when one waits
    GET  /admin/api/worker/status    reads the watchdog's state file, 200

The admin endpoints want `Authorization: Bearer <MES_ADMIN_TOKEN>`.

Settings are read from the environment at each request, not at start-up,
so what a request sees is what the process was started with (and tests can
vary it).
"""

import datetime
import hmac
import json
import logging
import os
import tempfile
import uuid

from flask import Flask, jsonify, request

from mes_dashboard.version import CODE_VERSION

# The dashboard's defaults (dashboard-compat.md, section 2).
DEFAULT_CONTRACT_VERSION = "2026.02-p2"
DEFAULT_HISTORY_MAX = 50
FLAG_NAME = "mes_dashboard_restart.flag"
STATE_NAME = "mes_dashboard_restart_state.json"

log = logging.getLogger("mes_dashboard")


def _root():
    default = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("MES_DASHBOARD_ROOT") or default


def _resolve(path):
    # The dashboard resolves relative paths against its root, not the
    # working directory.
    return path if os.path.isabs(path) else os.path.join(_root(), path)


def runtime_dir():
    return _resolve(os.environ.get("WATCHDOG_RUNTIME_DIR") or "tmp")


def restart_flag_path():
    return _resolve(os.environ.get("WATCHDOG_RESTART_FLAG") or os.path.join(runtime_dir(), FLAG_NAME))


def state_file_path():
    return _resolve(os.environ.get("WATCHDOG_STATE_FILE") or os.path.join(runtime_dir(), STATE_NAME))


def contract_version():
    return os.environ.get("RUNTIME_CONTRACT_VERSION") or DEFAULT_CONTRACT_VERSION


def history_limit():
    try:
        return max(1, int(os.environ.get("WATCHDOG_RESTART_HISTORY_MAX", DEFAULT_HISTORY_MAX)))
    except ValueError:
        return DEFAULT_HISTORY_MAX


def utc_now():
    # Aware UTC, so isoformat() ends in +00:00: naive local timestamps were a
    # defect of the real dashboard (8 h skew on a UTC+8 host).
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def _error(status, message):
    return jsonify({"success": False, "error": message}), status


def _authorized():
    expected = os.environ.get("MES_ADMIN_TOKEN", "")
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


class StateError(Exception):
    pass


def read_state():
    """The watchdog's state file as a dict; StateError when unusable.

    A missing file is a normal empty state (no restart happened yet).
    """
    path = state_file_path()
    empty = {"last_restart": None, "history": [], "history_limit": history_limit()}
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return empty
    except OSError as e:
        raise StateError(f"cannot read {path}: {e.strerror}") from e
    try:
        state = json.loads(text)
    except ValueError as e:
        raise StateError(f"{path} is not valid JSON ({e}); it may be partially written") from e
    if not isinstance(state, dict):
        raise StateError(f"{path} holds a JSON {type(state).__name__}, expected an object")
    if not isinstance(state.get("history", []), list):
        raise StateError(f"{path}: 'history' is not a list")
    if state.get("last_restart") is not None and not isinstance(state["last_restart"], dict):
        raise StateError(f"{path}: 'last_restart' is not an object")
    state.setdefault("last_restart", None)
    state.setdefault("history", [])
    state.setdefault("history_limit", history_limit())
    return state


def last_policy_state():
    try:
        last = read_state().get("last_restart") or {}
    except StateError:
        return {}
    policy = last.get("policy_state")
    return policy if isinstance(policy, dict) else {}


def place_flag(path, data):
    """Puts the flag in place unless a request is already pending there.

    True when placed; False when a flag is there (never replaced: a rename
    over it would silently drop that request). The flag is written whole
    to a temporary file first, then linked to its name: link(2) is atomic
    and fails with EEXIST where rename(2) would replace.
    """
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o644)
            json.dump(data, f, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True


def pending_request(path):
    """What the flag waiting at `path` asks for: request_id, user, age_seconds.

    None when there is no flag any more (the watchdog claimed it). A flag
    that is not the JSON we write still names itself by its age.
    """
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(65536)
        age = max(0.0, datetime.datetime.now().timestamp() - os.stat(path).st_mtime)
    except FileNotFoundError:
        return None
    except OSError:
        return {"request_id": None, "user": None, "age_seconds": None}
    try:
        flag = json.loads(text)
    except ValueError:
        flag = None
    if not isinstance(flag, dict):
        flag = {}
    stamp = flag.get("timestamp")
    if isinstance(stamp, str):
        try:
            when = datetime.datetime.fromisoformat(stamp)
            if when.tzinfo is None:
                when = when.replace(tzinfo=datetime.timezone.utc)
            age = max(0.0, (datetime.datetime.now(datetime.timezone.utc) - when).total_seconds())
        except ValueError:
            pass
    return {"request_id": flag.get("request_id"), "user": flag.get("user"), "age_seconds": round(age, 3)}


def _body():
    """The optional JSON body, validated; (fields, None) or (None, error)."""
    if not request.get_data():
        return {}, None
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, "the request body must be a JSON object"
    for key in ("manual_override", "override_acknowledged"):
        if key in body and not isinstance(body[key], bool):
            return None, f"'{key}' must be true or false"
    for key in ("reason", "override_reason"):
        if body.get(key) is not None and not isinstance(body[key], str):
            return None, f"'{key}' must be a string or null"
    return body, None


def create_app():
    app = Flask(__name__)

    # Under gunicorn, log through its error log (stderr, so the journal);
    # elsewhere (tests) logging keeps its defaults.
    gunicorn_log = logging.getLogger("gunicorn.error")
    if gunicorn_log.handlers and not log.handlers:
        log.handlers = list(gunicorn_log.handlers)
        log.setLevel(gunicorn_log.level)
        log.propagate = False

    @app.get("/health")
    def health():
        # Maintenance answers 503 so that load balancers (and conda-systemd's deploy gate) take
        # this instance out of service while it still runs.
        reason = os.environ.get("MES_DASHBOARD_MAINTENANCE", "")
        if reason:
            return jsonify({"status": "maintenance", "reason": reason, "pid": os.getpid()}), 503
        return jsonify(
            {
                "status": "ok",
                "pid": os.getpid(),
                "runtime_contract_version": contract_version(),
                "code_version": CODE_VERSION,
            }
        )

    @app.post("/admin/api/worker/restart")
    def request_restart():
        if not _authorized():
            return _error(401, "admin token missing or invalid")
        body, problem = _body()
        if problem:
            return _error(400, problem)

        flag = {
            "user": request.headers.get("X-Admin-User") or "admin",
            "ip": request.remote_addr,
            "timestamp": utc_now(),
            "worker_pid": os.getpid(),
            "source": "manual",
            "manual_override": body.get("manual_override", False),
            "override_acknowledged": body.get("override_acknowledged", False),
            "override_reason": body.get("override_reason"),
            "policy_state": last_policy_state(),
            # The watchdog applies the policy; the app only asks.
            "policy_decision": "pending",
            "runtime_contract_version": contract_version(),
        }
        path = restart_flag_path()
        flag["request_id"] = "app-" + uuid.uuid4().hex
        # A pending request is never replaced: the caller is told which one waits. The flag
        # may be claimed between the refusal and the look at it; then try again.
        for _ in range(5):
            try:
                placed = place_flag(path, flag)
            except OSError as e:
                log.error("restart request from %s not recorded: %s", flag["user"], e)
                return _error(500, f"cannot write the restart flag {path}: {e.strerror}")
            if placed:
                break
            pending = pending_request(path)
            if pending is not None:
                log.info("restart request from %s refused: request %s of %s is pending",
                         flag["user"], pending["request_id"], pending["user"])
                return jsonify({
                    "success": False,
                    "error": "another restart request is pending; try again once it is decided",
                    "pending": pending,
                }), 409
        else:
            return _error(503, "the restart flag kept changing; try again")
        log.info(
            "restart %s requested by %s from %s (reason: %s), flag %s",
            flag["request_id"], flag["user"], flag["ip"], body.get("reason") or "-", path,
        )
        return jsonify({"success": True, "flag": path, "request_id": flag["request_id"]}), 202

    @app.get("/admin/api/worker/status")
    def worker_status():
        if not _authorized():
            return _error(401, "admin token missing or invalid")
        data = {"runtime_contract_version": contract_version()}
        try:
            data["state"] = read_state()
        except StateError as e:
            # Report it, never crash: an operator looks at this page exactly
            # when something is wrong.
            data["state"] = {"last_restart": None, "history": [], "history_limit": history_limit()}
            data["state_error"] = str(e)
        data["restart_pending"] = os.path.exists(restart_flag_path())
        return jsonify({"success": True, "data": data})

    return app
