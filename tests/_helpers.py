"""Helpers shared by the test modules and ``conftest.py``: backends, suites and vector files.

Building a ciphersuite computes its point ``P1`` (about a second on py_ecc), so each
(suite, backend) pair is built once per test session, by :func:`suite_on`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from zk import bbs
from zk.curve import ArkworksBackend, Backend, P, PyEccBackend

VECTORS = Path(__file__).parent / "vectors"
BBS_FIXTURES = VECTORS / "ietf-bbs-signatures" / "fixture_data"
RFC9380_VECTORS = VECTORS / "rfc9380"

BACKEND_IDS = ("arkworks", "py_ecc")
SUITE_IDS = ("sha256", "shake256")

_BACKEND_TYPES: dict[str, type[ArkworksBackend] | type[PyEccBackend]] = {
    "arkworks": ArkworksBackend,
    "py_ecc": PyEccBackend,
}
_SUITES = {"sha256": bbs.BLS12_381_SHA256, "shake256": bbs.BLS12_381_SHAKE256}
#: Folder of each ciphersuite under ``fixture_data/``.
BBS_SUITE_DIRS = {"sha256": "bls12-381-sha-256", "shake256": "bls12-381-shake-256"}

#: Compressed encodings of the identities (ZCash format: compression and infinity flags).
G1_IDENTITY = b"\xc0" + bytes(47)
G2_IDENTITY = b"\xc0" + bytes(95)


@cache
def backend_on(backend_id: str) -> Backend[Any, Any]:
    """One backend instance per name for the whole session."""
    return _BACKEND_TYPES[backend_id]()


@cache
def suite_on(suite_id: str, backend_id: str) -> bbs.Ciphersuite:
    """The ciphersuite ``suite_id`` on the backend ``backend_id``, built once per session."""
    return _SUITES[suite_id].with_backend(backend_on(backend_id))


@cache
def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _copy(data: Any) -> Any:
    # A fresh copy, so that no test can change what the next test reads.
    return json.loads(json.dumps(data))


def load_json_vector(path: Path) -> Any:
    """A JSON vector file, read once per session; each call returns a fresh copy."""
    return _copy(_read_json(path))


def hex_bytes(values: list[str] | None) -> list[bytes]:
    """Hex strings of a fixture as bytes (``None`` as an empty list)."""
    return [bytes.fromhex(v) for v in values or []]


def mocked_scalars(suite: bbs.Ciphersuite, rng: dict[str, Any], kind: str, count: int) -> list[int]:
    """The drafts' mocked random scalars; ``rng`` is a fixture's ``mockRngParameters``."""
    return suite.unsafe_seeded_random_scalars(
        rng["SEED"].encode(), count, rng[kind]["DST"].encode()
    )


def load_bbs_vector(suite_id: str, name: str) -> Any:
    """A BBS fixture of one ciphersuite, e.g. ``load_bbs_vector("sha256", "proof/proof003")``."""
    return _copy(_read_json(BBS_FIXTURES / BBS_SUITE_DIRS[suite_id] / f"{name}.json"))


def load_bbs_messages() -> list[str]:
    """The shared ``messages.json`` (hex strings)."""
    messages: list[str] = _copy(_read_json(BBS_FIXTURES / "messages.json"))
    return messages


def load_rfc9380_vector(name: str) -> Any:
    """One of the RFC 9380 vector files, by file name without ``.json``."""
    return _copy(_read_json(RFC9380_VECTORS / f"{name}.json"))


def bbs_vector_names(kind: str, *, suite_id: str = "sha256", valid_only: bool = False) -> list[str]:
    """The file names (without ``.json``) of a suite's ``signature`` or ``proof`` fixtures."""
    folder = BBS_FIXTURES / BBS_SUITE_DIRS[suite_id] / kind
    names = sorted(path.stem for path in folder.glob("*.json"))
    if valid_only:
        names = [n for n in names if _read_json(folder / f"{n}.json")["result"]["valid"]]
    return names


def compress_g1(x: int, y: int) -> bytes:
    """ZCash compressed encoding of the affine G1 point ``(x, y)``.

    The sign flag (0x20) is set when ``y`` is the lexicographically larger of ``y`` and
    ``p - y``, i.e. when ``y > (p - 1) / 2``.
    """
    flags = 0x80 | (0x20 if y > (P - 1) // 2 else 0)
    encoded = bytearray(x.to_bytes(48, "big"))
    encoded[0] |= flags
    return bytes(encoded)
