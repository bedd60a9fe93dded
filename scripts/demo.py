"""Start JupyterLab on the demo notebook, printing (and, where a browser exists, opening)
the notebook's own URL rather than the Launcher's.

    python scripts/demo.py [--port 8888] [--root DIR] [--dry-run] NOTEBOOK

The file browser starts at ``--root`` (default: the folder above the project, so the
project and the data beside it are reachable); the server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--root", type=Path, default=Path.cwd().resolve().parent)
    parser.add_argument("--dry-run", action="store_true", help="print, do not start")
    args = parser.parse_args(argv)
    notebook, root = args.notebook.resolve(), args.root.resolve()
    if not notebook.is_file():
        parser.error(f"no notebook at {notebook}")
    if not notebook.is_relative_to(root):
        parser.error(f"the notebook {notebook} is not inside the file browser's root {root}")
    token = secrets.token_hex(24)
    path = "/lab/tree/" + quote(notebook.relative_to(root).as_posix())
    url = f"http://127.0.0.1:{args.port}{path}?token={token}"
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={args.port}",
        "--ServerApp.port_retries=0",  # the printed URL must be the one served
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.default_url={path}",
        f"--IdentityProvider.token={token}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    print(f"Starting JupyterLab on {notebook.name} ...", flush=True)
    banner = f"\n  cocowidget demo: open {url}\n  (file browser root: {root})\n"
    if args.dry_run:
        print(banner)
        print(" ".join(command))
        return 0
    server = subprocess.Popen(command)
    try:
        # Said again once the server answers, below JupyterLab's own start-up lines
        # (which name the Launcher's URL, not the notebook's).
        print(
            banner if _wait_until_up(args.port, server) else "JupyterLab did not start", flush=True
        )
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        return server.wait()


def _wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False


if __name__ == "__main__":
    sys.exit(main())
