"""Starts real national nodes (the built binary) in a temporary folder on free loopback ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from knooppunt_client import Client, Identity, Network

ROOT = Path(__file__).resolve().parents[3]
BINARY = os.environ.get("KNOOPPUNT_BIN", str(ROOT / ".build" / "debug" / "knooppunt"))
# Every wait is a poll with a deadline; slow machines scale them (as the Swift suite does).
SCALE = float(os.environ.get("KNOOPPUNT_TIME_SCALE", "1"))


def deadline(seconds: float) -> float:
    return seconds * SCALE


def free_port_pair() -> int:
    """A port P with P and P+1 free on loopback (the node endpoint and the one after it)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port > 65000:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two consecutive free loopback ports")


def etcd_binary() -> str:
    """etcd as the project's scripts install it (Debian's etcd-server), or KNOOPPUNT_ETCD_BIN."""
    for candidate in (os.environ.get("KNOOPPUNT_ETCD_BIN"), "/usr/bin/etcd", shutil.which("etcd")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("etcd is not installed: run scripts/setup.sh (it installs Debian's etcd-server)")


class Deployment:
    """A data folder with keys for every organisation and the node processes running on it:
    one node alone, or with `replicas` the national node's replicas on one etcd member
    (plain HTTP, loopback only; the node accepts that on loopback)."""

    def __init__(self, folder: Path, replicas: bool, extra: list[str]):
        if not Path(BINARY).exists():
            pytest.fail(f"no knooppunt binary at {BINARY}: build it or set KNOOPPUNT_BIN")
        self.folder, self.extra = folder, extra
        self.data = folder / "var"
        roles = ("primary", "backup", "third") if replicas else ("primary",)
        hosts = []
        for role in roles:
            hosts += [f"{role}:", "  host: 127.0.0.1", "  listen: 127.0.0.1", f"  port: {free_port_pair()}"]
        (folder / "hosts.yaml").write_text("\n".join(hosts) + "\n")
        subprocess.run([BINARY, "keys", "init", "--hosts", str(folder / "hosts.yaml"), "--dir", str(self.data)],
                       check=True, capture_output=True, timeout=deadline(30))
        self.network = Network.load(self.data / "network.json")
        self.processes: dict[str, subprocess.Popen] = {}
        self.clients: list[Client] = []
        self.etcd: subprocess.Popen | None = None
        if replicas:
            self._start_etcd()

    def _start_etcd(self) -> None:
        client, peer = free_port_pair(), free_port_pair()
        url, peer_url = f"http://127.0.0.1:{client}", f"http://127.0.0.1:{peer}"
        log = open(self.folder / "etcd.log", "ab")
        # The timings the project's own members use (EtcdCluster): a leader within a second.
        self.etcd = subprocess.Popen(
            [etcd_binary(), "--name", "m1", "--data-dir", str(self.folder / "etcd"),
             "--listen-client-urls", url, "--advertise-client-urls", url,
             "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
             "--initial-cluster", f"m1={peer_url}", "--initial-cluster-state", "new",
             "--heartbeat-interval", "50", "--election-timeout", "500", "--max-txn-ops", "512",
             "--experimental-watch-progress-notify-interval", "1000ms"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + deadline(30)
        while time.monotonic() < end:
            try:
                with socket.create_connection(("127.0.0.1", client), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("etcd did not start: " + (self.folder / "etcd.log").read_text(errors="replace")[-2000:])
        self.extra = self.extra + ["--etcd", url]

    def start(self, role: str) -> None:
        log = open(self.folder / f"node-{role}.log", "ab")
        self.processes[role] = subprocess.Popen(
            [BINARY, "node", "--dir", str(self.data), "--role", role, *self.extra],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def pause(self, role: str) -> None:
        self.processes[role].send_signal(signal.SIGSTOP)

    def kill(self, role: str) -> None:
        process = self.processes.pop(role)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=deadline(10))

    def client(self, organisation: str, role: str = "region") -> Client:
        client = Client(self.network, Identity.from_data_folder(organisation, self.data), role=role)
        self.clients.append(client)
        return client

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        for role, process in list(self.processes.items()):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=deadline(10))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if self.etcd is not None:
            self.etcd.send_signal(signal.SIGTERM)
            try:
                self.etcd.wait(timeout=deadline(10))
            except subprocess.TimeoutExpired:
                self.etcd.kill()
                self.etcd.wait()
            self.etcd = None

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.folder.glob("node-*.log")))


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """One standalone node. A catch-up limit of 1 makes every late joiner get a snapshot."""
    deployment = Deployment(tmp_path_factory.mktemp("standalone"), replicas=False, extra=["--catch-up-limit", "1"])
    deployment.start("primary")
    yield deployment
    deployment.stop()


@pytest.fixture
def fresh_node(tmp_path_factory):
    """A standalone node of its own, with the default catch-up limit."""
    deployment = Deployment(tmp_path_factory.mktemp("fresh"), replicas=False, extra=[])
    deployment.start("primary")
    yield deployment
    deployment.stop()


@pytest.fixture
def replicas(tmp_path_factory):
    """The national node's replicas on etcd: the primary and the backup run (the third is
    configured and down, as after a host loss), on one data folder."""
    deployment = Deployment(tmp_path_factory.mktemp("replicas"), replicas=True, extra=[])
    deployment.start("primary")
    deployment.start("backup")
    yield deployment
    deployment.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show the end of the node logs."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for name in ("node", "fresh_node", "replicas"):
            deployment = item.funcargs.get(name) if hasattr(item, "funcargs") else None
            if deployment is not None:
                report.sections.append((f"{name} logs", deployment.logs()))
