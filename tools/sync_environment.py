"""Write the versions of requirements/lock.txt into environment.yml's conda pins (``make lock`` runs it).

    python tools/sync_environment.py

Every ``- name==version`` line of environment.yml gets the lock's version of that package; comments,
order and the other lines stay as they are. A package that environment.yml pins but the lock does
not hold is an error.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
ENVIRONMENT = ROOT / "environment.yml"
_LOCKED = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)")
_PIN = re.compile(r"^(\s*-\s*)([A-Za-z0-9_.\-]+)==(\S+)\s*$")


def normalise(name: str) -> str:
    """A package name as PyPI compares them (PEP 503): lower case, runs of - _ . as one -."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(text: str) -> dict[str, str]:
    """``{name: version}`` of a lock file written by ``uv pip compile`` (one version per package)."""
    versions: dict[str, str] = {}
    for line in text.splitlines():
        m = _LOCKED.match(line)
        if m:
            versions[normalise(m.group(1))] = m.group(2)
    return versions


def synced(environment: str, versions: dict[str, str]) -> str:
    """``environment`` (the text of environment.yml) with every conda pin set to the lock's version."""
    out = []
    for line in environment.splitlines(keepends=True):
        m = _PIN.match(line)
        if m:
            name = normalise(m.group(2))
            if name not in versions:
                raise SystemExit(f"environment.yml pins {m.group(2)}, which {LOCK.relative_to(ROOT)} does not hold")
            line = f"{m.group(1)}{m.group(2)}=={versions[name]}\n"
        out.append(line)
    return "".join(out)


def main() -> int:
    text = ENVIRONMENT.read_text()
    new = synced(text, locked_versions(LOCK.read_text()))
    if new != text:
        ENVIRONMENT.write_text(new)
        print("environment.yml: pins updated to the lock")
    return 0


if __name__ == "__main__":
    sys.exit(main())
