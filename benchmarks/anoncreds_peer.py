"""The peer: Hyperledger AnonCreds (CL signatures), via its ``anoncreds`` Python wrapper.

The statement proven is the same as for BBS: a holder presents one credential with
``message_count`` attributes, reveals ``disclosed_count`` of them, proves no predicates and no
non-revocation. The credential definition is created without revocation support.

``anoncreds`` ships no type information, so it is imported dynamically and treated as untyped.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

__all__ = ["AnonCredsWorkload", "PeerUnavailable", "load_anoncreds"]

_ISSUER_ID = "did:example:issuer"
_SCHEMA_ID = "did:example:issuer/schema/bench/1.0"
_CRED_DEF_ID = "did:example:issuer/creddef/bench"
_LINK_SECRET_ID = "bench-link-secret"  # noqa: S105 (a label, not a secret)


class PeerUnavailable(Exception):
    """The peer library cannot be used; the message says why."""


def load_anoncreds() -> ModuleType:
    """Import the ``anoncreds`` wrapper and its native library, or raise PeerUnavailable."""
    try:
        module = importlib.import_module("anoncreds")
        version = module.library_version()
    except ImportError as exc:
        raise PeerUnavailable(
            f"the 'anoncreds' package is not installed ({exc}); "
            "it is in the 'bench' extra: pip install -e '.[bench]' (make bench does this)"
        ) from exc
    except OSError as exc:  # the wrapper loads its shared library lazily
        raise PeerUnavailable(f"the anoncreds native library could not be loaded: {exc}") from exc
    if not isinstance(version, str):
        raise PeerUnavailable("unexpected anoncreds library: library_version() is not a string")
    return module


def _compact_json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode("utf-8"))


@dataclass(frozen=True)
class AnonCredsWorkload:
    """Issuer and holder state after one issuance and one presentation, ready for timing."""

    library_version: str
    setup_s: float
    operations_by_name: dict[str, Callable[[], object]]
    sizes_in_bytes: dict[str, int]

    @classmethod
    def prepare(cls, *, message_count: int, disclosed_count: int) -> AnonCredsWorkload:
        """Create schema, credential definition, credential and presentation; check them.

        Raises PeerUnavailable if the library is missing.
        """
        ac: Any = load_anoncreds()
        names = [f"attribute_{i:02d}" for i in range(message_count)]
        values = {name: f"value of attribute {i}" for i, name in enumerate(names)}

        started = time.perf_counter()
        schema = ac.Schema.create("bench", "1.0", _ISSUER_ID, names)
        cred_def, cred_def_private, key_proof = ac.CredentialDefinition.create(
            _SCHEMA_ID, schema, _ISSUER_ID, "bench", "CL", support_revocation=False
        )
        setup_s = time.perf_counter() - started

        link_secret = ac.create_link_secret()
        offer = ac.CredentialOffer.create(_SCHEMA_ID, _CRED_DEF_ID, key_proof)
        request, request_metadata = ac.CredentialRequest.create(
            "bench-entropy", None, cred_def, link_secret, _LINK_SECRET_ID, offer
        )

        def issue() -> Any:
            return ac.Credential.create(cred_def, cred_def_private, offer, request, values)

        # process() makes the holder check the signature and its correctness proof.
        credential = issue().process(request_metadata, link_secret, cred_def)

        referents = [f"ref_{i}" for i in range(disclosed_count)]
        presentation_request = ac.PresentationRequest.load(
            {
                "name": "bench",
                "version": "1.0",
                "nonce": ac.generate_nonce(),
                "requested_attributes": {
                    referent: {"name": names[i], "restrictions": [{"cred_def_id": _CRED_DEF_ID}]}
                    for i, referent in enumerate(referents)
                },
                "requested_predicates": {},
            }
        )
        schemas = {_SCHEMA_ID: schema}
        cred_defs = {_CRED_DEF_ID: cred_def}

        def present() -> Any:
            to_present = ac.PresentCredentials()
            to_present.add_attributes(credential, *referents, reveal=True)
            return ac.Presentation.create(
                presentation_request, to_present, {}, link_secret, schemas, cred_defs
            )

        presentation = present()

        def verify_presentation() -> None:
            if presentation.verify(presentation_request, schemas, cred_defs) is not True:
                raise RuntimeError("AnonCreds rejected its own presentation")

        verify_presentation()  # sanity check before timing
        presentation_json: str = presentation.to_json()
        presentation_dict = json.loads(presentation_json)
        revealed = presentation_dict["requested_proof"]["revealed_attrs"]
        if sorted(revealed) != sorted(referents):
            raise RuntimeError("AnonCreds presentation does not reveal the requested attributes")
        credential_dict = credential.to_dict()

        return cls(
            library_version=str(ac.library_version()),
            setup_s=setup_s,
            operations_by_name={
                "issue": issue,
                "present": present,
                "verify_presentation": verify_presentation,
            },
            sizes_in_bytes={
                "credential_signature_json_bytes": _compact_json_size(credential_dict["signature"]),
                "credential_json_bytes": _compact_json_size(credential_dict),
                "presentation_json_bytes": len(presentation_json.encode("utf-8")),
                "presentation_proof_json_bytes": _compact_json_size(presentation_dict["proof"]),
            },
        )

    def operations(self) -> dict[str, Callable[[], object]]:
        """``issue`` (Credential.create), ``present`` and ``verify_presentation``."""
        return dict(self.operations_by_name)

    def sizes(self) -> dict[str, int]:
        return dict(self.sizes_in_bytes)
