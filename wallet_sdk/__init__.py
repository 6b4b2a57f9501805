"""Chancery wallet SDK.

The holder's side of Chancery: receiving credentials from an issuing agency, keeping them in an
encrypted store, and answering a relying party with only the claims it asks for.
"""

__all__: list[str] = []
