"""Exception hierarchy of the wallet SDK.

Every failure of the wallet's own making is a subclass of :class:`Error`. Verifying a credential
is delegated to :func:`vc_service.verify`, whose typed errors (:class:`vc_service.InvalidProof`,
:class:`vc_service.Expired`, ...) pass through :meth:`wallet_sdk.Wallet.add_credential`
unchanged, so that the caller still sees which check failed.
"""

from __future__ import annotations

__all__ = [
    "CorruptBackup",
    "CorruptRecord",
    "CorruptWallet",
    "Error",
    "InvalidInput",
    "NotFound",
    "StoreError",
    "WalletExists",
    "WalletNotFound",
    "WrongPassphrase",
]


class Error(Exception):
    """Base class of every error raised by the wallet SDK."""


class InvalidInput(Error, ValueError):
    """An argument is malformed (an empty passphrase, an unknown key type, a bad format name)."""


class WrongPassphrase(Error):
    """The passphrase does not open this wallet or backup.

    Raised when the key derived from the passphrase fails the header's key check. A KDF header
    that was altered (salt, cost parameters) derives another key too, so it is reported the same
    way: without the passphrase the two cannot be told apart.
    """


class WalletNotFound(Error):
    """There is no wallet in the given home directory."""


class WalletExists(Error):
    """A wallet already exists where a new one would be created or restored."""


class NotFound(Error):
    """No credential or key with the given identifier is in the wallet."""


class StoreError(Error):
    """The wallet file could not be read or written (locked, unreadable, disk full)."""


class CorruptWallet(StoreError):
    """The wallet file is not a wallet this version can read, or its header was altered.

    ``record`` names the part that failed: ``"header"`` or a record identifier.
    """

    def __init__(self, message: str, *, record: str = "header") -> None:
        super().__init__(message)
        self.record = record


class CorruptRecord(CorruptWallet):
    """One sealed record failed authentication: it was altered, truncated or moved.

    ``record`` is the identifier of the record; the rest of the wallet is still readable.
    """

    def __init__(self, record: str, message: str | None = None) -> None:
        super().__init__(
            message or f"record {record!r} is corrupted: it fails authentication", record=record
        )


class CorruptBackup(Error):
    """A backup file is not a Chancery wallet backup, is of an unknown version, or was altered.

    A backup whose sealed archive fails authentication after the passphrase was accepted (the
    key check passed) was tampered with or truncated.
    """
