"""Chancery wallet SDK.

The holder's side of Chancery: receiving credentials from an issuing agency, keeping them in an
encrypted store, and answering a relying party with only the claims it asks for.

* :class:`Wallet` -- the encrypted store (``<home>/wallet.db``): :meth:`Wallet.create`,
  :meth:`Wallet.open`, holder keys (:meth:`Wallet.holder_key`, :meth:`Wallet.key`), pairwise DIDs
  (:meth:`Wallet.pairwise_did`), credentials (:meth:`Wallet.add_credential`, :meth:`Wallet.list`,
  :meth:`Wallet.get`, :meth:`Wallet.delete`), and encrypted backups (:meth:`Wallet.backup`,
  :meth:`Wallet.restore`).
* :class:`CredentialInfo` and :class:`StoredCredential` -- what :meth:`Wallet.list` and
  :meth:`Wallet.get` return.
* Errors: every one derives from :class:`Error`. Verification failures of a credential being
  added are :mod:`vc_service`'s own typed errors.

The store format, backup format and threat model are in ``specs/wallet.md``.
"""

from ._errors import (
    CorruptBackup,
    CorruptRecord,
    CorruptWallet,
    Error,
    InvalidInput,
    NotFound,
    StoreError,
    WalletExists,
    WalletNotFound,
    WrongPassphrase,
)
from ._wallet import FORMATS, CredentialInfo, StoredCredential, Wallet

__all__ = [
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
]
