#!/usr/bin/env python3
"""The demo lab as a user runs it: `deploy/lab` (binaries already built), the viewer in headless
Chromium against it (tests/web/viewer_e2e.mjs), every `deploy/lab scenario NAME --verify`
(each asserts the switches' end state, pruning after a 2 s hold-down included), then the lab's
stop on SIGINT (Ctrl-C): exit 0, and the three processes it started are gone.

    lab_test.py SOURCE_DIR BUILD_DIR NODE WEB_PACKAGE_DIR SCREENSHOT_DIR
"""

import importlib.machinery
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

source, build, node, package_dir, screenshots = sys.argv[1:]
SCENARIOS = ["vmotion-wave", "host-evacuation", "portgroup-vlan-change", "switch-failure",
             "manual-drift"]


def load_scenarios():
    path = os.path.join(source, "deploy", "lab-scenario")
    loader = importlib.machinery.SourceFileLoader("lab_scenario", path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


STATE = tempfile.mkdtemp(prefix="vmfabric-lab-test-")


def fail(message):
    for log in ("vmfabricd.log", "vcsim.log", "eos.log"):
        path = os.path.join(STATE, log)
        if os.path.exists(path):
            with open(path) as f:
                print(f"--- last lines of {log}:\n" + "".join(f.readlines()[-20:]), flush=True)
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def browser_check(lab_info, scenarios_module, lab):
    """viewer_e2e.mjs on the lab: draws it, highlights VLAN 120, follows a vMotion of web-05."""
    config = {"url": lab_info["api"] + "/", "token": lab_info["token"],
              "package_dir": package_dir, "screenshots": screenshots, "vm": "web-05",
              "vlan": 120}
    proc = subprocess.Popen([node, os.path.join(source, "tests/web/viewer_e2e.mjs"),
                             json.dumps(config)], stdout=subprocess.PIPE, text=True)
    last = ""
    for line in proc.stdout:
        print(f"  viewer: {line.rstrip()}", flush=True)
        last = line.strip()
        if last.startswith("migrate "):
            lab.vcenter("migrate", "web-05", "esx-a3.lab.local")
    if proc.wait(timeout=60) != 0 or last != "PASS":
        fail(f"the viewer check ended with \"{last}\"")


def main():
    if not os.path.exists("/usr/bin/chromium"):
        fail("/usr/bin/chromium is missing (deploy/bootstrap installs it)")
    state = STATE
    cmd = [os.path.join(source, "deploy/lab"), "--no-build", "--build", build, "--state", state,
           "--port", str(free_port()), "--vcsim-port", "0", "--eos-base-port", "0",
           "--eos-control-port", "0", "--prune-delay", "2"]
    started = time.monotonic()
    lab_proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    info_file = os.path.join(state, "lab.json")
    try:
        while not os.path.exists(info_file):
            if lab_proc.poll() is not None:
                fail(f"deploy/lab exited {lab_proc.returncode}:\n{lab_proc.stdout.read()}")
            if time.monotonic() - started > 90:
                fail("deploy/lab was not ready in 90 s")
            time.sleep(0.1)
        time.sleep(0.2)  # lab.json is written in one go; let the writer close it
        with open(info_file) as f:
            info = json.load(f)
        print(f"lab ready in {time.monotonic() - started:.1f} s", flush=True)

        scenarios = load_scenarios()
        lab = scenarios.Lab(state)
        scenarios.expect_state(lab, {}, 60)  # the initial plan is on the switches
        browser_check(info, scenarios, lab)

        for name in SCENARIOS:
            t0 = time.monotonic()
            done = subprocess.run([os.path.join(source, "deploy/lab"), "scenario", name,
                                   "--verify", "--state", state], text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            print(done.stdout, flush=True)
            if done.returncode != 0:
                fail(f"scenario {name} exited {done.returncode}")
            print(f"scenario {name}: ok in {time.monotonic() - t0:.1f} s", flush=True)
    finally:
        if lab_proc.poll() is None:
            lab_proc.send_signal(signal.SIGINT)
        rc = lab_proc.wait(timeout=60)
        output = lab_proc.stdout.read()
    if rc != 0:
        fail(f"deploy/lab exited {rc} on SIGINT:\n{output}")
    left = [pid for pid in info["children"] if alive(pid)]
    if left:
        fail(f"processes the lab started are still running after its stop: {left}")
    if os.path.exists(info_file):
        fail("lab.json is left behind after the stop")
    print("PASS", flush=True)


try:
    main()
finally:
    shutil.rmtree(STATE, ignore_errors=True)
