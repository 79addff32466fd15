"""Download the real-code primer's third-party files at their recorded commits.

Reads manifest.toml; for each file (and each repository's license file) fetches
https://raw.githubusercontent.com/<repo>/<commit>/<path> into files/<owner>__<repo>/<path>
and checks the sha256 recorded for it. Files already present with the right hash are kept.
"""

from __future__ import annotations

import hashlib
import sys
import urllib.request
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"


def _get(repo: str, commit: str, path: str) -> bytes:
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def main() -> int:
    with open(HERE / "manifest.toml", "rb") as f:
        entries = tomllib.load(f)["file"]
    bad = 0
    licenses = {}
    for entry in entries:
        target = FILES / entry["local"]
        if not (target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == entry["sha256"]):
            data = _get(entry["repo"], entry["commit"], entry["path"])
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                print(f"sha256 mismatch: {entry['local']}", file=sys.stderr)
                bad += 1
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        licenses[entry["license_file"]] = (entry["repo"], entry["commit"])
    for local, (repo, commit) in licenses.items():
        target = FILES / local
        if not target.is_file():
            target.write_bytes(_get(repo, commit, local.split("/", 1)[1]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
