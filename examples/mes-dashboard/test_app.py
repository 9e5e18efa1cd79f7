"""Tests of the example dashboard with Flask's test client.

    cd examples/mes-dashboard && /usr/bin/python3.11 -m unittest -v
"""

import datetime
import json
import os
import sys
import tempfile
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mes_dashboard  # noqa: E402

TOKEN = "s3cret-token"
FLAG_KEYS = {
    "user", "ip", "timestamp", "worker_pid", "source", "manual_override",
    "override_acknowledged", "override_reason", "policy_state", "policy_decision",
    "runtime_contract_version",
}
POLICY_STATE = {
    "state": "cooldown", "allowed": False, "cooldown": True, "cooldown_remaining_seconds": 42,
    "blocked": False, "guarded_mode": False, "retry_budget_exhausted": False,
    "churn_exceeded": False, "attempts_in_window": 1, "retry_budget": 3, "churn_threshold": 3,
    "window_seconds": 600, "cooldown_seconds": 60,
}


class DashboardTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.run_dir = os.path.join(self.tmp.name, "run")
        os.mkdir(self.run_dir)
        self.flag = os.path.join(self.run_dir, "restart.flag")
        self.state = os.path.join(self.run_dir, "state.json")
        env = mock.patch.dict(os.environ, {
            "MES_ADMIN_TOKEN": TOKEN,
            "WATCHDOG_RESTART_FLAG": self.flag,
            "WATCHDOG_STATE_FILE": self.state,
            "RUNTIME_CONTRACT_VERSION": "2026.11-test",
        })
        env.start()
        self.addCleanup(env.stop)
        self.client = mes_dashboard.create_app().test_client()

    def auth(self, token=TOKEN):
        return {"Authorization": f"Bearer {token}"}

    def write_state(self, text):
        with open(self.state, "w", encoding="utf-8") as f:
            f.write(text)


class HealthTest(DashboardTestCase):
    def test_health(self):
        r = self.client.get("/health")
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.json, {"status": "ok", "pid": os.getpid(),
                                  "runtime_contract_version": "2026.11-test",
                                  "code_version": mes_dashboard.CODE_VERSION})

    def test_contract_version_defaults_to_the_dashboards(self):
        del os.environ["RUNTIME_CONTRACT_VERSION"]
        self.assertEqual(self.client.get("/health").json["runtime_contract_version"], "2026.02-p2")


class AuthTest(DashboardTestCase):
    def assert_unauthorized(self, method, url, headers):
        r = getattr(self.client, method)(url, headers=headers)
        self.assertEqual(r.status_code, 401, r.data)
        self.assertFalse(r.json["success"])
        self.assertFalse(os.path.exists(self.flag))

    def test_restart_without_header(self):
        self.assert_unauthorized("post", "/admin/api/worker/restart", {})

    def test_restart_with_wrong_token(self):
        self.assert_unauthorized("post", "/admin/api/worker/restart", self.auth("wrong"))

    def test_restart_with_other_scheme(self):
        self.assert_unauthorized("post", "/admin/api/worker/restart", {"Authorization": f"Basic {TOKEN}"})

    def test_restart_when_server_has_no_token(self):
        del os.environ["MES_ADMIN_TOKEN"]
        self.assert_unauthorized("post", "/admin/api/worker/restart", self.auth())

    def test_restart_when_server_token_is_empty(self):
        os.environ["MES_ADMIN_TOKEN"] = ""
        self.assert_unauthorized("post", "/admin/api/worker/restart", {"Authorization": "Bearer "})

    def test_status_without_token(self):
        self.assert_unauthorized("get", "/admin/api/worker/status", {})


class RestartTest(DashboardTestCase):
    def read_flag(self):
        with open(self.flag, encoding="utf-8") as f:
            return json.load(f)

    def test_flag_has_exactly_the_dashboards_keys(self):
        r = self.client.post("/admin/api/worker/restart", headers=self.auth())
        self.assertEqual(r.status_code, 202, r.data)
        self.assertEqual(set(r.json), {"success", "flag", "request_id"})
        self.assertEqual(r.json["flag"], self.flag)
        flag = self.read_flag()
        # The dashboard's keys, and the request_id the 202 and a 409 name it by.
        self.assertEqual(set(flag), FLAG_KEYS | {"request_id"})
        self.assertEqual(flag["request_id"], r.json["request_id"])
        self.assertEqual(flag["source"], "manual")
        self.assertEqual(flag["policy_decision"], "pending")
        self.assertIs(flag["manual_override"], False)
        self.assertIs(flag["override_acknowledged"], False)
        self.assertIsNone(flag["override_reason"])
        self.assertEqual(flag["policy_state"], {})
        self.assertEqual(flag["worker_pid"], os.getpid())
        self.assertEqual(flag["runtime_contract_version"], "2026.11-test")
        self.assertTrue(flag["timestamp"].endswith("+00:00"), flag["timestamp"])
        stamp = datetime.datetime.fromisoformat(flag["timestamp"])
        age = datetime.datetime.now(datetime.timezone.utc) - stamp
        self.assertLess(abs(age.total_seconds()), 60)

    def test_write_is_atomic_and_leaves_no_temporary_file(self):
        with mock.patch("os.fsync", wraps=os.fsync) as fsync, \
                mock.patch("os.link", wraps=os.link) as link:
            r = self.client.post("/admin/api/worker/restart", headers=self.auth())
        self.assertEqual(r.status_code, 202)
        self.assertEqual(os.listdir(self.run_dir), ["restart.flag"])
        # Linked from a whole file in the same directory, after an fsync.
        (src, dst), _ = link.call_args
        self.assertEqual(os.path.dirname(src), self.run_dir)
        self.assertEqual(dst, self.flag)
        self.assertGreaterEqual(fsync.call_count, 2)  # the file, then the directory
        self.assertEqual(os.stat(self.flag).st_mode & 0o777, 0o644)

    def test_a_pending_request_is_never_replaced_and_is_named(self):
        # Issue 10, defect 8: a rename over a pending, unclaimed flag lost that request.
        first = self.client.post("/admin/api/worker/restart", headers=self.auth())
        self.assertEqual(first.status_code, 202)
        before = self.read_flag()
        r = self.client.post("/admin/api/worker/restart", headers={**self.auth(), "X-Admin-User": "bob"})
        self.assertEqual(r.status_code, 409, r.data)
        self.assertFalse(r.json["success"])
        pending = r.json["pending"]
        self.assertEqual(pending["request_id"], first.json["request_id"])
        self.assertEqual(pending["user"], "admin")
        self.assertGreaterEqual(pending["age_seconds"], 0)
        self.assertLess(pending["age_seconds"], 60)
        self.assertEqual(self.read_flag(), before)
        self.assertEqual(os.listdir(self.run_dir), ["restart.flag"])

    def test_a_pending_flag_that_is_not_json_is_named_by_its_age(self):
        with open(self.flag, "w") as f:
            f.write("")
        r = self.client.post("/admin/api/worker/restart", headers=self.auth())
        self.assertEqual(r.status_code, 409)
        self.assertIsNone(r.json["pending"]["request_id"])
        self.assertIsNotNone(r.json["pending"]["age_seconds"])

    def test_a_flag_claimed_meanwhile_is_no_reason_to_refuse(self):
        # The watchdog claims the pending flag between the refusal and the look at it.
        with open(self.flag, "w") as f:
            f.write("{}")
        real_link = os.link
        calls = []

        def link_after_claim(src, dst):
            calls.append(dst)
            if len(calls) == 1:
                os.rename(self.flag, self.flag + ".claimed")
                raise FileExistsError(17, "File exists")
            return real_link(src, dst)

        with mock.patch("os.link", side_effect=link_after_claim):
            r = self.client.post("/admin/api/worker/restart", headers=self.auth())
        self.assertEqual(r.status_code, 202, r.data)
        self.assertEqual(len(calls), 2)

    def test_failed_write_leaves_no_flag_and_no_temporary_file(self):
        with mock.patch("os.link", side_effect=OSError(28, "No space left on device")), \
                self.assertLogs("mes_dashboard", "ERROR"):
            r = self.client.post("/admin/api/worker/restart", headers=self.auth())
        self.assertEqual(r.status_code, 500)
        self.assertFalse(r.json["success"])
        self.assertEqual(os.listdir(self.run_dir), [])

    def test_missing_directory_is_an_error(self):
        os.environ["WATCHDOG_RESTART_FLAG"] = os.path.join(self.tmp.name, "absent", "restart.flag")
        with self.assertLogs("mes_dashboard", "ERROR"):
            r = self.client.post("/admin/api/worker/restart", headers=self.auth())
        self.assertEqual(r.status_code, 500)
        self.assertIn("absent", r.json["error"])

    def test_override_fields_and_policy_state_of_last_restart(self):
        self.write_state(json.dumps({
            "last_restart": {"decision": "blocked", "policy_state": POLICY_STATE},
            "history": [], "history_limit": 50,
        }))
        r = self.client.post("/admin/api/worker/restart", headers=self.auth(), json={
            "reason": "stuck workers", "manual_override": True,
            "override_acknowledged": True, "override_reason": "incident 42",
        })
        self.assertEqual(r.status_code, 202, r.data)
        flag = self.read_flag()
        self.assertEqual(set(flag), FLAG_KEYS | {"request_id"})
        self.assertIs(flag["manual_override"], True)
        self.assertIs(flag["override_acknowledged"], True)
        self.assertEqual(flag["override_reason"], "incident 42")
        self.assertEqual(flag["policy_state"], POLICY_STATE)

    def test_unreadable_state_gives_empty_policy_state(self):
        self.write_state('{"last_restart": {"policy_state": {"sta')
        r = self.client.post("/admin/api/worker/restart", headers=self.auth())
        self.assertEqual(r.status_code, 202)
        self.assertEqual(self.read_flag()["policy_state"], {})

    def test_bad_bodies_are_rejected(self):
        for body in ("[1, 2]", "null", "{not json", '{"manual_override": "yes"}',
                     '{"override_reason": 5}'):
            with self.subTest(body=body):
                r = self.client.post("/admin/api/worker/restart", headers=self.auth(), data=body,
                                     content_type="application/json")
                self.assertEqual(r.status_code, 400, r.data)
                self.assertFalse(os.path.exists(self.flag))


class StatusTest(DashboardTestCase):
    def status(self):
        r = self.client.get("/admin/api/worker/status", headers=self.auth())
        self.assertEqual(r.status_code, 200, r.data)
        self.assertTrue(r.json["success"])
        self.assertEqual(r.json["data"]["runtime_contract_version"], "2026.11-test")
        return r.json["data"]

    def test_missing_state_file_is_empty_history(self):
        data = self.status()
        self.assertEqual(data["state"]["history"], [])
        self.assertIsNone(data["state"]["last_restart"])
        self.assertNotIn("state_error", data)
        self.assertFalse(data["restart_pending"])

    def test_state_file_is_returned(self):
        entry = {
            "requested_by": "admin", "requested_at": "2026-11-27T10:00:00+00:00",
            "requested_ip": "127.0.0.1", "completed_at": "2026-11-27T10:00:01+00:00",
            "success": True, "source": "manual", "decision": "executed",
            "decision_reason": "signal_sighup", "manual_override": False,
            "policy_state": POLICY_STATE,
        }
        state = {"last_restart": entry, "history": [entry], "history_limit": 50}
        self.write_state(json.dumps(state))
        data = self.status()
        self.assertEqual(data["state"], state)
        self.assertNotIn("state_error", data)

    def test_pending_flag_is_reported(self):
        self.client.post("/admin/api/worker/restart", headers=self.auth())
        self.assertTrue(self.status()["restart_pending"])

    def test_partial_or_invalid_state_reports_an_error(self):
        for text in ('{"last_restart": {"requested_by": "adm', "", "[]", '{"history": {}}',
                     '{"last_restart": 3}'):
            with self.subTest(text=text):
                self.write_state(text)
                data = self.status()
                self.assertIn("state_error", data)
                self.assertEqual(data["state"]["history"], [])


if __name__ == "__main__":
    unittest.main()
