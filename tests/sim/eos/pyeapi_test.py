#!/usr/bin/python3
"""Arista's pyeapi, unchanged, against vmfabric-eos over HTTP and HTTPS.

Usage: pyeapi_test.py VMFABRIC_EOS_BINARY TOPOLOGY_JSON
Starts the emulator per test (plain HTTP, then HTTPS with a self-signed certificate made with the
openssl CLI), talks to it with pyeapi.connect(..., return_node=True) and kills it in tearDown.
"""
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import pyeapi  # a missing python3-pyeapi fails the test run, as it should
import pyeapi.eapilib

BINARY = None
TOPOLOGY = None
READY_TIMEOUT_S = 30


def read_line(stream, timeout_s):
    """The next line of `stream`, or None at EOF or after `timeout_s` seconds."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not selector.select(remaining):
            return None
        chunk = os.read(stream.fileno(), 1)
        if not chunk:
            return None
        line += chunk
    return line.decode()


def make_self_signed_cert(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return cert, key


class EmulatorTestBase:
    """The pyeapi scenarios; subclasses choose the transport."""
    transport = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pyeapi-test-")
        args = [BINARY, "--topology", TOPOLOGY, "--listen", "127.0.0.1",
                "--user", "admin:admin", "--user", "viewer:view:ro"]
        if self.transport == "https":
            cert, key = make_self_signed_cert(self.tmp)
            args += ["--tls-cert", cert, "--tls-key", key]
        self.stderr = open(os.path.join(self.tmp, "stderr.log"), "w+b")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.stderr)
        line = read_line(self.process.stdout, READY_TIMEOUT_S)
        if line is None:
            self.stderr.seek(0)
            self.fail("vmfabric-eos did not start: " + self.stderr.read().decode())
        self.ready = json.loads(line)
        self.assertEqual(self.ready["tls"], self.transport == "https")

    def tearDown(self):
        self.process.kill()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def node(self, switch="leaf1a", username="admin", password="admin"):
        return pyeapi.connect(transport=self.transport, host="127.0.0.1",
                              port=self.ready["switches"][switch], username=username,
                              password=password, return_node=True)

    @staticmethod
    def vlans(node):
        return node.enable("show vlan")[0]["result"]["vlans"]

    def test_show_version(self):
        result = self.node().enable("show version")[0]
        self.assertEqual(result["command"], "show version")
        self.assertEqual(result["encoding"], "json")
        self.assertIn("modelName", result["result"])
        self.assertIn("version", result["result"])

    def test_enable_runs_a_command_list(self):
        results = self.node().enable(["show vlan", "show interfaces switchport"])
        self.assertEqual([r["command"] for r in results],
                         ["show vlan", "show interfaces switchport"])
        self.assertIn("10", results[0]["result"]["vlans"])
        self.assertIn("switchports", results[1]["result"])

    def test_config_adds_a_vlan(self):
        node = self.node()
        node.config(["vlan 300", "name web"])
        self.assertEqual(self.vlans(node)["300"]["name"], "web")

    def test_config_session_commit(self):
        node = self.node()
        node.configure_session()
        node.config(["vlan 301", "name app"])
        self.assertNotIn("301", self.vlans(node))
        diff = node.diff().splitlines()
        self.assertEqual(diff[0], "--- system:/running-config")
        self.assertIn("+vlan 301", diff)
        self.assertIn("+   name app", diff)
        node.commit()
        self.assertEqual(self.vlans(node)["301"]["name"], "app")

    def test_config_session_abort(self):
        node = self.node()
        node.configure_session()
        node.config(["vlan 302", "name scratch"])
        node.abort()
        self.assertNotIn("302", self.vlans(self.node()))

    def test_vlans_api(self):
        vlan = self.node().api("vlans").get(10)
        self.assertEqual(str(vlan["vlan_id"]), "10")
        self.assertEqual(vlan["name"], "mgmt")

    def test_switchports_api(self):
        switchports = self.node().api("switchports").getall()
        self.assertEqual(switchports["Ethernet1"]["mode"], "trunk")
        self.assertEqual(switchports["Ethernet1"]["trunk_allowed_vlans"], "10")

    def test_bad_command_raises_command_error_1002(self):
        with self.assertRaises(pyeapi.eapilib.CommandError) as raised:
            self.node().enable("show bogus thing")
        self.assertEqual(raised.exception.error_code, 1002)
        self.assertIn("'show bogus thing' failed", raised.exception.error_text)
        self.assertIn("Invalid input", raised.exception.command_error)

    def test_read_only_user_cannot_configure(self):
        with self.assertRaises(pyeapi.eapilib.CommandError) as raised:
            self.node(username="viewer", password="view").config(["vlan 303"])
        self.assertEqual(raised.exception.error_code, 1005)

    def test_bad_password_raises_connection_error(self):
        with self.assertRaises(pyeapi.eapilib.ConnectionError):
            self.node(password="wrong").enable("show version")


class HttpTest(EmulatorTestBase, unittest.TestCase):
    transport = "http"


class HttpsTest(EmulatorTestBase, unittest.TestCase):
    transport = "https"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: pyeapi_test.py VMFABRIC_EOS_BINARY TOPOLOGY_JSON")
    BINARY, TOPOLOGY = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
