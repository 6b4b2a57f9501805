"""Exception hierarchy of the credential-format library (``vc_service`` library layer).

Every failure is a subclass of :class:`Error`. Malformed input raises :class:`InvalidInput` (or a
subclass naming the field); a well-formed credential or presentation that fails a check raises a
:class:`VerificationError` whose ``check`` attribute names the check, e.g. ``"proof"``,
``"validity"``, ``"status"``, ``"issuer-trust"``, ``"holder-binding"``, ``"nonce"``,
``"audience"``. The service maps these to RFC 9457 problem responses with a 4xx status.
"""

from __future__ import annotations

__all__ = [
    "AudienceMismatch",
    "Error",
    "Expired",
    "HolderBindingError",
    "InvalidCredential",
    "InvalidInput",
    "InvalidProof",
    "NonceMismatch",
    "NotYetValid",
    "ResolutionError",
    "Revoked",
    "StatusUnavailable",
    "Suspended",
    "UnknownContext",
    "UntrustedIssuer",
    "VerificationError",
]


class Error(Exception):
    """Base class of every error raised by the credential-format library."""


class InvalidInput(Error, ValueError):
    """An argument is malformed (wrong type, bad encoding, missing field)."""


class InvalidCredential(InvalidInput):
    """A credential or presentation violates its data model.

    ``path`` is a JSON pointer to the offending member (``""`` for the whole document).
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class UnknownContext(InvalidCredential):
    """A JSON-LD context that is not pinned locally. Contexts are never fetched."""


class ResolutionError(Error):
    """A DID or verification method could not be resolved."""


class VerificationError(Error):
    """A well-formed credential or presentation failed a check.

    ``check`` names the check that failed; subclasses fix it.
    """

    check = "proof"

    def __init__(self, message: str, *, check: str | None = None) -> None:
        super().__init__(message)
        if check is not None:
            self.check = check


class InvalidProof(VerificationError):
    """A signature or proof does not verify."""

    check = "proof"


class Expired(VerificationError):
    """The validity period has ended (``validUntil`` / ``exp``)."""

    check = "validity"


class NotYetValid(VerificationError):
    """The validity period has not started (``validFrom`` / ``nbf`` / ``iat`` in the future)."""

    check = "validity"


class Revoked(VerificationError):
    """The issuer has revoked the credential."""

    check = "status"


class Suspended(VerificationError):
    """The issuer has suspended the credential."""

    check = "status"


class StatusUnavailable(VerificationError):
    """The credential's status could not be determined (list unreachable, malformed, stale)."""

    check = "status"


class UntrustedIssuer(VerificationError):
    """The issuer is not trusted for this credential."""

    check = "issuer-trust"


class HolderBindingError(VerificationError):
    """The presentation is not bound to the holder key the credential names."""

    check = "holder-binding"


class NonceMismatch(VerificationError):
    """The presentation's nonce / challenge is not the one the verifier asked for."""

    check = "nonce"


class AudienceMismatch(VerificationError):
    """The presentation was made for another verifier (audience / domain)."""

    check = "audience"
