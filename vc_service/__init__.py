"""Chancery credential service.

The library layer (importable without a web framework or a database; the wallet SDK uses it):

* :func:`verify` -- one entry point for every format, returning the list of checks performed.
* Issuing: :func:`add_proof` (Data Integrity ``eddsa-rdfc-2022``, ``eddsa-jcs-2022``,
  ``bbs-2023``), :func:`issue_vc_jwt`, :func:`issue_sd_jwt_vc`.
* Holding: :func:`derive_bbs_proof`, :func:`present_sd_jwt`, :func:`create_presentation`.
* Keys and DIDs: :class:`Key` (JWK, Multikey), :class:`DIDResolver` (did:key, did:jwk, did:web).
* Status: :class:`BitstringStatusList`, :class:`IndexAllocator`, :class:`TokenStatusList`.
* :mod:`vc_service.ledger` -- the verifiable ledger (log, registry state, checkpoints, anchors).

The cryptography lives in :mod:`zk`.
"""

from typing import Any

from ._bbs2023 import derive_proof as derive_bbs_proof
from ._bitstring_status import (
    BitstringStatusList,
    IndexAllocator,
    status_entry,
    status_list_credential,
)
from ._data_integrity import add_proof, create_presentation
from ._dids import DIDResolver, default_resolver
from ._errors import (
    AudienceMismatch,
    Error,
    Expired,
    HolderBindingError,
    InvalidCredential,
    InvalidInput,
    InvalidProof,
    NonceMismatch,
    NotYetValid,
    ResolutionError,
    Revoked,
    StatusUnavailable,
    Suspended,
    UnknownContext,
    UntrustedIssuer,
    VerificationError,
)
from ._jose import issue_vc_jwt, issue_vp_jwt
from ._keys import Key
from ._sd_jwt import issue_sd_jwt_vc
from ._sd_jwt import present as present_sd_jwt
from ._token_status import TokenStatusList, issue_status_list_token
from ._vcdm import validate_credential, validate_presentation
from ._verify import Check, StatusSource, VerificationResult, presentation_header, verify

__all__ = [
    "AudienceMismatch",
    "BitstringStatusList",
    "Check",
    "DIDResolver",
    "Error",
    "Expired",
    "HolderBindingError",
    "IndexAllocator",
    "InvalidCredential",
    "InvalidInput",
    "InvalidProof",
    "Key",
    "NonceMismatch",
    "NotYetValid",
    "ResolutionError",
    "Revoked",
    "StatusSource",
    "StatusUnavailable",
    "Suspended",
    "TokenStatusList",
    "UnknownContext",
    "UntrustedIssuer",
    "VerificationError",
    "VerificationResult",
    "add_proof",
    "create_presentation",
    "default_resolver",
    "derive_bbs_proof",
    "issue_sd_jwt_vc",
    "issue_status_list_token",
    "issue_vc_jwt",
    "issue_vp_jwt",
    "ledger",
    "present_sd_jwt",
    "presentation_header",
    "status_entry",
    "status_list_credential",
    "validate_credential",
    "validate_presentation",
    "verify",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The ledger pulls in SQLAlchemy (about half a second): load it on first use, so that the
    # wallet and the credential commands start fast.
    if name == "ledger":
        import importlib

        return importlib.import_module(".ledger", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
