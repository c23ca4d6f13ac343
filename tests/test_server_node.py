"""A second client: Clerk's JavaScript SDK (``@clerk/backend``) on Node,
``createClerkClient({apiUrl})`` against the local Backend API."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from sessionfaker.generator import Generator
from sessionfaker.server import Server
from sessionfaker.server.testing import SECRET_KEY

from .conftest import NOW_MS, in_ci, profile

pytest_plugins = ["tests.server_helpers"]

SEED = 13
COUNT = 1000
CLOCK = NOW_MS + 60_000
CLERK_BACKEND = "@clerk/backend@3.25.0"

SCRIPT = """
import { createClerkClient } from "@clerk/backend";
const [apiUrl, secretKey, userId] = process.argv.slice(2);
const clerk = createClerkClient({ secretKey, apiUrl });
const out = {};
const list = await clerk.sessions.getSessionList({ userId, status: "active", limit: 5 });
out.list = { ids: list.data.map((s) => s.id), total: list.totalCount };
const first = list.data[0];
out.get = (await clerk.sessions.getSession(first.id)).id;
out.token = (await clerk.sessions.getToken(first.id)).jwt.split(".").length;
out.revoked = (await clerk.sessions.revokeSession(first.id)).status;
try {
  await clerk.sessions.getToken(first.id);
} catch (e) {
  out.after = { status: e.status, code: e.errors[0].code };
}
try {
  await clerk.sessions.getSession("sess_missing");
} catch (e) {
  out.missing = { status: e.status, code: e.errors[0].code };
}
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def node_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        if in_ci():
            pytest.fail("node and npm are needed for the @clerk/backend test")
        pytest.skip("node and npm are not installed")
    project = tmp_path_factory.mktemp("clerk-backend")
    (project / "package.json").write_text('{"type": "module", "private": true}')
    installed = subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", CLERK_BACKEND],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode != 0:
        message = f"npm install {CLERK_BACKEND} failed: {installed.stderr.strip()[-500:]}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    (project / "check.mjs").write_text(SCRIPT)
    return project


def test_clerks_javascript_sdk_works_unchanged(node_project: Path, server: Server) -> None:
    generated = list(Generator(profile("default"), SEED).generate(0, COUNT))
    user = next(s["user_id"] for s in generated if s["status"] == "active")
    active = sorted(
        (s for s in generated if s["user_id"] == user and s["status"] == "active"),
        key=lambda s: -s["created_at"],
    )
    run = subprocess.run(
        ["node", "check.mjs", server.root, SECRET_KEY, user],
        cwd=node_project,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "list": {"ids": [s["id"] for s in active[:5]], "total": len(active)},
        "get": active[0]["id"],
        "token": 3,
        "revoked": "revoked",
        "after": {"status": 404, "code": "session_not_active"},
        "missing": {"status": 404, "code": "resource_not_found"},
    }
