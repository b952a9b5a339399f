"""The running app serves no file outside Gradio's own upload folder: not /etc/passwd, the corpus, the index or
the data dir, whatever the path trick, and not even when GRADIO_ALLOWED_PATHS names those folders."""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
ROUTE = "/gradio_api/file="  # gradio 5/6: the file route lives under /gradio_api


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written: no client-side normalisation of '..' or '%2f'."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _variants(target: str) -> list[str]:
    return [target, quote(target, safe=""), quote(target, safe="/"), target.replace("/", "%2f"),
            target.replace("../", "..%2f"), target.replace("../", "%2e%2e/"), target.replace("../", "..%252f")]


def _secrets(services) -> dict[Path, bytes]:
    """Files that must never be served -> bytes that would show they were."""
    settings = services.settings
    services.progress.history("default")  # creates <data_dir>/progress.sqlite
    secrets = {
        Path("/etc/passwd"): b"root:",
        (settings.corpus_dir / "companies/amazon.md").resolve(): b"Bar Raiser",
        (settings.data_dir / "progress.sqlite").resolve(): b"SQLite format 3",
        next(settings.index_dir.resolve().rglob("chunks.jsonl")): b'"chunk_id"',
        (REPO / "corpus/registry.yaml").resolve(): b"companies:",
        (REPO / "pyproject.toml").resolve(): b"[project]",
    }
    for path in secrets:
        assert path.is_file(), path
    return secrets


def _upload_and_fetch(url: str) -> None:
    """Positive control: the route under test does serve what Gradio itself stored."""
    response = httpx.post(f"{url}/gradio_api/upload", files={"files": ("note.txt", b"uploaded marker 42", "text/plain")},
                          timeout=30)
    assert response.status_code == 200, response.text
    status, body = raw_get(url, ROUTE + quote(response.json()[0], safe="/"))
    assert status == 200 and body == b"uploaded marker 42"


def test_app_serves_no_file_outside_its_upload_folder(fake_app) -> None:
    url, services = fake_app
    _upload_and_fetch(url)
    secrets = _secrets(services)
    corpus = services.settings.corpus_dir
    targets = [str(p) for p in secrets] + [
        "corpus/registry.yaml",  # relative to the working directory the app runs in
        "pyproject.toml",
        "../../../../../../../../etc/passwd",
        f"{corpus}/../../../../../../../../etc/passwd",
        f"{corpus}/companies/../../../../../../../../../etc/passwd",
        "/tmp/gradio/../../etc/passwd",
        "file:///etc/passwd",
    ]
    served: list[str] = []
    for target in targets:
        for variant in _variants(target):
            for route in (ROUTE, "/file=", "/gradio_api/file/"):
                status, body = raw_get(url, route + variant)
                if any(marker in body for marker in secrets.values()):
                    served.append(f"{route}{variant} -> {status}")
                if route == ROUTE:
                    assert status in (400, 403, 404), f"{route}{variant}: HTTP {status}"
    assert served == []


def test_allowed_paths_from_the_environment_cannot_expose_private_folders(settings, monkeypatch: pytest.MonkeyPatch,
                                                                            request: pytest.FixtureRequest) -> None:
    private = [settings.corpus_dir, settings.data_dir, settings.index_dir]
    monkeypatch.setenv("GRADIO_ALLOWED_PATHS", ",".join(str(Path(d).resolve()) for d in private))
    url, services = request.getfixturevalue("fake_app")
    _upload_and_fetch(url)
    for path, marker in _secrets(services).items():
        status, body = raw_get(url, ROUTE + str(path))
        assert status == 403 and marker not in body, f"{path}: HTTP {status}"


def test_the_app_never_fetches_a_remote_url_for_a_request(fake_app, monkeypatch: pytest.MonkeyPatch) -> None:
    """Gradio's file route fetches http(s) URLs itself; rag_coach refuses before it does.

    A local HTTP server stands in for "the internet", and Gradio's public-address check is told to
    accept it, so without the guard the server would be reached (it was, before the guard).
    """
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import safehttpx

    hits: list[str] = []

    class Remote(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            hits.append(self.path)
            body = b"remote bytes"
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    remote = ThreadingHTTPServer(("127.0.0.1", 0), Remote)
    threading.Thread(target=remote.serve_forever, daemon=True).start()

    async def public(host: str) -> str:  # pretend 127.0.0.1 is a public address
        return "127.0.0.1"

    monkeypatch.setattr(safehttpx, "async_validate_url", public)
    url, _ = fake_app
    target = f"http://127.0.0.1:{remote.server_port}/pixel.png"
    try:
        for path in (ROUTE + target, ROUTE + quote(target, safe=""), ROUTE + target.replace("http", "HTTP", 1),
                     "/file=" + target, "/gradio_api/proxy=" + target):
            status, body = raw_get(url, path)
            assert status == 403 and b"remote bytes" not in body, f"{path}: HTTP {status}"
        assert hits == [], f"the app fetched {hits}"
        status, _ = raw_get(f"http://127.0.0.1:{remote.server_port}", "/pixel.png")  # the stand-in does answer
        assert status == 200 and len(hits) == 1
    finally:
        remote.shutdown()
