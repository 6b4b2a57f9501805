"""HTTP throughput (``python -m benchmarks --only http``): the running service under load.

The real server, ``chancery serve``, runs in a child process on a loopback port
(:mod:`benchmarks.http_server`), once on SQLite (a file in a temporary directory) and once on a
fresh PostgreSQL database created for the run and dropped afterwards. The load comes from
``concurrency`` asyncio tasks sharing one HTTP client in this process
(:mod:`benchmarks.http_load`), so client and server share the machine's CPUs; the CPU seconds
each side spent are reported with every window. The client is the lean keep-alive client of
:mod:`benchmarks.http_client` (``--client httpx`` uses ``httpx.AsyncClient`` instead, at about
five times the client CPU per request).

Five bounded windows per database (each stops after its count of operations or at its time cap,
whichever comes first, and starts after untimed warm-up operations of the same kind):

1. **Issuance, full flow**: one OID4VCI 1.0 pre-authorized code issuance per operation, as a
   wallet and an agency do it: ``POST /issuer/offers`` (the agency, §4.1.1), ``GET`` of the
   offer by reference (§4.1.3, what its QR code carries), ``POST /token`` with the
   pre-authorized code and transaction code (§6.1), ``POST /nonce`` (§7.1), a key proof JWT
   signed with a new Ed25519 holder key (Appendix F.1), ``POST /credential`` (§8.2).
2. **Credential endpoint alone**: offers, tokens, nonces and proofs are prepared first; the
   window times ``POST /credential`` only (proof check, status list index, signing).
3. **Presentation verification**: OID4VP 1.0 requests (a DCQL query for 2 of the credential's 8
   claims) are created and their Request Objects fetched, and an SD-JWT presentation with a
   KB-JWT bound to each request's nonce and client id is built for each (credentials from
   window 2), all before the window; the window times the ``direct_post`` of each (§8.2), which
   the verifier checks in full (issuer signature, holder binding, nonce, audience, validity,
   status list, exactly the requested claims). Afterwards every request's outcome is read and
   must be ``verified``.
4. **Verification round trip**: what a relying party waits for per presentation:
   ``POST /verifier/requests``, ``GET`` of the Request Object, the wallet's presentation built
   here, the ``direct_post``, and ``GET /verifier/requests/{id}`` reading ``verified``.
5. **VC API verification**: ``POST /presentations/verify`` (W3C VC API ``verifyPresentation``)
   of prepared SD-JWT+KB presentations of the same two claims, each bound to its own challenge
   and domain; the answer must say ``verified: true``. Nothing is stored per presentation.

Every request must be answered 2xx: an operation with any other answer counts as failed, and
failures are reported, never counted as throughput.

Targets (a report, never an exit status), on each database: >= 150 issuances/s (window 1) and
>= 200 verifications/s (windows 3 and 5). ACA-Py's published sustained issuance rate, about 30
credentials/s, is printed for comparison; it is a published figure, not measured here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .http_client import LeanClient
from .http_load import Client, Recorder, Refused, Window, drive
from .http_server import (
    Server,
    ServerFailed,
    Unavailable,
    postgres_database,
    serve,
    serve_supports_workers,
)
from .ledger import Goal

__all__ = ["FULL", "QUICK", "HttpPlan", "HttpReport", "main", "render", "run"]

ISSUANCE_TARGET = 150.0  # full OID4VCI flows per second
VERIFICATION_TARGET = 200.0  # direct_post verifications per second
#: ACA-Py's published sustained issuance rate (credentials per second); not measured here.
ACAPY_PUBLISHED_ISSUANCE = 30.0
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
#: The citizen's claims in every offer; the verifier asks for two of them.
CLAIMS: dict[str, Any] = {
    "given_name": "Anna Maria",
    "family_name": "Eriksson",
    "birthdate": "1974-08-12",
    "place_of_birth": "Uppsala",
    "nationality": "SE",
    "address": "Storgatan 1, 753 20 Uppsala",
    "sex": "F",
    "personal_number": "19740812-1234",
}
REQUESTED = ("given_name", "birthdate")
#: The audience of the VC API presentations (the relying party's identifier).
VCAPI_DOMAIN = "https://bank.example"
#: The demonstration tenants' client credentials, in the server's state directory.
DEMO_CREDENTIALS = "demo-credentials.json"
#: Credentials kept from window 2 and presented (round robin) in windows 3 and 4.
HOLDER_POOL = 64
WINDOWS = (
    "issuance_flow",
    "credential_endpoint",
    "verification",
    "verification_round_trip",
    "vcapi_verification",
)
_LABELS = {
    "issuance_flow": "issuance, full flow (offer, fetch, token, nonce, credential)",
    "credential_endpoint": "credential endpoint alone (POST /credential)",
    "verification": "presentation verification, OID4VP (POST direct_post)",
    "verification_round_trip": "verification round trip (request, object, post, outcome)",
    "vcapi_verification": "presentation verification, VC API (POST /presentations/verify)",
}


@dataclass(frozen=True)
class HttpPlan:
    """The bounds of one run: operations per window (and warm-up), tasks, time cap per window."""

    name: str
    concurrency: int
    warmup: int
    flows: int
    credentials: int
    presentations: int
    round_trips: int
    time_cap_s: float
    #: How long preparing the calls of windows 2 and 3 may take; a window then times what was
    #: prepared (so it may stop by count before its time cap).
    prepare_cap_s: float
    #: The load generator's HTTP client: ``lean`` (:mod:`benchmarks.http_client`) or ``httpx``.
    client: str = "lean"


FULL = HttpPlan(
    "full",
    concurrency=16,
    warmup=20,
    flows=3000,
    credentials=2000,
    # Enough for 15 s above the 200/s target, so that the time cap, not the count, ends the
    # verification windows of a service that meets it.
    presentations=4000,
    round_trips=2000,
    time_cap_s=15.0,
    prepare_cap_s=45.0,
)
QUICK = HttpPlan(
    "quick",
    concurrency=4,
    warmup=2,
    flows=12,
    credentials=12,
    presentations=12,
    round_trips=8,
    time_cap_s=10.0,
    prepare_cap_s=20.0,
)


@dataclass
class DatabaseResult:
    """One database's windows, or the reason it was skipped."""

    label: str
    skipped: str | None = None
    workers: int = 1
    windows: dict[str, Window] = field(default_factory=dict)
    verified_outcomes: int | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "measured": self.skipped is None,
            "skipped_reason": self.skipped,
            "server_workers": self.workers,
            "windows": {name: window.to_dict() for name, window in self.windows.items()},
            "verified_outcomes": self.verified_outcomes,
            "facts": self.facts,
            "problems": self.problems,
        }


@dataclass
class HttpReport:
    """Every figure of the HTTP part."""

    plan: HttpPlan
    facts: dict[str, Any] = field(default_factory=dict)
    databases: dict[str, DatabaseResult] = field(default_factory=dict)
    targets: list[Goal] = field(default_factory=list)
    comparisons: list[tuple[str, float | None]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "plan": {
                "name": plan.name,
                "concurrency": plan.concurrency,
                "warmup": plan.warmup,
                "issuance_flows": plan.flows,
                "credential_requests": plan.credentials,
                "presentations": plan.presentations,
                "round_trips": plan.round_trips,
                "time_cap_s": plan.time_cap_s,
                "prepare_cap_s": plan.prepare_cap_s,
            },
            "facts": self.facts,
            "databases": {key: result.to_dict() for key, result in self.databases.items()},
            "targets": [goal.to_dict() for goal in self.targets],
            "comparisons": {name: value for name, value in self.comparisons},
            "acapy_published_issuance_per_s": ACAPY_PUBLISHED_ISSUANCE,
        }


def _progress(message: str) -> None:
    print(f"... http: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ the service


@dataclass
class _Service:
    """What the client learned from the running service before the windows."""

    credential_issuer: str
    configuration_id: str
    vct: str
    #: Request headers of the agency and of the relying party (their bearer tokens).
    agency: dict[str, str] = field(default_factory=dict)
    relying_party: dict[str, str] = field(default_factory=dict)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _client_token(client: Client, credentials: dict[str, Any]) -> str:
    """An access token by the client credentials grant (RFC 6749 §4.4), HTTP Basic auth."""
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def _authorize(client: Client, server: Server, service: _Service) -> None:
    """Fetch fresh bearer tokens for the agency and the relying party into ``service``.

    Their client credentials are the demonstration tenants' (``<var_dir>/demo-credentials.json``,
    written by ``chancery serve --demo``): the agency that issues the credential type being
    offered, and the first relying party. A service without that file takes no client
    authentication, and the headers stay empty. Called before every window, so that a run
    longer than a token's lifetime does not fail on an expired token.
    """
    path = server.var_dir / DEMO_CREDENTIALS
    if not path.exists():
        return
    clients: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    # Configuration ids are '<type>.<format>' ('identity.sd_jwt').
    type_id = service.configuration_id.rpartition(".")[0] or service.configuration_id
    agencies = [c for c in clients.values() if c.get("kind") == "agency"]
    agency = next((c for c in agencies if c.get("credential_type") == type_id), None)
    relying_party = next((c for c in clients.values() if c.get("kind") == "relying_party"), None)
    if agency is None or relying_party is None:
        raise ServerFailed(f"{path} names no agency issuing {type_id!r} or no relying party")
    service.agency.update(_bearer(await _client_token(client, agency)))
    service.relying_party.update(_bearer(await _client_token(client, relying_party)))


async def _discover(client: Client, server: Server) -> _Service:
    """The Credential Issuer Metadata (OID4VCI 1.0 §12.2.4): the first ``dc+sd-jwt``
    configuration (an ``identity`` one preferred), its ``vct``, and the issuer identifier."""
    response = await client.get("/.well-known/openid-credential-issuer")
    response.raise_for_status()
    metadata = response.json()
    configurations = metadata["credential_configurations_supported"]
    candidates = sorted(
        (not name.startswith("identity"), name)
        for name, configuration in configurations.items()
        if configuration.get("format") == "dc+sd-jwt"
    )
    if not candidates:
        raise ServerFailed("the issuer metadata lists no dc+sd-jwt configuration")
    name = candidates[0][1]
    service = _Service(
        credential_issuer=metadata["credential_issuer"],
        configuration_id=name,
        vct=configurations[name]["vct"],
    )
    await _authorize(client, server, service)
    return service


# ------------------------------------------------------------------------------ issuance


@dataclass(frozen=True)
class _Held:
    """A credential the benchmark holds, with the holder key it is bound to."""

    credential: str
    key: Any  # vc_service.Key


@dataclass(frozen=True)
class _CredentialCall:
    """A prepared ``POST /credential``: the access token and the request body with its proof."""

    token: str
    body: bytes
    key: Any  # vc_service.Key


async def _offer_and_token(recorder: Recorder, service: _Service) -> str:
    """Create an offer as the agency and redeem it as the wallet: the access token.

    The wallet takes the offer as a QR code carries it, by reference (OID4VCI 1.0 §4.1.3
    ``credential_offer_uri``), and fetches it; a service that only gives the offer by value is
    read from the response. The transaction code reaches the wallet out of band (here: from the
    agency's response).
    """
    created = await recorder.send(
        "POST /issuer/offers",
        "POST",
        "/issuer/offers",
        json={"credential_configuration_id": service.configuration_id, "claims": CLAIMS},
        headers=service.agency,
    )
    offer = created.json()
    reference = offer.get("credential_offer_reference")
    if isinstance(reference, str):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(reference).query)
        fetched = await recorder.send(
            "GET credential offer", "GET", query["credential_offer_uri"][0]
        )
        credential_offer = fetched.json()
    else:
        credential_offer = offer["credential_offer"]
    form = {
        "grant_type": PRE_AUTHORIZED_GRANT,
        "pre-authorized_code": credential_offer["grants"][PRE_AUTHORIZED_GRANT][
            "pre-authorized_code"
        ],
        "tx_code": offer["tx_code"],
    }
    token = await recorder.send("POST /token", "POST", "/token", data=form)
    access_token: str = token.json()["access_token"]
    return access_token


async def _prepared_call(recorder: Recorder, service: _Service) -> _CredentialCall:
    """Everything up to the credential request: offer, token, nonce and a signed proof."""
    from vc_service import Key
    from vc_service._jose import sign_jws

    token = await _offer_and_token(recorder, service)
    nonce = (await recorder.send("POST /nonce", "POST", "/nonce")).json()["c_nonce"]
    key = Key.generate("ed25519")
    proof = sign_jws(
        {"typ": PROOF_TYP, "jwk": key.public_jwk()},
        {"aud": service.credential_issuer, "iat": int(time.time()), "nonce": nonce},
        key,
    )
    body = {"credential_configuration_id": service.configuration_id, "proofs": {"jwt": [proof]}}
    return _CredentialCall(token, json.dumps(body).encode(), key)


async def _redeem(recorder: Recorder, call: _CredentialCall) -> _Held:
    response = await recorder.send(
        "POST /credential",
        "POST",
        "/credential",
        content=call.body,
        headers={"Authorization": f"Bearer {call.token}", "Content-Type": "application/json"},
    )
    credential: str = response.json()["credentials"][0]["credential"]
    return _Held(credential, call.key)


async def _issuance_flow(recorder: Recorder, service: _Service) -> None:
    await _redeem(recorder, await _prepared_call(recorder, service))


# ------------------------------------------------------------------------------ verification


@dataclass(frozen=True)
class _Answer:
    """A prepared ``direct_post``: the verifier request's id, its response URI and the form."""

    request_id: str
    response_uri: str
    form: bytes


def _query(service: _Service) -> dict[str, Any]:
    """The DCQL query (OID4VP 1.0 §6): the identity credential's two requested claims."""
    return {
        "credentials": [
            {
                "id": "pid",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [service.vct]},
                "claims": [{"path": [name]} for name in REQUESTED],
            }
        ]
    }


async def _open_request(recorder: Recorder, service: _Service, held: _Held) -> _Answer:
    """Create a verifier request, fetch its Request Object, build the wallet's answer.

    The Request Object's signature is not checked here (the wallet SDK does that); the benchmark
    only needs its nonce, state and response URI.
    """
    from vc_service import present_sd_jwt
    from vc_service._jose import decode_jws

    created = await recorder.send(
        "POST /verifier/requests",
        "POST",
        "/verifier/requests",
        json={"dcql_query": _query(service)},
        headers=service.relying_party,
    )
    body = created.json()
    link = urllib.parse.urlsplit(body["request_uri_link"])
    params = dict(urllib.parse.parse_qsl(link.query))
    fetched = await recorder.send("GET request object", "GET", params["request_uri"])
    unverified_claims = decode_jws(fetched.text.strip(), "Request Object").unverified_claims()
    presentation = present_sd_jwt(
        held.credential,
        reveal=[f"/{name}" for name in REQUESTED],
        holder_key=held.key,
        nonce=unverified_claims["nonce"],
        audience=params["client_id"],
    )
    form = urllib.parse.urlencode(
        {"vp_token": json.dumps({"pid": [presentation]}), "state": unverified_claims["state"]}
    )
    return _Answer(body["id"], unverified_claims["response_uri"], form.encode("ascii"))


def _vcapi_body(held: _Held) -> bytes:
    """A VC API ``VerifyPresentationRequest``: the SD-JWT+KB presentation of the two requested
    claims, bound to a fresh challenge (the KB-JWT nonce) and domain (its audience)."""
    from vc_service import present_sd_jwt

    challenge = secrets.token_urlsafe(16)
    presentation = present_sd_jwt(
        held.credential,
        reveal=[f"/{name}" for name in REQUESTED],
        holder_key=held.key,
        nonce=challenge,
        audience=VCAPI_DOMAIN,
    )
    body = {
        "verifiablePresentation": presentation,
        "options": {"challenge": challenge, "domain": VCAPI_DOMAIN},
    }
    return json.dumps(body).encode()


async def _vcapi_verify(recorder: Recorder, service: _Service, body: bytes) -> None:
    response = await recorder.send(
        "POST /presentations/verify",
        "POST",
        "/presentations/verify",
        content=body,
        headers={**service.relying_party, "Content-Type": "application/json"},
    )
    outcome = response.json()
    # The VC API answers 200 for a presentation that fails too: only 'verified' says which.
    if outcome.get("verified") is not True:
        raise Refused(f"POST /presentations/verify: not verified: {outcome.get('errors')}")


async def _post_answer(recorder: Recorder, answer: _Answer) -> None:
    await recorder.send(
        "POST direct_post",
        "POST",
        answer.response_uri,
        content=answer.form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


async def _outcome(recorder: Recorder, service: _Service, request_id: str) -> None:
    response = await recorder.send(
        "GET request status",
        "GET",
        f"/verifier/requests/{request_id}",
        headers=service.relying_party,
    )
    status = response.json()
    if status.get("status") != "verified":
        raise Refused(f"request {request_id} is {status.get('status')}: {status.get('error')}")
    if set(status.get("claims", {}).get("pid", {})) != set(REQUESTED):
        raise Refused(f"request {request_id} disclosed {status.get('claims')}")


# ------------------------------------------------------------------------------ the windows


async def _measure(server: Server, plan: HttpPlan, result: DatabaseResult) -> None:
    client: Client
    if plan.client == "httpx":
        limits = httpx.Limits(
            max_connections=plan.concurrency, max_keepalive_connections=plan.concurrency
        )
        client = httpx.AsyncClient(
            base_url=server.base_url, limits=limits, timeout=httpx.Timeout(60.0)
        )
    else:
        client = LeanClient(server.base_url, limit=plan.concurrency, timeout=60.0)
    async with client:
        service = await _discover(client, server)
        result.facts["credential_configuration_id"] = service.configuration_id
        pid = server.pid
        tasks, cap = plan.concurrency, plan.time_cap_s

        async def window(name: str, operation: Any, count: int) -> Window:
            await _authorize(client, server, service)
            measured = await drive(
                client,
                name,
                operation,
                count=count,
                concurrency=tasks,
                time_cap_s=cap,
                server_pid=pid,
            )
            result.windows[name] = measured
            if not measured.all_2xx:
                result.problems.append(
                    f"{name}: {measured.failed} operations failed {measured.statuses}; "
                    + " | ".join(measured.errors)
                )
            return measured

        async def warm(name: str, operation: Any, count: int) -> None:
            if count > 0:
                await drive(
                    client, name, operation, count=count, concurrency=tasks, time_cap_s=60.0
                )

        # 1. The full issuance flow.
        async def flow(recorder: Recorder, number: int) -> None:
            del number
            await _issuance_flow(recorder, service)

        _progress(f"{result.label}: issuance, full flow")
        await warm("warm-up", flow, plan.warmup)
        await window("issuance_flow", flow, plan.flows)

        # 2. The credential endpoint alone, on prepared calls.
        _progress(f"{result.label}: preparing {plan.credentials} credential requests")
        calls: list[_CredentialCall] = []

        async def prepare_call(recorder: Recorder, number: int) -> None:
            del number
            calls.append(await _prepared_call(recorder, service))

        await drive(
            client,
            "prepare",
            prepare_call,
            count=plan.credentials + plan.warmup,
            concurrency=tasks,
            time_cap_s=plan.prepare_cap_s,
        )
        held: list[_Held] = []

        async def redeem(recorder: Recorder, number: int) -> None:
            got = await _redeem(recorder, calls[number])
            if len(held) < HOLDER_POOL:
                held.append(got)

        _progress(f"{result.label}: credential endpoint alone")
        await warm("warm-up", redeem, min(plan.warmup, len(calls)))
        del calls[: plan.warmup]
        await window("credential_endpoint", redeem, len(calls))
        if not held:
            result.problems.append("no credential was issued: verification not measured")
            return

        # 3. Verification of prepared presentations.
        _progress(f"{result.label}: preparing {plan.presentations} presentations")
        answers: list[_Answer] = []

        async def prepare_answer(recorder: Recorder, number: int) -> None:
            answers.append(await _open_request(recorder, service, held[number % len(held)]))

        await drive(
            client,
            "prepare",
            prepare_answer,
            count=plan.presentations + plan.warmup,
            concurrency=tasks,
            time_cap_s=plan.prepare_cap_s,
        )
        posted: list[str] = []

        async def verify(recorder: Recorder, number: int) -> None:
            await _post_answer(recorder, answers[number])
            posted.append(answers[number].request_id)

        _progress(f"{result.label}: presentation verification")
        await warm("warm-up", verify, min(plan.warmup, len(answers)))
        del answers[: plan.warmup]
        posted.clear()
        await window("verification", verify, len(answers))

        # Every answered request must now read 'verified', with exactly the requested claims.
        async def check(recorder: Recorder, number: int) -> None:
            await _outcome(recorder, service, posted[number])

        checked = await drive(
            client, "outcomes", check, count=len(posted), concurrency=tasks, time_cap_s=120.0
        )
        result.verified_outcomes = checked.ok
        if checked.ok != len(posted):
            result.problems.append(
                f"{len(posted) - checked.ok} of {len(posted)} verified presentations do not read "
                "'verified': " + " | ".join(checked.errors)
            )

        # 4. The relying party's round trip.
        async def round_trip(recorder: Recorder, number: int) -> None:
            answer = await _open_request(recorder, service, held[number % len(held)])
            await _post_answer(recorder, answer)
            await _outcome(recorder, service, answer.request_id)

        _progress(f"{result.label}: verification round trip")
        await warm("warm-up", round_trip, plan.warmup)
        await window("verification_round_trip", round_trip, plan.round_trips)

        # 5. VC API verification of prepared presentations (stateless: no request to create).
        if not await _has_route(client, "/presentations/verify"):
            result.facts["vcapi"] = "POST /presentations/verify is not served"
            return
        _progress(f"{result.label}: VC API presentation verification")
        bodies = [
            _vcapi_body(held[number % len(held)])
            for number in range(plan.presentations + plan.warmup)
        ]

        async def vcapi(recorder: Recorder, number: int) -> None:
            await _vcapi_verify(recorder, service, bodies[number])

        await warm("warm-up", vcapi, plan.warmup)
        del bodies[: plan.warmup]
        await window("vcapi_verification", vcapi, len(bodies))


async def _has_route(client: Client, path: str) -> bool:
    """Whether the service's OpenAPI document lists ``path``."""
    response = await client.get("/openapi.json")
    return response.status_code == 200 and path in response.json().get("paths", {})


def _measure_database(
    label: str, db_url: str, plan: HttpPlan, workers: int, result: DatabaseResult
) -> None:
    with tempfile.TemporaryDirectory(prefix="chancery-bench-http-") as scratch:
        _progress(f"{label}: starting chancery serve")
        with serve(db_url, Path(scratch), workers=workers) as server:
            result.workers = server.workers
            try:
                asyncio.run(_measure(server, plan, result))
            except (Refused, httpx.HTTPError, KeyError, ValueError) as exc:
                result.problems.append(f"the run stopped: {type(exc).__name__}: {exc}")
            if result.problems:
                result.problems += [f"server log: {line}" for line in _server_errors(server.log)]


def _server_errors(log: Path, keep: int = 3) -> list[str]:
    """The distinct exception lines (``module.Error: message``) of the server's log."""
    found: dict[str, None] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        head = line.split(":", 1)[0]
        if head.endswith(("Error", "Exception")) and "." in head and not line.startswith(" "):
            found.setdefault(line[:300], None)
    return list(found)[:keep]


def _postgres_version(db_url: str) -> str | None:
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("SHOW server_version")).scalar()
        return None if version is None else str(version)
    finally:
        engine.dispose()


def run(
    quick: bool,
    *,
    databases: Sequence[str] = ("sqlite", "postgresql"),
    concurrency: int | None = None,
    workers: int | None = None,
    client: str | None = None,
) -> HttpReport:
    """Measure the five windows on each database (see the module docstring).

    ``workers`` is the number of server worker processes; by default one per CPU when
    ``chancery serve`` has a ``--workers`` option, else one.
    """
    import sqlite3

    plan = QUICK if quick else FULL
    if concurrency is not None:
        plan = HttpPlan(**{**plan.__dict__, "concurrency": concurrency})
    if client is not None:
        if client not in ("lean", "httpx"):
            raise ValueError("client must be 'lean' or 'httpx'")
        plan = HttpPlan(**{**plan.__dict__, "client": client})
    report = HttpReport(plan)
    supports_workers = serve_supports_workers()
    if not supports_workers:
        workers = 1
    elif workers is None:
        workers = os.cpu_count() or 1
    report.facts.update(
        {
            "server": "chancery serve (uvicorn), child process, 127.0.0.1",
            "serve_has_workers_option": supports_workers,
            "server_workers": workers,
            "client": (
                f"httpx {httpx.__version__} AsyncClient"
                if plan.client == "httpx"
                else "benchmarks.http_client.LeanClient (HTTP/1.1 keep-alive on asyncio streams)"
            )
            + f", {plan.concurrency} tasks, in the benchmark process",
            "cpu_count": os.cpu_count(),
            "sqlite": sqlite3.sqlite_version,
        }
    )
    for label in databases:
        result = DatabaseResult("SQLite" if label == "sqlite" else "PostgreSQL")
        report.databases[label] = result
        try:
            if label == "sqlite":
                with tempfile.TemporaryDirectory(prefix="chancery-bench-http-db-") as db_dir:
                    db_url = f"sqlite:///{Path(db_dir) / 'chancery.db'}"
                    _measure_database(result.label, db_url, plan, workers, result)
            else:
                with postgres_database() as db_url:
                    result.facts["postgresql"] = _postgres_version(db_url)
                    _measure_database(result.label, db_url, plan, workers, result)
        except Unavailable as exc:
            result.skipped = str(exc)
            _progress(f"{result.label} skipped: {exc}")
        except ServerFailed as exc:
            result.problems.append(f"the server failed: {exc}")
    _evaluate(report)
    return report


def _evaluate(report: HttpReport) -> None:
    for key, result in report.databases.items():
        flow = result.windows.get("issuance_flow")
        verification = result.windows.get("verification")
        issuance_rate = flow.rate if flow is not None else None
        verification_rate = verification.rate if verification is not None else None
        report.targets.append(
            Goal(
                f"{result.label}: issuances/s (full OID4VCI flow)",
                issuance_rate,
                ISSUANCE_TARGET,
                ">=",
                "/s",
            )
        )
        report.targets.append(
            Goal(
                f"{result.label}: presentation verifications/s (direct_post)",
                verification_rate,
                VERIFICATION_TARGET,
                ">=",
                "/s",
            )
        )
        vcapi = result.windows.get("vcapi_verification")
        report.targets.append(
            Goal(
                f"{result.label}: presentation verifications/s (VC API)",
                vcapi.rate if vcapi is not None else None,
                VERIFICATION_TARGET,
                ">=",
                "/s",
            )
        )
        del key
        endpoint = result.windows.get("credential_endpoint")
        for name, rate in (
            ("issuances/s (full flow)", issuance_rate),
            ("credential endpoint calls/s", endpoint.rate if endpoint is not None else None),
        ):
            report.comparisons.append(
                (
                    f"{result.label}: {name} / ACA-Py's published ~{ACAPY_PUBLISHED_ISSUANCE:g}/s",
                    None if rate is None else rate / ACAPY_PUBLISHED_ISSUANCE,
                )
            )


# ------------------------------------------------------------------------------ the report


def _ms(value: float | None) -> str:
    return f"{'n/a':>8}" if value is None else f"{value * 1e3:8.1f}"


def _cpu(value: float | None, elapsed: float) -> str:
    return f"{'n/a':>6}" if value is None or elapsed <= 0 else f"{value / elapsed:6.2f}"


def render(report: HttpReport) -> str:
    """The HTTP section of the benchmark report."""
    plan, facts = report.plan, report.facts
    lines = [
        "",
        f"HTTP throughput on loopback (plan '{plan.name}'; each window stops after its count or "
        f"{plan.time_cap_s:g} s; windows 2, 3 and 5 time the calls prepared in at most "
        f"{plan.prepare_cap_s:g} s)",
        f"  server  chancery serve, {facts.get('server_workers')} uvicorn worker process(es)"
        + ("" if facts.get("serve_has_workers_option") else " (serve has no --workers option)"),
        f"  client  {facts.get('client')}; it shares the {facts.get('cpu_count')} CPUs with the "
        "server (CPU columns: cores busy on average)",
    ]
    header = (
        f"    {'window':<64} {'ok':>6} {'fail':>5} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'srv CPU':>7} {'cli CPU':>7}"
    )
    for result in report.databases.values():
        extra = f" {result.facts['postgresql']}" if result.facts.get("postgresql") else ""
        lines.append(f"  {result.label}{extra}")
        if result.skipped is not None:
            lines.append(f"    SKIPPED: {result.skipped}")
            continue
        lines.append(header)
        for name in WINDOWS:
            w = result.windows.get(name)
            if w is None:
                lines.append(f"    {_LABELS[name]:<64} {'not measured':>12}")
                continue
            lines.append(
                f"    {_LABELS[name]:<64} {w.ok:>6} {w.failed:>5} {w.rate:8.1f}"
                f" {_ms(w.quantile(0.5))} {_ms(w.quantile(0.99))}"
                f" {_cpu(w.server_cpu_s, w.elapsed_s):>7} {_cpu(w.client_cpu_s, w.elapsed_s):>7}"
            )
        flow = result.windows.get("issuance_flow")
        if flow is not None and flow.steps:
            steps = ", ".join(
                f"{step} {_ms(flow.quantile(0.5, step)).strip()}" for step in flow.steps
            )
            lines.append(f"    issuance flow steps, p50 ms: {steps}")
        if result.verified_outcomes is not None:
            posted = result.windows["verification"].ok
            lines.append(
                f"    outcomes read back after window 3: {result.verified_outcomes} of {posted} "
                "'verified' with exactly the 2 requested claims"
            )
        lines.extend(f"    PROBLEM: {problem}" for problem in result.problems)
    lines.append("")
    lines.append("HTTP targets")
    for goal in report.targets:
        value = "not measured" if goal.value is None else f"{goal.value:,.1f}{goal.unit}"
        ratio = "" if goal.value is None else f", {goal.value / goal.bound:.2f}x the target"
        lines.append(
            f"  [{goal.status:<4}] {goal.name}: {value} "
            f"(target {goal.direction} {goal.bound:g}{goal.unit}{ratio})"
        )
    lines.append(
        f"Against ACA-Py's published sustained issuance of about {ACAPY_PUBLISHED_ISSUANCE:g} "
        "credentials/s (a published figure, not measured here)"
    )
    for name, times in report.comparisons:
        lines.append(f"  {name}: {'not measured' if times is None else f'{times:.1f}x'}")
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.http",
        description="HTTP throughput of chancery serve on loopback (part of python -m benchmarks).",
    )
    parser.add_argument("--quick", action="store_true", help="a few operations per window")
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgresql", "both"),
        default="both",
        help="the database(s) to serve from (default both)",
    )
    parser.add_argument("--concurrency", type=int, help="concurrent client tasks")
    parser.add_argument(
        "--workers", type=int, help="server worker processes (default: one per CPU)"
    )
    parser.add_argument(
        "--client",
        choices=("lean", "httpx"),
        default="lean",
        help="the load generator's HTTP client (default lean: benchmarks/http_client.py)",
    )
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the figures here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the HTTP part on its own."""
    args = _parse(argv)
    databases = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    report = run(
        args.quick,
        databases=databases,
        concurrency=args.concurrency,
        workers=args.workers,
        client=args.client,
    )
    print(render(report))
    if args.json is not None:
        args.json.write_text(json.dumps({"http": report.to_dict()}, indent=2) + "\n")
        print(f"\nJSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
