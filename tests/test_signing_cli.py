"""sessionfaker keys, tokens and webhooks through click's CliRunner, with a real local endpoint."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import time_machine
from clerk_backend_api.security import verify_token
from clerk_backend_api.security.types import VerifyTokenOptions
from click.testing import CliRunner
from svix.webhooks import Webhook

from sessionfaker.cli import cli
from sessionfaker.signing import KeyPair

from .conftest import NOW, NOW_MS
from .signing_helpers import Endpoint, local_server, refused_url
from .test_signing import IMPERSONATED, REVOKED, SECRET

pytest_plugins = ["pytester"]

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def sessions_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signing") / "sessions.ndjson"
    code, out, _ = run("generate", "-n", "60", "--seed", "9", "--now", NOW)
    assert code == 0
    path.write_text(out, encoding="utf-8")
    return path


def test_keys_prints_the_jwks_and_both_pems() -> None:
    key = KeyPair.from_seed("k1")
    code, out, err = run("keys", "--key-seed", "k1")
    assert (code, err) == (0, "") and json.loads(out) == key.jwks()
    assert run("keys", "--seed", "k1", "--format", "public-pem")[1] == key.public_pem()
    assert run("keys", "--key-seed", "k1", "--format", "private-pem")[1] == key.private_pem()


def test_tokens_signs_the_live_sessions_and_counts_the_others(sessions_file: Path) -> None:
    code, out, err = run("tokens", str(sessions_file), "--seed", "9", "--now", NOW)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    sessions = [json.loads(line) for line in sessions_file.read_text().splitlines()]
    live = [s for s in sessions if s["status"] in ("active", "pending")]
    assert [line["session_id"] for line in lines] == [s["id"] for s in live]
    assert err == f"{len(live)} tokens signed, {60 - len(live)} sessions not live at now skipped\n"
    options = VerifyTokenOptions(jwt_key=KeyPair.from_seed("9").public_pem())
    with time_machine.travel(NOW_MS / 1000, tick=False):
        for line in lines:
            assert verify_token(line["token"], options)["sid"] == line["session_id"]
    again = run("tokens", str(sessions_file), "--key-seed", "9", "--now", NOW, "--seed", "other")
    assert again[1] == out


def test_tokens_reads_stdin_and_takes_the_claim_options() -> None:
    code, out, _ = run(
        "tokens",
        "--key-seed",
        "x",
        "--now",
        NOW,
        "--lifetime",
        "1h",
        "--azp",
        "",
        "--issuer",
        "https://example.clerk.accounts.dev",
        "--claims",
        "v1",
        input=json.dumps([IMPERSONATED, REVOKED]),
    )
    assert code == 0
    (line,) = [json.loads(x) for x in out.splitlines()]
    options = VerifyTokenOptions(jwt_key=KeyPair.from_seed("x").public_pem())
    with time_machine.travel(NOW_MS / 1000, tick=False):
        claims = verify_token(line["token"], options)
    assert claims["exp"] - claims["iat"] == 3600 and "azp" not in claims
    assert claims["iss"] == "https://example.clerk.accounts.dev"
    assert claims["org_id"] == IMPERSONATED["last_active_organization_id"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["keys"], None, "missing --key-seed (or --seed, which it is derived from)"),
        (
            ["tokens", "--now", NOW],
            "[]",
            "missing --key-seed (or --seed, which it is derived from)",
        ),
        (
            ["tokens", "--seed", "1", "--lifetime", "0s"],
            "[]",
            "--lifetime: expected a whole number of seconds, at least 1s ('0s')",
        ),
        (
            ["tokens", "--seed", "1", "--lifetime", "1500ms"],
            "[]",
            "--lifetime: expected a whole number of seconds, at least 1s ('1500ms')",
        ),
        (
            ["tokens", "--seed", "1", "--now", NOW],
            '{"a": 1}\n',
            "<stdin>: line 1: not a session (object: missing (null))",
        ),
        (
            ["tokens", "--seed", "1", "--now", NOW],
            "not json\n",
            "<stdin>: line 1: not valid JSON (Expecting value)",
        ),
        (["tokens", "--seed", "1", "--now", NOW], "[]", "<stdin>: no sessions"),
        (
            ["webhooks", "--secret", "abc", "--now", NOW],
            "[]",
            "--secret: not a Svix signing secret (expected 'whsec_' followed by base64)",
        ),
        (
            ["webhooks", "--secret", SECRET, "--now", "yesterday"],
            "[]",
            "--now: malformed time 'yesterday' (expected ISO 8601 like 2026-11-01T00:00:00Z, "
            "epoch milliseconds, or 'now')",
        ),
        (
            ["webhooks", "--secret", SECRET, "--now", NOW],
            '[{"object": "user"}]',
            "<stdin>: line 1: not a session (id: missing (null))",
        ),
        (
            ["webhooks", "--secret", SECRET, "--now", NOW, "--deliver", "ftp://x"],
            json.dumps([REVOKED]),
            "--deliver: expected an http:// or https:// URL ('ftp://x')",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], stdin: str | None, message: str) -> None:
    code, out, err = run(*args, input=stdin)
    assert (code, out, err) == (2, "", f"Error: {message}\n")


def test_webhooks_writes_signed_events_in_time_order() -> None:
    code, out, err = run(
        "webhooks", "--secret", SECRET, "--now", NOW, input=json.dumps([IMPERSONATED, REVOKED])
    )
    assert (code, err) == (0, "3 events signed\n")
    lines = [json.loads(x) for x in out.splitlines()]
    with time_machine.travel(NOW_MS / 1000, tick=False):
        for line in lines:
            Webhook(SECRET).verify(line["body"], line["headers"])
    bodies = [json.loads(line["body"]) for line in lines]
    assert [(b["type"], b["timestamp"]) for b in bodies] == [
        ("session.created", REVOKED["created_at"]),
        ("session.revoked", REVOKED["updated_at"]),
        ("session.created", IMPERSONATED["created_at"]),
    ]
    assert len({b["instance_id"] for b in bodies}) == 1


def test_deliver_posts_in_order_and_retries_a_5xx() -> None:
    with local_server(Endpoint(statuses=[503, 200, 200, 400])) as endpoint:
        code, out, err = run(
            "webhooks",
            "--secret",
            SECRET,
            "--now",
            NOW,
            "--deliver",
            endpoint.url + "/webhooks",
            input=json.dumps([IMPERSONATED, REVOKED]),
        )
    assert (code, out) == (1, "")
    received = endpoint.received
    assert len(received) == 4  # the first event twice, then one each
    assert received[0][1] == received[1][1]
    failed_id = received[3][0]["svix-id"]
    assert err == (
        f"{endpoint.url}/webhooks: 2 events delivered, 1 failed (1 retries): {failed_id} HTTP 400\n"
    )
    with time_machine.travel(NOW_MS / 1000, tick=False):
        for headers, body in received:
            assert headers["content-type"] == "application/json"
            Webhook(SECRET).verify(body, headers)


def test_deliver_to_a_refused_connection_is_one_line_and_exit_1() -> None:
    url = refused_url()
    code, out, err = run(
        "webhooks", "--secret", SECRET, "--now", NOW, "--deliver", url, input=json.dumps([REVOKED])
    )
    assert (code, out, err) == (1, "", f"Error: {url}: cannot deliver: connection refused\n")


PLUGIN_TEST = """
import pytest
import time_machine
from clerk_backend_api.security import verify_token
from clerk_backend_api.security.types import VerifyTokenOptions
from sessionfaker.signing import KeyPair


def test_tokens(sessionfaker):
    session = sessionfaker.session(status="active")
    token = sessionfaker.token(session)
    # The key of the run seed (5), the session of the test's seed, at the test's now.
    assert sessionfaker.jwks()["keys"][0]["kid"] == KeyPair.from_seed(5).kid
    with time_machine.travel(sessionfaker.now / 1000, tick=False):
        claims = verify_token(token, VerifyTokenOptions(jwt_key=sessionfaker.public_pem()))
    assert claims["sid"] == session["id"]
    print("TOKEN", token)


@pytest.mark.sessionfaker(now="2026-06-01T00:00:00Z")
def test_at_the_markers_now(sessionfaker):
    session = sessionfaker.session(status="pending")
    token = sessionfaker.token(session, lifetime_s=300)
    with time_machine.travel(sessionfaker.now / 1000, tick=False):
        claims = verify_token(token, VerifyTokenOptions(jwt_key=sessionfaker.public_pem()))
    assert claims["iat"] == 1780272000 and claims["exp"] == 1780272300
    assert claims["sts"] == "pending"
"""


def test_the_plugin_signs_with_the_run_key_at_the_tests_now(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLUGIN_TEST)
    args = ("-s", "--sessionfaker-seed=5", f"--sessionfaker-now={NOW}")
    first = pytester.runpytest(*args)
    first.assert_outcomes(passed=2)
    again = pytester.runpytest(*args)
    tokens = [re.findall(r"TOKEN (\S+)", r.stdout.str()) for r in (first, again)]
    assert len(tokens[0]) == 1 and tokens[0] == tokens[1]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(IMPERSONATED) + "\n" + json.dumps(REVOKED) + "\n",
        json.dumps([IMPERSONATED, REVOKED], indent=2),
        json.dumps({"data": [IMPERSONATED, REVOKED], "total_count": 2}),
    ],
    ids=["ndjson", "array", "data"],
)
def test_tokens_read_every_sessions_format(text: str) -> None:
    code, out, err = run("tokens", "--seed", "x", "--now", NOW, input=text)
    assert (code, err) == (0, "1 tokens signed, 1 sessions not live at now skipped\n")
    assert json.loads(out)["session_id"] == IMPERSONATED["id"]


def test_a_5xx_to_the_last_retry_counts_as_failed() -> None:
    from sessionfaker.signing import WebhookSigner, signed_events
    from sessionfaker.signing.batch import deliver

    events = signed_events([REVOKED], WebhookSigner(SECRET), now=NOW_MS, instance_id="ins_x")
    with local_server(Endpoint(statuses=[500, 502, 200])) as endpoint:
        result = deliver(events, endpoint.url, retries=1, backoff_s=0)
    assert (result.delivered, result.retries, len(endpoint.received)) == (1, 1, 3)
    assert result.failed == [f"{events[0].headers['svix-id']} HTTP 502"]


def test_tokens_and_webhooks_read_the_csv_that_generate_writes(
    sessions_file: Path, tmp_path: Path
) -> None:
    csv_file = tmp_path / "sessions.csv"
    code, _, _ = run(
        "generate", "-n", "60", "--seed", "9", "--now", NOW, "--format", "csv", "-o", str(csv_file)
    )
    assert code == 0
    from_ndjson = run("tokens", str(sessions_file), "--seed", "9", "--now", NOW)
    assert run("tokens", str(csv_file), "--seed", "9", "--now", NOW) == from_ndjson
    events = run("webhooks", str(sessions_file), "--secret", SECRET, "--now", NOW)
    assert run("webhooks", "-f", "csv", "--secret", SECRET, "--now", NOW, str(csv_file)) == events
