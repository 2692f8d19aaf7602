"""The tests' identity provider as a running process (tests/conftest.py's ``oidc_provider``)."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    """A port nobody listens on (the kernel's choice); OIDC_PROVIDER_PORT picks one by hand."""
    if os.environ.get("OIDC_PROVIDER_PORT"):
        return int(os.environ["OIDC_PROVIDER_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    url: str
    process: subprocess.Popen = field(repr=False)

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def register(self, *, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        """Tandem as a confidential client of the provider (code flow, RS256, no consent)."""
        self._setup(
            {
                "client": {
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "redirect_uris": redirect_uris,
                }
            }
        )

    def person(self, email: str, password: str, name: str = "", verified: bool = True) -> None:
        self._setup(
            {"people": [{"email": email, "password": password, "name": name, "verified": verified}]}
        )

    def _setup(self, body: dict) -> None:
        response = requests.post(f"{self.url}/test/setup/", json=body, timeout=10)
        response.raise_for_status()


def start(data: Path) -> Provider:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve", str(port), str(data)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(data.parent / "idp.log", "wb"),  # noqa: SIM115  (closed with the process)
    )
    provider = Provider(url=f"http://127.0.0.1:{port}", process=process)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            log = (data.parent / "idp.log").read_text(errors="replace")
            raise RuntimeError(f"the test identity provider stopped:\n{log[-3000:]}")
        try:
            answer = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2)
            if answer.status_code == 200:
                return provider
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            stop(provider)
            raise RuntimeError("the test identity provider did not answer within a minute")
        time.sleep(0.2)


def stop(provider: Provider) -> None:
    provider.process.terminate()
    try:
        provider.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        provider.process.kill()
        provider.process.wait()
