"""Chancery credential service.

Government verifiable credentials: credential formats and their verification (the library
layer, importable without a web framework or a database) and the issuer, verifier and ledger
service built on them. The cryptography lives in :mod:`zk`.
"""

__all__: list[str] = []

__version__ = "0.1.0"
