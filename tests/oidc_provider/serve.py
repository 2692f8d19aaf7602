"""Run the tests' identity provider: ``python -m tests.oidc_provider.serve PORT DATA_DIR``.

Makes an RSA signing key and an SQLite database in DATA_DIR, then serves on 127.0.0.1:PORT
until it is stopped (tests/conftest.py's ``oidc_provider`` fixture starts and stops it).
"""

import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def main() -> None:
    port, data = int(sys.argv[1]), Path(sys.argv[2])
    data.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (data / "signing-key.pem").write_bytes(pem)
    os.environ["OIDC_PROVIDER_DATA"] = str(data)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

    import django  # after the settings' environment is set
    from django.core.management import call_command
    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    run("127.0.0.1", port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
