"""The public surface of ``zk``, ``vc_service`` and ``wallet_sdk`` is pinned (as httpx pins its own in the same-named test).

Adding or removing a public name must be a deliberate change to this file.
"""

from __future__ import annotations

import importlib
import types

import pytest

import zk
import zk.accumulator
import zk.bbs
import zk.curve
import zk.presentation
import zk.range

EXPORTS = {
    "vc_service": [
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
    ],
    "vc_service.ledger": [
        "AnchorClient",
        "AnchorError",
        "AnchorMismatch",
        "AnchorPolicy",
        "AnchorRejected",
        "AppendError",
        "AuditReport",
        "ChanceryMethodResolver",
        "Checkpoint",
        "CheckpointError",
        "Entry",
        "InvalidEntry",
        "Ledger",
        "LedgerError",
        "LedgerRuleError",
        "LedgerStore",
        "MerkleProofError",
        "Receipt",
        "RegistryState",
        "cosign",
        "decode_entry",
        "leaf_hash",
        "log_id",
        "make_entry",
        "note_verifier_key",
        "verify_checkpoint",
        "verify_consistency",
        "verify_inclusion",
        "verify_receipt",
    ],
    "vc_service.service": ["Settings", "create_app", "get_settings"],
    "wallet_sdk": [
        "FORMATS",
        "CorruptBackup",
        "CorruptRecord",
        "CorruptWallet",
        "CredentialInfo",
        "Error",
        "InvalidInput",
        "NotFound",
        "StoreError",
        "StoredCredential",
        "Wallet",
        "WalletExists",
        "WalletNotFound",
        "WrongPassphrase",
    ],
    "zk": [
        "Error",
        "InvalidInput",
        "InvalidPoint",
        "Transcript",
        "VerificationError",
        "accumulator",
        "bbs",
        "curve",
        "presentation",
        "range",
    ],
    "zk.accumulator": [
        "MAX_UPDATE_CHARS",
        "MEMBERSHIP_PROOF_SIZE",
        "STANDALONE_PROOF_SIZE",
        "UPDATE_BYTES_PER_DELETION",
        "UPDATE_HEADER_SIZE",
        "VALUE_DST",
        "AccumulatorIssuer",
        "AccumulatorUpdate",
        "MembershipCheck",
        "MembershipProof",
        "MembershipProver",
        "Revoked",
        "StaleWitness",
        "StandaloneMembershipProof",
        "Witness",
        "decode_public_key",
        "decode_value",
        "genesis_ledger_payload",
        "initial_value",
        "max_deletions_per_update",
        "membership_verification",
        "prove_membership",
        "random_scalar",
        "single_deletion_update",
        "split_revocations",
        "verify_membership",
    ],
    "zk.bbs": [
        "BLIND_BLS12_381_SHA256",
        "BLIND_BLS12_381_SHAKE256",
        "BLS12_381_SHA256",
        "BLS12_381_SHAKE256",
        "NYM_BLS12_381_SHA256",
        "NYM_BLS12_381_SHAKE256",
        "BlindGenerators",
        "BlindInterface",
        "Ciphersuite",
        "NymInterface",
    ],
    "zk.presentation": [
        "AccumulatorState",
        "BlindRequest",
        "CredentialQuery",
        "CredentialType",
        "HeldCredential",
        "Holder",
        "IssuedCredential",
        "Issuer",
        "IssuerPublic",
        "PendingIssuance",
        "Predicate",
        "Presentation",
        "PresentationRequest",
        "Revoked",
        "StaleWitness",
        "UnsatisfiedPredicate",
        "VerifiedPresentation",
        "date_to_days",
        "days_to_date",
        "verify_presentation",
    ],
    "zk.range": [
        "BIT_SIZES",
        "GENERATORS_DST",
        "MAX_AGGREGATION",
        "BulletproofGens",
        "RangeProof",
        "commit",
        "default_gens",
        "proof_size",
        "prove",
        "verification_terms",
        "verify",
    ],
    "zk.curve": [
        "G1_SIZE",
        "G2_SIZE",
        "P",
        "R",
        "SCALAR_SIZE",
        "ArkworksBackend",
        "Backend",
        "ExpandMessage",
        "PyEccBackend",
        "default_backend",
        "expand_message",
        "expand_message_xmd",
        "expand_message_xof",
        "hash_to_field_fp",
    ],
}


@pytest.mark.parametrize(("module_name", "expected"), EXPORTS.items(), ids=EXPORTS.keys())
def test_all_is_exactly_the_pinned_list(module_name: str, expected: list[str]) -> None:
    """``__all__`` of each public module is exactly the reviewed list, in order."""
    assert importlib.import_module(module_name).__all__ == expected


@pytest.mark.parametrize(("module_name", "expected"), EXPORTS.items(), ids=EXPORTS.keys())
def test_every_exported_name_is_importable(module_name: str, expected: list[str]) -> None:
    """``from <module> import <name>`` works for every name in ``__all__``."""
    module = importlib.import_module(module_name)
    namespace: dict[str, object] = {}
    if expected:
        exec(f"from {module_name} import {', '.join(expected)}", namespace)  # noqa: S102
    for name in expected:
        assert namespace[name] is getattr(module, name)


#: Subpackages importable on their own but deliberately not re-exported by their parent:
#: ``import vc_service`` (the library layer) must not load the service layer (FastAPI).
NOT_REEXPORTED = {"vc_service": {"service"}}


@pytest.mark.parametrize("module_name", EXPORTS, ids=EXPORTS.keys())
def test_nothing_of_ours_is_public_outside_all(module_name: str) -> None:
    """Every public attribute that comes from our packages is listed in ``__all__``.

    Names imported from elsewhere (``typing.Any``, ``functools.cache``, ``annotations``) are
    not part of the API and are ignored; private modules start with ``_``.
    """
    module = importlib.import_module(module_name)
    leaked = []
    for name, value in vars(module).items():
        if name.startswith("_") or name in module.__all__:
            continue
        if name in NOT_REEXPORTED.get(module_name, set()):
            continue
        origin = value.__name__ if isinstance(value, types.ModuleType) else None
        origin = origin or getattr(value, "__module__", None) or ""
        if origin.split(".")[0] in ("zk", "vc_service", "wallet_sdk"):
            leaked.append(name)
    assert leaked == []


def test_errors_form_one_hierarchy() -> None:
    """Every zk error derives from zk.Error; malformed-input errors are also ValueErrors."""
    assert issubclass(zk.InvalidInput, zk.Error)
    assert issubclass(zk.InvalidInput, ValueError)
    assert issubclass(zk.InvalidPoint, zk.InvalidInput)
    assert issubclass(zk.VerificationError, zk.Error)
    assert not issubclass(zk.VerificationError, zk.InvalidInput)
