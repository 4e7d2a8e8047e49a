"""A local Hugging Face hub on 127.0.0.1: serves model repositories the way huggingface_hub reads them.

What it answers, as huggingface.co does (huggingface_hub 2.x, `file_download.py` / `hf_api.py`):
- `GET /api/models/<repo>[/revision/<rev>][?blobs=true]`: the model info (`sha`, `siblings` with size,
  blob id and LFS metadata); `GET /api/models/<repo>/tree/<rev>`: the file listing `snapshot_download`
  reads.
- `HEAD|GET /<repo>/resolve/<rev>/<file>`: a small (git) file answers 307 to the same host's
  `/api/resolve-cache/models/<repo>/<commit>/<file>`, which answers with `ETag` (the git blob id),
  `X-Repo-Commit` and the bytes; an LFS file (weights) answers 302 to a *different origin* (the "CDN", a
  second port) with `X-Linked-Etag` (sha256), `X-Linked-Size` and `X-Repo-Commit` on the redirect
  itself, and the CDN serves the bytes, honouring `Range` (huggingface_hub resumes a dropped download).
- `GET /api/agent-harnesses`: the registry huggingface_hub fetches (at most once a day, into HF_HOME) to
  recognise AI agents in its user agent.
- Errors carry `X-Error-Code` (RepoNotFound → 401, RevisionNotFound / EntryNotFound → 404).

Faults are injected per path fragment: `fail(fragment, status, times)` answers an HTTP error,
`drop(fragment, after_bytes, times)` closes the connection in the middle of a body. Every request is
recorded (`requests`), so a test can tell that something did *not* touch the network.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES: Final = (".safetensors", ".bin", ".h5", ".msgpack", ".ot")
_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


@dataclass(frozen=True)
class RepoFile:
    """One file of a repository; weights are stored in LFS, as on the hub."""

    path: str
    data: bytes

    @property
    def lfs(self) -> bool:
        return self.path.endswith(LFS_SUFFIXES)

    @property
    def blob_id(self) -> str:
        """git's object id of the file."""
        return hashlib.sha1(b"blob %d\0" % len(self.data) + self.data).hexdigest()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Repo:
    """A model repository with one commit on `main`."""

    repo_id: str
    files: dict[str, RepoFile]
    commit: str = ""

    def __post_init__(self) -> None:
        if not self.commit:
            digest = hashlib.sha1(self.repo_id.encode())
            for name in sorted(self.files):
                digest.update(name.encode() + self.files[name].blob_id.encode())
            self.commit = digest.hexdigest()

    @classmethod
    def from_dir(cls, repo_id: str, directory: Path) -> Repo:
        """Every file under directory, by its path relative to it."""
        files = {
            p.relative_to(directory).as_posix(): RepoFile(p.relative_to(directory).as_posix(), p.read_bytes())
            for p in sorted(directory.rglob("*"))
            if p.is_file()
        }
        return cls(repo_id, files)

    def info(self, blobs: bool) -> dict[str, object]:
        """The JSON of /api/models/<repo>: siblings carry size, blob id and LFS data when blobs is set."""
        siblings: list[dict[str, object]] = []
        for item in self.files.values():
            sibling: dict[str, object] = {"rfilename": item.path}
            if blobs:
                sibling.update(size=len(item.data), blobId=item.blob_id)
                if item.lfs:
                    sibling["lfs"] = {"size": len(item.data), "sha256": item.sha256, "pointerSize": 134}
            siblings.append(sibling)
        return {
            "id": self.repo_id,
            "modelId": self.repo_id,
            "sha": self.commit,
            "private": False,
            "disabled": False,
            "gated": False,
            "tags": [],
            "siblings": siblings,
        }

    def tree(self) -> list[dict[str, object]]:
        """The JSON of /api/models/<repo>/tree/<rev>?recursive=true."""
        entries: list[dict[str, object]] = []
        for item in self.files.values():
            entry: dict[str, object] = {
                "type": "file",
                "oid": item.blob_id,
                "size": len(item.data),
                "path": item.path,
            }
            if item.lfs:
                entry["lfs"] = {"oid": item.sha256, "size": len(item.data), "pointerSize": 134}
            entries.append(entry)
        return entries


@dataclass
class _Fault:
    fragment: str
    times: int
    status: int = 0  # HTTP status to answer, or 0: drop the connection after `after` body bytes
    after: int = 0


@dataclass
class HubState:
    """What the servers share: the repositories, the injected faults, the log of requests."""

    repos: dict[str, Repo] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    cdn_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str) -> _Fault | None:
        """Log a request; return (and count down) the first fault whose fragment is in its path."""
        with self.lock:
            self.requests.append((method, path))
            for fault in self.faults:
                if fault.times > 0 and fault.fragment in path:
                    fault.times -= 1
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    """Routes one request of the hub or of its CDN."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # the test output stays quiet
        pass

    def do_HEAD(self) -> None:
        self._route(body=False)

    def do_GET(self) -> None:
        self._route(body=True)

    def _route(self, body: bool) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        path = unquote(url.path)
        fault = state.record(self.command, self.path)
        if fault is not None and fault.status:
            self._send(fault.status, b"injected failure", {"X-Error-Message": "injected failure"}, body)
            return
        if self.server.cdn:
            self._cdn(path, body, fault)
        elif path == "/api/agent-harnesses":
            registry = {"standardEnvVars": ["AI_AGENT", "AGENT"], "harnesses": {}}
            self._send(200, json.dumps(registry).encode(), {"Content-Type": "application/json"}, body)
        elif path.startswith("/api/resolve-cache/models/"):
            self._resolve_cache(path.removeprefix("/api/resolve-cache/models/"), body, fault)
        elif path.startswith("/api/models/"):
            self._api(path.removeprefix("/api/models/"), "blobs=true" in url.query.lower())
        elif "/resolve/" in path:
            self._resolve(path, body)
        else:
            self._send(404, b"not found", {}, body)

    def _repo(self, repo_id: str, body: bool = True) -> Repo | None:
        repo = self.server.state.repos.get(repo_id)
        if repo is None:
            self._send(
                401,
                b"Repository not found",
                {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"},
                body,
            )
        return repo

    def _revision_ok(self, repo: Repo, revision: str, body: bool) -> bool:
        if revision in ("main", repo.commit):
            return True
        self._send(
            404,
            b"Invalid rev id",
            {"X-Error-Code": "RevisionNotFound", "X-Error-Message": f"Invalid rev id: {revision}"},
            body,
        )
        return False

    def _api(self, rest: str, blobs: bool) -> None:
        tree = re.fullmatch(r"(.+?)/tree/([^/]+)(?:/.*)?", rest)
        revision = re.fullmatch(r"(.+?)/revision/([^/]+)", rest)
        match = tree or revision
        repo_id, rev = (match.group(1), match.group(2)) if match else (rest, "main")
        repo = self._repo(repo_id)
        if repo is None or not self._revision_ok(repo, rev, True):
            return
        payload = repo.tree() if tree else repo.info(blobs)
        self._send(200, json.dumps(payload).encode(), {"Content-Type": "application/json"}, True)

    def _resolve(self, path: str, body: bool) -> None:
        match = re.fullmatch(r"/(.+?)/resolve/([^/]+)/(.+)", path)
        if match is None:
            self._send(404, b"not found", {}, body)
            return
        repo_id, revision, name = match.groups()
        repo = self._repo(repo_id, body)
        if repo is None or not self._revision_ok(repo, revision, body):
            return
        item = repo.files.get(name)
        commit = {"X-Repo-Commit": repo.commit}
        if item is None:
            self._send(
                404,
                b"Entry not found",
                {**commit, "X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found"},
                body,
            )
        elif item.lfs:
            location = f"{self.server.state.cdn_url}/blobs/{item.sha256}?repo={repo_id}&file={name}"
            self._send(
                302,
                b"",
                {
                    **commit,
                    "Location": location,
                    "ETag": f'"{item.blob_id}"',
                    "X-Linked-Etag": f'"{item.sha256}"',
                    "X-Linked-Size": str(len(item.data)),
                },
                body,
            )
        else:
            location = f"/api/resolve-cache/models/{repo_id}/{repo.commit}/{name}"
            self._send(307, b"", {**commit, "Location": location, "ETag": f'"{item.blob_id}"'}, body)

    def _resolve_cache(self, rest: str, body: bool, fault: _Fault | None) -> None:
        match = re.fullmatch(r"(.+?)/([0-9a-f]{40})/(.+)", rest)
        repo = self.server.state.repos.get(match.group(1)) if match else None
        item = repo.files.get(match.group(3)) if repo and match and match.group(2) == repo.commit else None
        if repo is None or item is None:
            self._send(404, b"Entry not found", {"X-Error-Code": "EntryNotFound"}, body)
            return
        headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{item.blob_id}"', "Accept-Ranges": "bytes"}
        self._send_data(item.data, headers, body, fault)

    def _cdn(self, path: str, body: bool, fault: _Fault | None) -> None:
        sha = path.removeprefix("/blobs/")
        for repo in self.server.state.repos.values():
            for item in repo.files.values():
                if item.lfs and item.sha256 == sha:
                    self._send_data(item.data, {"ETag": f'"{sha}"', "Accept-Ranges": "bytes"}, body, fault)
                    return
        self._send(404, b"NoSuchKey", {}, body)

    def _send_data(self, data: bytes, headers: dict[str, str], body: bool, fault: _Fault | None) -> None:
        """Answer with data (a Range request with 206 and its part); a drop fault cuts the body short."""
        start, status = 0, 200
        match = _RANGE.match(self.headers.get("Range", ""))
        if match:
            start = int(match.group(1))
            end = int(match.group(2)) + 1 if match.group(2) else len(data)
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
            data, status = data[start:end], 206
        if fault is not None and body:  # promise the whole body, send part of it, hang up
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(data))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data[: fault.after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._send(status, data, headers, body)

    def _send(self, status: int, data: bytes, headers: dict[str, str], body: bool) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: HubState, cdn: bool) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state, self.cdn = state, cdn


class FakeHub:
    """The hub and its CDN on two ports of 127.0.0.1 (two origins, as huggingface.co and its CDN are)."""

    def __init__(self, *repos: Repo) -> None:
        self.state = HubState(repos={repo.repo_id: repo for repo in repos})
        self._servers = [_Server(self.state, cdn=False), _Server(self.state, cdn=True)]
        self.url = f"http://127.0.0.1:{self._servers[0].server_port}"
        self.state.cdn_url = f"http://127.0.0.1:{self._servers[1].server_port}"
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in self._servers]

    def __enter__(self) -> FakeHub:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    @property
    def requests(self) -> list[tuple[str, str]]:
        """(method, path and query) of every request so far, hub and CDN."""
        with self.state.lock:
            return list(self.state.requests)

    def fail(self, fragment: str, status: int = 503, times: int = 1_000_000) -> None:
        """Answer requests whose path contains fragment with an HTTP error (`times` of them)."""
        with self.state.lock:
            self.state.faults.append(_Fault(fragment, times, status=status))

    def drop(self, fragment: str, after_bytes: int, times: int = 1) -> None:
        """Hang up in the middle of the body of requests whose path contains fragment."""
        with self.state.lock:
            self.state.faults.append(_Fault(fragment, times, after=after_bytes))

    def heal(self) -> None:
        """Remove every injected fault."""
        with self.state.lock:
            self.state.faults.clear()


@contextmanager
def serving(*repos: Repo) -> Iterator[FakeHub]:
    """A running FakeHub for the block."""
    with FakeHub(*repos) as hub:
        yield hub
