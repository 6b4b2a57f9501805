"""VC Data Integrity 1.0 (W3C Recommendation, 15 May 2025): adding and verifying proofs.

The generic layer above the cryptosuites (:mod:`vc_service._cryptosuite`, which dispatches on
``cryptosuite``): proof options, proof sets and chains, purposes, challenge/domain, expiry, and
verifiable presentations secured with Data Integrity.

* :func:`add_proof` is §4.2 Add Proof and §4.3 Add Proof Set/Chain. A document that already has
  ``proof`` gets a proof *set* (§2.1.1): ``proof`` becomes an array and the new proof signs the
  document without the existing proofs. With ``previous_proof`` it is a proof *chain* (§2.1.2):
  the new proof signs the document with ``proof`` set to the array of the proofs it names.
* :func:`verify_proofs` is §4.4 Verify Proof and §4.5 Verify Proof Sets and Chains: every proof
  must verify, and every ``previousProof`` must name a proof in the same set.

Who may sign
    The key resolver (``resolve_key``) maps a verification method id to a :class:`Key`; it is
    where a DID document is consulted (the resolver must only return a key that the controller
    document lists under the proof's purpose). On top of that, this module checks the part that
    needs the document itself: when a credential's ``issuer`` (or a presentation's ``holder``)
    is a DID, the DID of every proof's ``verificationMethod`` (the part before ``#``) must be
    that DID. Without it, anyone could sign a credential naming any issuer with their own key.
    When the issuer is not a DID (an ``https:`` URL, as in the W3C vectors) this check cannot be
    made here; the caller's trust policy must bind the key to the issuer. A consequence: a
    credential issued by a DID cannot carry co-signatures by other parties in its proof set.

Time
    ``expires`` (§2.1) in the past raises :class:`Expired`. ``created`` more than
    :data:`CLOCK_SKEW` in the future raises :class:`NotYetValid`: a proof cannot have been made
    after the moment it is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from . import (
    _bbs2023,  # noqa: F401  (registers bbs-2023)
    _eddsa,  # noqa: F401  (registers eddsa-rdfc-2022 and eddsa-jcs-2022)
)
from ._cryptosuite import get_cryptosuite
from ._errors import (
    AudienceMismatch,
    Error,
    Expired,
    InvalidCredential,
    InvalidInput,
    InvalidProof,
    NonceMismatch,
    NotYetValid,
    ResolutionError,
)
from ._jsonld import as_json_object
from ._keys import Key
from ._vcdm import (
    CREDENTIALS_V2_CONTEXT,
    check_validity_period,
    format_datetime,
    is_enveloped,
    is_url,
    parse_datetime,
    validate_credential,
    validate_presentation,
)

__all__ = [
    "CLOCK_SKEW",
    "DATA_INTEGRITY_V2_CONTEXT",
    "PresentationCheck",
    "ProofCheck",
    "add_proof",
    "create_presentation",
    "verify_credential",
    "verify_presentation",
    "verify_proofs",
]

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a proof's ``created`` may lie (clocks of signer and verifier differ)."""

_PROOF_TYPE = "DataIntegrityProof"
DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
# Contexts that define the Data Integrity terms (DataIntegrityProof, proofPurpose, ...).
_DI_CONTEXTS = frozenset({CREDENTIALS_V2_CONTEXT, DATA_INTEGRITY_V2_CONTEXT})


@dataclass(frozen=True)
class ProofCheck:
    """One verified proof (Data Integrity 1.0 §4.4 verification result, minus the document)."""

    cryptosuite: str
    verification_method: str
    purpose: str
    created: datetime | None


@dataclass(frozen=True)
class PresentationCheck:
    """The verified proofs of a presentation and of each credential embedded in it.

    ``credentials[i]`` are the proofs of the i-th embedded (non-enveloped) credential.
    """

    proofs: tuple[ProofCheck, ...]
    credentials: tuple[tuple[ProofCheck, ...], ...]


# ------------------------------------------------------------------------------ helpers


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("'now' must be an aware datetime (with a time zone)")
    return now


def _with_data_integrity_context(document: dict[str, Any]) -> dict[str, Any]:
    """§2.4: when securing, inject the Data Integrity context if no context maps its terms.

    Without it the proof's terms would be undefined (or, under an ``@vocab``, silently mean
    something else). Only the two contexts known to define them are recognised.
    """
    context = document.get("@context")
    if context is None:
        return {"@context": DATA_INTEGRITY_V2_CONTEXT, **document}
    contexts = context if isinstance(context, list) else [context]
    if not any(isinstance(c, str) and c in _DI_CONTEXTS for c in contexts):
        document["@context"] = [*contexts, DATA_INTEGRITY_V2_CONTEXT]
    return document


def _proof_list(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The proofs of ``document`` as a list (§2.1: one object or a set of objects)."""
    value = document.get("proof")
    if value is None:
        return []
    proofs = [value] if isinstance(value, dict) else value
    if not isinstance(proofs, list) or not proofs:
        raise InvalidCredential("'proof' must be an object or a non-empty array", path="/proof")
    for index, proof in enumerate(proofs):
        if not isinstance(proof, dict):
            raise InvalidCredential("each proof must be an object", path=f"/proof/{index}")
    return proofs


def _strings(value: object, path: str, what: str) -> list[str]:
    """A string or a non-empty array of strings (``domain``, ``previousProof``)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise InvalidCredential(
            f"{what} must be a string or a non-empty array of strings", path=path
        )
    return list(items)


def _types(document: Mapping[str, Any]) -> list[Any]:
    value = document.get("type")
    return [value] if isinstance(value, str) else (value if isinstance(value, list) else [])


def _controller(document: Mapping[str, Any]) -> tuple[str, str] | None:
    """(role, DID) whose keys alone may sign ``document``, if the document names a DID."""
    types = _types(document)
    if "VerifiableCredential" in types:
        role, value = "issuer", document.get("issuer")
    elif "VerifiablePresentation" in types:
        role, value = "holder", document.get("holder")
    else:
        return None
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str) and value.startswith("did:"):
        return role, value
    return None


def _check_controller(document: Mapping[str, Any], verification_method: str) -> None:
    controller = _controller(document)
    if controller is None:
        return
    role, did = controller
    if verification_method.split("#", 1)[0] != did:
        raise InvalidProof(
            f"verification method {verification_method!r} is not controlled by the {role} {did!r}"
        )


def _unsecured(document: Mapping[str, Any], previous: list[dict[str, Any]]) -> dict[str, Any]:
    """The document a proof signs: without ``proof``, or with the chained previous proofs."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if previous:
        unsecured["proof"] = previous  # §4.3 / §4.5: always an array, even of one proof
    return unsecured


def _previous(
    proof: Mapping[str, Any], all_proofs: list[dict[str, Any]], path: str
) -> list[dict[str, Any]]:
    """The proofs that ``proof.previousProof`` names (§2.1.2), in the order it names them."""
    if "previousProof" not in proof:
        return []
    references = _strings(proof["previousProof"], f"{path}/previousProof", "'previousProof'")
    matching = []
    for reference in references:
        found = [p for p in all_proofs if p is not proof and p.get("id") == reference]
        if not found:
            raise InvalidProof(f"previousProof {reference!r} names no other proof in the document")
        matching.append(found[0])
    return matching


# ------------------------------------------------------------------------------ creation


def add_proof(
    document: Mapping[str, Any],
    key: Key,
    *,
    cryptosuite: str,
    verification_method: str,
    proof_purpose: str = "assertionMethod",
    created: datetime | None = None,
    expires: datetime | None = None,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    **suite_kwargs: Any,
) -> dict[str, Any]:
    """Return a copy of ``document`` with one more Data Integrity proof (§4.2, §4.3).

    ``created`` defaults to now (UTC, whole seconds). An existing ``proof`` makes a proof set:
    ``proof`` becomes an array and the new proof does not sign the others, unless
    ``previous_proof`` names one or more of them by ``id``, which makes a chain (the new proof
    signs the document together with those proofs). A document whose contexts do not define
    the Data Integrity terms gets ``https://w3id.org/security/data-integrity/v2`` added (§2.4).
    ``challenge`` and ``domain`` bind a proof to one exchange and one verifier (§2.1; used with
    ``proof_purpose="authentication"`` on presentations). Suite-specific options pass through
    ``suite_kwargs``.
    """
    doc = _with_data_integrity_context(as_json_object(document, "the document to secure"))
    if not isinstance(key, Key):
        raise InvalidInput("key must be a vc_service Key")
    suite = get_cryptosuite(cryptosuite)
    if key.type not in suite.key_types:
        raise InvalidInput(f"{cryptosuite} does not sign with {key.type} keys")
    if not key.has_private:
        raise InvalidInput("signing needs a private key")
    if not is_url(verification_method):
        raise InvalidInput("verification_method must be a URL")
    if not isinstance(proof_purpose, str) or not proof_purpose:
        raise InvalidInput("proof_purpose must be a non-empty string")
    try:
        _check_controller(doc, verification_method)
    except InvalidProof as exc:  # refuse to make a proof that could never verify
        raise InvalidInput(str(exc)) from exc

    options: dict[str, Any] = {"type": _PROOF_TYPE}
    if proof_id is not None:
        if not is_url(proof_id):
            raise InvalidInput("proof_id must be a URL")
        options["id"] = proof_id
    options["cryptosuite"] = cryptosuite
    created = datetime.now(UTC).replace(microsecond=0) if created is None else created
    options["created"] = format_datetime(created)
    if expires is not None:
        options["expires"] = format_datetime(expires)
        if expires <= created:
            raise InvalidInput("expires must be later than created")
    options["verificationMethod"] = verification_method
    options["proofPurpose"] = proof_purpose
    if challenge is not None:
        if not isinstance(challenge, str) or not challenge:
            raise InvalidInput("challenge must be a non-empty string")
        options["challenge"] = challenge
    if domain is not None:
        domains = _strings(domain if isinstance(domain, str) else list(domain), "", "domain")
        options["domain"] = domain if isinstance(domain, str) else domains

    existing = _proof_list(doc)
    previous: list[dict[str, Any]] = []
    if previous_proof is not None:
        references = _strings(
            previous_proof if isinstance(previous_proof, str) else list(previous_proof),
            "",
            "previous_proof",
        )
        options["previousProof"] = previous_proof if isinstance(previous_proof, str) else references
        for reference in references:
            found = [p for p in existing if p.get("id") == reference]
            if not found:
                raise InvalidInput(f"previous_proof {reference!r} names no proof of the document")
            previous.append(found[0])

    proof = suite.create_proof(_unsecured(doc, previous), options, key, **suite_kwargs)
    # §4.2: the proof the suite returns must carry the options it was given, unchanged.
    for member in (
        "type",
        "cryptosuite",
        "proofPurpose",
        "verificationMethod",
        "challenge",
        "domain",
    ):
        if proof.get(member) != options.get(member):
            raise InvalidInput(f"{cryptosuite} returned a proof with a different {member!r}")
    all_proofs = [*existing, proof]
    doc["proof"] = proof if len(all_proofs) == 1 else all_proofs
    return doc


def create_presentation(
    credentials: Sequence[Mapping[str, Any]],
    *,
    holder: str | None = None,
    id: str | None = None,  # the VCDM member name, shadowing the builtin on purpose
) -> dict[str, Any]:
    """An unsecured verifiable presentation of ``credentials`` (VCDM 2.0 §4.13).

    Sign it with :func:`add_proof` and ``proof_purpose="authentication"``, the verifier's
    ``challenge`` and its ``domain`` (Data Integrity 1.0 §2.1, §2.2). The credentials are copied;
    the result passes :func:`vc_service._vcdm.validate_presentation`.
    """
    if isinstance(credentials, Mapping) or not isinstance(credentials, Sequence):
        raise InvalidInput("credentials must be a sequence of credential objects")
    presentation: dict[str, Any] = {"@context": [CREDENTIALS_V2_CONTEXT]}
    if id is not None:
        presentation["id"] = id
    presentation["type"] = ["VerifiablePresentation"]
    if holder is not None:
        presentation["holder"] = holder
    if credentials:
        presentation["verifiableCredential"] = [
            as_json_object(credential, "a credential") for credential in credentials
        ]
    validate_presentation(presentation)
    return presentation


# ------------------------------------------------------------------------------ verification


def _resolve(resolve_key: Callable[[str], Key], verification_method: str) -> Key:
    try:
        key = resolve_key(verification_method)
    except Error:
        raise
    except Exception as exc:  # the resolver is the caller's code: keep its failure typed
        raise ResolutionError(f"cannot resolve {verification_method!r}: {exc}") from exc
    if not isinstance(key, Key):
        raise ResolutionError(f"the key resolver returned no Key for {verification_method!r}")
    return key


def _check_domain(proof: Mapping[str, Any], expected: str | Sequence[str], path: str) -> None:
    """§4.4 (``expectedDomain``): the proof's ``domain`` must be the verifier's.

    A string ``expected`` must be one of the proof's domains (a proof may name several
    audiences); an array must equal the proof's domains as a set.
    """
    if "domain" not in proof:
        raise AudienceMismatch("the proof has no domain; a domain was expected")
    actual = set(_strings(proof["domain"], f"{path}/domain", "'domain'"))
    if isinstance(expected, str):
        matches = expected in actual
    else:
        matches = set(expected) == actual
    if not matches:
        raise AudienceMismatch(f"the proof was made for domain {sorted(actual)}, not {expected!r}")


def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolve_key: Callable[[str], Key],
    expected_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    now: datetime | None = None,
) -> list[ProofCheck]:
    """Verify every Data Integrity proof of ``document`` (§4.4, §4.5); raise on any failure.

    Each proof must be a ``DataIntegrityProof`` of a registered cryptosuite, with
    ``proofPurpose == expected_purpose``, the ``challenge`` (:class:`NonceMismatch`) and
    ``domain`` (:class:`AudienceMismatch`) asked for (when given), not expired
    (:class:`Expired`), not created in the future (:class:`NotYetValid`), signed by a key of a
    type the suite allows, from a verification method the document's issuer/holder DID controls
    (module docstring), and every ``previousProof`` must name another proof of the document
    (:class:`InvalidProof`). Returns one :class:`ProofCheck` per proof, in document order.
    """
    doc = as_json_object(document, "the secured document")
    moment = _now(now)
    all_proofs = _proof_list(doc)
    if not all_proofs:
        raise InvalidProof("the document has no proof")
    ids = [p["id"] for p in all_proofs if "id" in p]
    if len(ids) != len(set(map(str, ids))):
        # previousProof references would be ambiguous.
        raise InvalidProof("two proofs have the same id")

    checks: list[ProofCheck] = []
    for index, proof in enumerate(all_proofs):
        path = f"/proof/{index}" if isinstance(doc["proof"], list) else "/proof"
        if proof.get("type") != _PROOF_TYPE:
            raise InvalidProof(f"unsupported proof type {proof.get('type')!r}")
        suite_name = proof.get("cryptosuite")
        suite = get_cryptosuite(suite_name)
        verification_method = proof.get("verificationMethod")
        if not isinstance(verification_method, str) or not is_url(verification_method):
            raise InvalidCredential(
                "'verificationMethod' must be a URL", path=f"{path}/verificationMethod"
            )
        purpose = proof.get("proofPurpose")
        if purpose != expected_purpose:
            raise InvalidProof(f"proof purpose is {purpose!r}, expected {expected_purpose!r}")
        if "id" in proof and not is_url(proof["id"]):
            raise InvalidCredential("a proof 'id' must be a URL", path=f"{path}/id")

        created = None
        if "created" in proof:
            created = parse_datetime(proof["created"], path=f"{path}/created")
            if created > moment + CLOCK_SKEW:
                raise NotYetValid(
                    f"the proof claims to be created in the future ({proof['created']})"
                )
        if "expires" in proof:
            expires = parse_datetime(proof["expires"], path=f"{path}/expires")
            if moment >= expires:
                raise Expired(f"the proof expired at {proof['expires']}")
        if challenge is not None and proof.get("challenge") != challenge:
            raise NonceMismatch("the proof's challenge is not the one the verifier issued")
        if domain is not None:
            _check_domain(proof, domain, path)

        previous = _previous(proof, all_proofs, path)
        _check_controller(doc, verification_method)
        key = _resolve(resolve_key, verification_method)
        if key.type not in suite.key_types:
            raise InvalidProof(f"{suite.name} does not verify with {key.type} keys")
        suite.verify_proof(_unsecured(doc, previous), proof, key)
        checks.append(ProofCheck(suite.name, verification_method, purpose, created))
    return checks


def verify_credential(
    credential: Mapping[str, Any],
    *,
    resolve_key: Callable[[str], Key],
    now: datetime | None = None,
) -> list[ProofCheck]:
    """Validate (VCDM 2.0), verify every proof (purpose ``assertionMethod``) and the validity
    period (§4.9) of a Data Integrity secured credential."""
    moment = _now(now)
    validate_credential(credential, require_proof=True)
    checks = verify_proofs(credential, resolve_key=resolve_key, now=moment)
    check_validity_period(credential, moment)
    return checks


def verify_presentation(
    presentation: Mapping[str, Any],
    *,
    resolve_key: Callable[[str], Key],
    challenge: str,
    domain: str | Sequence[str] | None,
    now: datetime | None = None,
    verify_enveloped: Callable[[Mapping[str, Any]], None] | None = None,
) -> PresentationCheck:
    """Verify a Data Integrity secured presentation and every credential in it.

    The presentation must be valid (VCDM 2.0 §4.13), carry proofs with purpose
    ``authentication`` bound to ``challenge`` (:class:`NonceMismatch`) and, unless ``domain`` is
    None, to ``domain`` (:class:`AudienceMismatch`); when ``holder`` is a DID the proofs must come
    from its keys. Each embedded credential is then verified like :func:`verify_credential`
    (proofs with purpose ``assertionMethod``, validity period). An enveloped credential is
    secured by another mechanism (JOSE, SD-JWT): it is passed to ``verify_enveloped``, and
    without one it is refused rather than accepted unchecked.
    """
    if not isinstance(challenge, str) or not challenge:
        # Without a challenge a recorded presentation could be replayed.
        raise InvalidInput("challenge must be a non-empty string")
    moment = _now(now)
    doc = as_json_object(presentation, "the presentation")
    validate_presentation(doc)
    proofs = verify_proofs(
        doc,
        resolve_key=resolve_key,
        expected_purpose="authentication",
        challenge=challenge,
        domain=domain,
        now=moment,
    )
    entries = doc.get("verifiableCredential", [])
    entries = [entries] if isinstance(entries, dict) else entries
    credential_checks: list[tuple[ProofCheck, ...]] = []
    for entry in entries:
        if is_enveloped(entry):
            if verify_enveloped is None:
                raise InvalidInput(
                    "the presentation holds an enveloped credential and no verify_enveloped"
                )
            verify_enveloped(entry)
            continue
        checks = verify_proofs(entry, resolve_key=resolve_key, now=moment)
        check_validity_period(entry, moment)
        credential_checks.append(tuple(checks))
    return PresentationCheck(tuple(proofs), tuple(credential_checks))
