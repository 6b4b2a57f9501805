"""Credential formats: issue and verify for each format, next to peer implementations.

Peers, in the same run and interleaved with ours:

* ``didkit`` (Rust, via its Python binding) signing and verifying an Ed25519 linked-data proof.
  didkit 0.3.3 knows only VCDM 1.1 and ``Ed25519Signature2018`` (URDNA2015 canonicalization,
  SHA-256, Ed25519): the same work as ``eddsa-rdfc-2022`` (RDFC-1.0 is URDNA2015). Both sign
  the same VCDM 1.1 credential; both verify including did:key resolution.
* the ``sd-jwt`` reference implementation (Python) issuing, presenting with key binding and
  verifying the same claims with the same selectively disclosable members.

Targets: SD-JWT within 1.2x of the reference; eddsa-rdfc-2022 within 2x of didkit.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ._timing import Stats, measure_round_robin

VC_V1 = {
    "@context": ["https://www.w3.org/2018/credentials/v1"],
    "type": ["VerifiableCredential"],
    "issuanceDate": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:citizen"},
}
VC_V2 = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "type": ["VerifiableCredential", "ExampleIdentityCredential"],
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {
        "id": "did:example:citizen",
        "givenName": "Anna Maria",
        "familyName": "Eriksson",
        "birthDate": "1974-08-12",
        "nationality": "SE",
    },
}
SD_CLAIMS = {
    "given_name": "Anna Maria",
    "family_name": "Eriksson",
    "birthdate": "1974-08-12",
    "nationality": "SE",
    "address": {"street_address": "Storgatan 1", "locality": "Uppsala", "country": "SE"},
}
SD_POINTERS = [
    "/given_name",
    "/family_name",
    "/birthdate",
    "/nationality",
    "/address/street_address",
]
NONCE, AUDIENCE = "bench-nonce", "https://verifier.example"


@dataclass
class FormatsReport:
    """Timings of every format operation, peer timings, sizes and target ratios."""

    stats: dict[str, Stats] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    targets: list[tuple[str, float | None, str, bool | None]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stats": {name: s.to_dict() for name, s in self.stats.items()},
            "sizes": self.sizes,
            "notes": self.notes,
            "targets": [
                {"name": n, "ratio": r, "target": t, "met": m} for n, r, t, m in self.targets
            ],
        }


def _ours(sizes: dict[str, int]) -> dict[str, Callable[[], object]]:
    from vc_service import (
        Key,
        add_proof,
        derive_bbs_proof,
        issue_sd_jwt_vc,
        issue_vc_jwt,
        present_sd_jwt,
        verify,
    )
    from vc_service._data_integrity import verify_proofs
    from vc_service._dids import default_resolver

    # The holder key is P-256 on both sides: the reference verifier checks KB-JWTs as ES256.
    ed, p256, bls, holder = (Key.generate(t) for t in ("ed25519", "p256", "bls12381g2", "p256"))
    now = datetime.now(UTC)
    resolver = default_resolver()

    def vm(key: Key) -> str:
        return f"{key.did_key()}#{key.multikey()}"

    def resolve(method: str) -> Key:
        return resolver.resolve_key(method, purpose="assertionMethod")

    v1 = {**VC_V1, "issuer": ed.did_key()}
    v2_ed = {**VC_V2, "issuer": ed.did_key()}
    v2_p = {**VC_V2, "issuer": p256.did_key()}
    v2_bls = {**VC_V2, "issuer": bls.did_key()}

    def sign(doc: dict[str, Any], suite: str, key: Key = ed, **kw: Any) -> dict[str, Any]:
        return add_proof(doc, key, cryptosuite=suite, verification_method=vm(key), **kw)

    signed_v1 = sign(v1, "eddsa-rdfc-2022")
    signed = {s: sign(v2_ed, s) for s in ("eddsa-rdfc-2022", "eddsa-jcs-2022")}
    base = sign(v2_bls, "bbs-2023", bls, mandatory_pointers=["/issuer"])
    reveal = ["/credentialSubject/birthDate"]
    derived = derive_bbs_proof(base, selective_pointers=reveal)
    jwt_es = issue_vc_jwt(v2_p, p256, kid=vm(p256))
    jwt_ed = issue_vc_jwt(v2_ed, ed, kid=vm(ed))

    def sd_issue() -> str:
        return issue_sd_jwt_vc(
            SD_CLAIMS,
            ed,
            issuer=ed.did_key(),
            vct="https://credentials.example.gov/identity",
            kid=vm(ed),
            disclose=SD_POINTERS,
            holder_key=holder.public_key(),
            decoys=0,
        )

    sd = sd_issue()

    def sd_present() -> str:
        return present_sd_jwt(
            sd, reveal=["/given_name"], holder_key=holder, nonce=NONCE, audience=AUDIENCE
        )

    presentation = sd_present()
    sizes["eddsa-rdfc-2022 credential"] = len(json.dumps(signed["eddsa-rdfc-2022"]))
    sizes["bbs-2023 base credential"] = len(json.dumps(base))
    sizes["bbs-2023 derived credential"] = len(json.dumps(derived))
    sizes["vc+jwt ES256"] = len(jwt_es)
    sizes["dc+sd-jwt issuance"] = len(sd)
    sizes["dc+sd-jwt presentation (1 of 5 + KB)"] = len(presentation)
    return {
        "eddsa-rdfc-2022 v1.1 sign": lambda: sign(v1, "eddsa-rdfc-2022"),
        "eddsa-rdfc-2022 v1.1 verify": lambda: verify_proofs(signed_v1, resolve_key=resolve),
        "eddsa-rdfc-2022 issue": lambda: sign(v2_ed, "eddsa-rdfc-2022"),
        "eddsa-rdfc-2022 verify()": lambda: verify(signed["eddsa-rdfc-2022"], now=now),
        "eddsa-jcs-2022 issue": lambda: sign(v2_ed, "eddsa-jcs-2022"),
        "eddsa-jcs-2022 verify()": lambda: verify(signed["eddsa-jcs-2022"], now=now),
        "bbs-2023 issue": lambda: sign(v2_bls, "bbs-2023", bls, mandatory_pointers=["/issuer"]),
        "bbs-2023 derive": lambda: derive_bbs_proof(base, selective_pointers=reveal),
        "bbs-2023 verify()": lambda: verify(derived, now=now),
        "vc+jwt ES256 issue": lambda: issue_vc_jwt(v2_p, p256, kid=vm(p256)),
        "vc+jwt ES256 verify()": lambda: verify(jwt_es, now=now),
        "vc+jwt EdDSA verify()": lambda: verify(jwt_ed, now=now),
        "dc+sd-jwt issue": sd_issue,
        "dc+sd-jwt present": sd_present,
        "dc+sd-jwt verify()": lambda: verify(presentation, now=now, nonce=NONCE, audience=AUDIENCE),
    }


def _didkit() -> dict[str, Callable[[], object]]:
    import didkit  # type: ignore[import-untyped]

    loop = asyncio.new_event_loop()

    async def _await(make: Callable[[], Any]) -> Any:
        # didkit's coroutines must be created inside a running loop.
        return await make()

    def call(make: Callable[[], Any]) -> Any:
        return loop.run_until_complete(_await(make))

    key = didkit.generate_ed25519_key()
    did = didkit.key_to_did("key", key)
    vm = call(lambda: didkit.key_to_verification_method("key", key))
    credential = json.dumps({**VC_V1, "issuer": did})
    options = json.dumps({"proofPurpose": "assertionMethod", "verificationMethod": vm})
    signed = call(lambda: didkit.issue_credential(credential, options, key))
    check = json.dumps({"proofPurpose": "assertionMethod"})
    result = json.loads(call(lambda: didkit.verify_credential(signed, check)))
    if result.get("errors"):
        raise RuntimeError(f"didkit did not verify its own credential: {result['errors']}")
    return {
        "didkit Ed25519Signature2018 sign": lambda: call(
            lambda: didkit.issue_credential(credential, options, key)
        ),
        "didkit Ed25519Signature2018 verify": lambda: call(
            lambda: didkit.verify_credential(signed, check)
        ),
    }


def _reference_sd_jwt() -> dict[str, Callable[[], object]]:
    from jwcrypto.jwk import JWK
    from sd_jwt.common import SDObj
    from sd_jwt.holder import SDJWTHolder
    from sd_jwt.issuer import SDJWTIssuer
    from sd_jwt.verifier import SDJWTVerifier

    from vc_service import Key

    issuer_key, holder_key = Key.generate("ed25519"), Key.generate("p256")
    issuer_jwk = JWK(**issuer_key.private_jwk())
    issuer_pub = JWK(**issuer_key.public_jwk())
    holder_jwk = JWK(**holder_key.private_jwk())
    holder_pub = JWK(**holder_key.public_jwk())
    claims: dict[Any, Any] = {
        "iss": "https://issuer.example",
        "vct": "https://credentials.example.gov/identity",
        SDObj("given_name"): SD_CLAIMS["given_name"],
        SDObj("family_name"): SD_CLAIMS["family_name"],
        SDObj("birthdate"): SD_CLAIMS["birthdate"],
        SDObj("nationality"): SD_CLAIMS["nationality"],
        "address": {
            SDObj("street_address"): "Storgatan 1",
            "locality": "Uppsala",
            "country": "SE",
        },
    }

    def issue() -> str:
        return str(SDJWTIssuer(claims, issuer_jwk, holder_pub, sign_alg="EdDSA").sd_jwt_issuance)

    issued = issue()

    def present() -> str:
        holder = SDJWTHolder(issued)
        holder.create_presentation({"given_name": True}, NONCE, AUDIENCE, holder_jwk, "ES256")
        return str(holder.sd_jwt_presentation)

    presentation = present()

    def verify() -> object:
        return SDJWTVerifier(
            presentation, lambda iss, header: issuer_pub, AUDIENCE, NONCE
        ).get_verified_payload()

    return {
        "sd-jwt reference issue": issue,
        "sd-jwt reference present": present,
        "sd-jwt reference verify": verify,
    }


def _ratio(stats: dict[str, Stats], ours: str, peer: str) -> float | None:
    if ours in stats and peer in stats and stats[peer].median > 0:
        return stats[ours].median / stats[peer].median
    return None


def run(quick: bool) -> FormatsReport:
    """Measure every format and the available peers, interleaved."""
    report = FormatsReport()
    operations = _ours(report.sizes)
    for name, loader in (("didkit", _didkit), ("sd-jwt reference", _reference_sd_jwt)):
        try:
            operations.update(loader())
        except ImportError as exc:
            report.notes.append(f"{name} not measured: {exc} (install the 'bench' extra)")
    stats = measure_round_robin(operations, repeat=20 if quick else 200, warmup=3)
    report.stats = stats
    pairs = [
        (
            "eddsa-rdfc-2022 sign / didkit sign",
            "eddsa-rdfc-2022 v1.1 sign",
            "didkit Ed25519Signature2018 sign",
            2.0,
        ),
        (
            "eddsa-rdfc-2022 verify / didkit verify",
            "eddsa-rdfc-2022 v1.1 verify",
            "didkit Ed25519Signature2018 verify",
            2.0,
        ),
        ("SD-JWT issue / reference issue", "dc+sd-jwt issue", "sd-jwt reference issue", 1.2),
        (
            "SD-JWT present / reference present",
            "dc+sd-jwt present",
            "sd-jwt reference present",
            1.2,
        ),
        (
            "SD-JWT verify() / reference verify",
            "dc+sd-jwt verify()",
            "sd-jwt reference verify",
            1.2,
        ),
    ]
    for label, ours, peer, limit in pairs:
        ratio = _ratio(stats, ours, peer)
        report.targets.append(
            (label, ratio, f"<= {limit}x", None if ratio is None else ratio <= limit)
        )
    return report


def render(report: FormatsReport) -> str:
    """The formats section of the benchmark report."""
    lines = ["", "Credential formats (median ms per call, interleaved rounds)"]
    lines.append(f"  {'operation':<44} {'n':>5} {'median':>10} {'p10':>10} {'p90':>10}")
    for name, s in report.stats.items():
        lines.append(
            f"  {name:<44} {s.n:>5} {s.median * 1e3:>10.3f} {s.p10 * 1e3:>10.3f} "
            f"{s.p90 * 1e3:>10.3f}"
        )
    lines.append("")
    lines.append("Sizes in bytes")
    for name, size in report.sizes.items():
        lines.append(f"  {name:<44} {size:>8}")
    lines.append("")
    lines.append("Targets (ratios of medians, ours / peer)")
    for label, ratio, target, met in report.targets:
        mark = "n/a " if met is None else ("PASS" if met else "MISS")
        value = "    n/a" if ratio is None else f"{ratio:7.2f}x"
        lines.append(f"  [{mark}] {label:<44} {value} (target {target})")
    lines.extend(f"  note: {note}" for note in report.notes)
    return "\n".join(lines)
