"""IETF Token Status List (draft-ietf-oauth-status-list-18): encoding vectors from the draft,
Status List Tokens, and the Relying Party's status check with every failure it must report.

The vectors are transcribed from the draft text (no data files are published): §4.1/§4.2 (the
16-entry 1-bit and 12-entry 2-bit examples) and Appendix C.1-C.3 (2^20 entries of 1, 2 and 4
bits). Appendix C gives each list twice, as JSON (``lst``, base64url) and as CBOR (hex); a test
checks that the two agree, which catches transcription errors in the long strings.
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vc_service._errors import (
    Error,
    Expired,
    InvalidCredential,
    InvalidInput,
    InvalidProof,
    NotYetValid,
    ResolutionError,
    Revoked,
    StatusUnavailable,
    Suspended,
)
from vc_service._jose import sign_jws
from vc_service._keys import Key
from vc_service._token_status import (
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
    TokenStatusList,
    check_token_status,
    issue_status_list_token,
    verify_status_list_token,
)

# --------------------------------------------------------------------------- vectors

# draft-ietf-oauth-status-list-18, Appendix C. "All examples are initialized with a size of 2^20
# entries"; entries not listed are 0 (VALID).
C1_LST = """eNrt3AENwCAMAEGogklACtKQPg9LugC9k_ACvreiogE
     AAKkeCQAAAAAAAAAAAAAAAAAAAIBylgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAXG9IAAAAAAAAAPwsJAAAAAAAAAAAAAAAvhsSAAAAAAAAAAA
     A7KpLAAAAAAAAAAAAAAAAAAAAAJsLCQAAAAAAAAAAADjelAAAAAAAAAAAKjDMAQAAA
     ACAZC8L2AEb"""
C1_CBOR = """a2646269747301636c737458bd78daeddc010dc0200c0041a88249400ad2903e0f4b
   ba00bd93f002beb7a2a2010000a91e09000000000000000000000000000000807296
   04000000000000000000000000000000000000000000000000000000000000000000
   000000000000005c6f4800000000000000fc2c240000000000000000000000be1b12
   000000000000000000ecaa4b000000000000000000000000000000009b0b09000000
   00000000000038de9400000000000000002a30cc010000000080642f0bd8011b"""
C2_LST = """eNrt2zENACEQAEEuoaBABP5VIO01fCjIHTMStt9ovGV
     IAAAAAABAbiEBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEB5WwIAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAID0ugQAAAAAAAAAAAAAAAAAQG12SgAAA
     AAAAAAAAAAAAAAAAAAAAAAAAOCSIQEAAAAAAAAAAAAAAAAAAAAAAAD8ExIAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwJEuAQAAAAAAAAAAAAAAAAAAAAAAAMB9S
     wIAAAAAAAAAAAAAAAAAAACoYUoAAAAAAAAAAAAAAEBqH81gAQw"""
C2_CBOR = """a2646269747302636c737459013d78daeddb310d00211000412ea1a04004fe5520ed
   357c28c81d3312b6df68bc65480000000000406e2101000000000000000000000000
   0000000000000000000000000000000000000040795b020000000000000000000000
   00000000000000000000000000000000000000000000000000000000000000000000
   00000000000000000000000000000000000000000000000000000000000000000000
   0080f4ba0400000000000000000000000000406d764a000000000000000000000000
   000000000000000000e0922101000000000000000000000000000000000000fc1312
   00000000000000000000000000000000000000000000000000000000000000c0912e
   01000000000000000000000000000000000000c07d4b020000000000000000000000
   00000000a8614a0000000000000000000000406a1fcd60010c"""
C3_LST = """eNrt0EENgDAQADAIHwImkIIEJEwCUpCEBBQRHOy35Li
     1EjoOQGabAgAAAAAAAAAAAAAAAAAAACC1SQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABADrsCAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
     AAADoxaEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIIoCgAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACArpwKAAAAAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAAAAAAAGhqVkAzlwIAAAAAiGVRAAAAAAAAAAAAAAAAAAA
     AAAAAAAAAAAAAAAAAAAAAAABx3AoAgLpVAQAAAAAAAAAAAAAAwM89rwMAAAAAAAAAA
     AjsA9xMBMA"""
C3_CBOR = """a2646269747304636c737459024878daedd0410d8030100030081f0226908204244c
   025290840414111cecb7e4b8b5123a0e40669b020000000000000000000000000000
   0020b549010000000000000000000000000000000000000000000000000000000000
   00000000000000000000000000000000000000000000000000000000000000000000
   00000000000000000000000000000000000000000000000000000000000000000000
   00000000000000000000000000000000000000000000000000000000000000000000
   00000000000000000000000000000000000000000000000000000000000000000000
   00000000000000000000000000000000000000000000000000000000000000000000
   0000000000400ebb0200000000000000000000000000000000000000000000000000
   00000000000000000000000000000000000000000000000000000000000000000000
   000000000000e8c5a100000000000000000000000000000000000000000000000000
   00000000000000000000000000000000000000000000000000000000000000000000
   00000000000000000000000000000000000082280a00000000000000000000000000
   00000000000000000000000000000000000000000000000000000000000080ae9c0a
   00000000000000000000000000000000000000000000000000000000000000000000
   000000686a5640339702000000008865510000000000000000000000000000000000
   00000000000000000000000000000071dc0a0080ba55010000000000000000000000
   c0cf3daf03000000000000000008ec03dc4c04c0"""

APPENDIX_C = {
    "C.1-1-bit": (
        1,
        C1_LST,
        C1_CBOR,
        {
            0: 1,
            1993: 1,
            25460: 1,
            159495: 1,
            495669: 1,
            554353: 1,
            645645: 1,
            723232: 1,
            854545: 1,
            934534: 1,
            1000345: 1,
        },
    ),
    "C.2-2-bit": (
        2,
        C2_LST,
        C2_CBOR,
        {
            0: 1,
            1993: 2,
            25460: 1,
            159495: 3,
            495669: 1,
            554353: 1,
            645645: 2,
            723232: 1,
            854545: 1,
            934534: 2,
            1000345: 3,
        },
    ),
    "C.3-4-bit": (
        4,
        C3_LST,
        C3_CBOR,
        {
            0: 1,
            1993: 2,
            35460: 3,
            459495: 4,
            595669: 5,
            754353: 6,
            845645: 7,
            923232: 8,
            924445: 9,
            934534: 10,
            1004534: 11,
            1000345: 12,
            1030203: 13,
            1030204: 14,
            1030205: 15,
        },
    ),
}
APPENDIX_C_IDS = sorted(APPENDIX_C)


def _joined(text: str) -> str:
    return "".join(text.split())


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _expected_list(bits: int, statuses: dict[int, int]) -> TokenStatusList:
    expected = TokenStatusList(1 << 20, bits)
    for index, value in statuses.items():
        expected.set(index, value)
    return expected


@pytest.mark.parametrize("name", APPENDIX_C_IDS, ids=APPENDIX_C_IDS)
def test_appendix_c_transcription_agrees_with_its_cbor_form(name: str) -> None:
    bits, lst, cbor, _ = APPENDIX_C[name]
    encoded = bytes.fromhex(_joined(cbor))
    compressed = _unb64(_joined(lst))
    # The CBOR map ends with the 'lst' byte string: the same compressed bytes.
    assert encoded.endswith(compressed)
    # {"bits": <bits>, "lst": h'...'}: the whole map, byte string length header included.
    length = len(compressed)
    size = bytes([0x58, length]) if length < 256 else bytes([0x59]) + length.to_bytes(2, "big")
    assert encoded == bytes.fromhex(f"a26462697473{bits:02x}636c7374") + size + compressed


@pytest.mark.parametrize("name", APPENDIX_C_IDS, ids=APPENDIX_C_IDS)
def test_appendix_c_decodes_to_the_listed_statuses(name: str) -> None:
    bits, lst, _, statuses = APPENDIX_C[name]
    decoded = TokenStatusList.decode({"bits": bits, "lst": _joined(lst)})
    assert decoded.size == 1 << 20 and decoded.bits == bits
    for index, value in statuses.items():
        assert decoded.get(index) == value
    # ...and every other entry is VALID: the whole byte array is the expected one.
    assert decoded == _expected_list(bits, statuses)


@pytest.mark.parametrize("name", APPENDIX_C_IDS, ids=APPENDIX_C_IDS)
def test_appendix_c_encodes_byte_for_byte(name: str) -> None:
    """Our encoder (zlib, level 9) reproduces the draft's 'lst' exactly."""
    bits, lst, _, statuses = APPENDIX_C[name]
    assert _expected_list(bits, statuses).encode() == {"bits": bits, "lst": _joined(lst)}


@pytest.mark.parametrize(
    ("bits", "statuses", "array", "lst"),
    [
        (1, [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], "b9a3", "eNrbuRgAAhcBXQ"),
        (2, [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3], "c944f9", "eNo76fITAAPfAgc"),
    ],
    ids=["section-4.1-1-bit", "section-4.1-2-bit"],
)
def test_section_4_examples(bits: int, statuses: list[int], array: str, lst: str) -> None:
    """§4.1: index 0 sits in the least significant bits of byte 0; §4.2: the JSON encoding."""
    status_list = TokenStatusList(len(statuses), bits)
    for index, value in enumerate(statuses):
        status_list.set(index, value)
    assert status_list.to_bytes().hex() == array
    assert status_list.encode() == {"bits": bits, "lst": lst}
    decoded = TokenStatusList.decode({"bits": bits, "lst": lst})
    assert [decoded.get(i) for i in range(len(statuses))] == statuses


def test_section_4_1_compressed_array() -> None:
    """§4.1: the 1-bit example compresses to 78dadbb918000217015d (ZLIB, best compression)."""
    status_list = TokenStatusList.from_bytes(bytes.fromhex("b9a3"))
    assert _unb64(status_list.encode()["lst"]).hex() == "78dadbb918000217015d"


@given(
    bits=st.sampled_from([1, 2, 4, 8]),
    data=st.data(),
)
def test_bit_layout_and_round_trip(bits: int, data: st.DataObject) -> None:
    """Entry i occupies bits (i*bits) % 8 .. of byte (i*bits) // 8; encode/decode round-trips."""
    size = data.draw(st.integers(1, 300))
    values = data.draw(st.lists(st.integers(0, (1 << bits) - 1), min_size=size, max_size=size))
    status_list = TokenStatusList(size, bits)
    for index, value in enumerate(values):
        status_list.set(index, value)
    raw = status_list.to_bytes()
    for index, value in enumerate(values):
        byte, shift = divmod(index * bits, 8)
        assert (raw[byte] >> shift) & ((1 << bits) - 1) == value
    decoded = TokenStatusList.decode(status_list.encode())
    assert [decoded.get(i) for i in range(size)] == values


def test_set_and_get_reject_bad_arguments() -> None:
    status_list = TokenStatusList(10, 2)
    with pytest.raises(IndexError):
        status_list.get(10)
    with pytest.raises(IndexError):
        status_list.set(-1, 1)
    with pytest.raises(InvalidInput):
        status_list.set(0, 4)  # does not fit in 2 bits
    with pytest.raises(InvalidInput):
        status_list.set(0, True)
    with pytest.raises(InvalidInput):
        status_list.get("0")  # type: ignore[arg-type]
    for bits in (0, 3, 16, True):
        with pytest.raises(InvalidInput):
            TokenStatusList(8, bits)
    for size in (0, -1, 2.5):
        with pytest.raises(InvalidInput):
            TokenStatusList(size)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "status_list",
    [
        {"bits": 3, "lst": "eNrbuRgAAhcBXQ"},
        {"bits": True, "lst": "eNrbuRgAAhcBXQ"},
        {"bits": 1},
        {"bits": 1, "lst": "eNrbuRgAAhcBXQ=="},
        {"bits": 1, "lst": _b64(zlib.compress(b"\xb9\xa3")[2:-4])},  # raw DEFLATE, no ZLIB wrapper
        {"bits": 1, "lst": _b64(zlib.compress(b"\xb9\xa3")[:-2])},  # truncated
        {"bits": 1, "lst": _b64(zlib.compress(b"\xb9\xa3") + b"\x00")},  # trailing data
        {"bits": 1, "lst": _b64(zlib.compress(b""))},  # empty list
        "eNrbuRgAAhcBXQ",
    ],
    ids=[
        "bits-3",
        "bits-bool",
        "no-lst",
        "padded",
        "raw-deflate",
        "truncated",
        "trailing",
        "empty",
        "not-an-object",
    ],
)
def test_malformed_status_lists_are_refused(status_list: Any) -> None:
    with pytest.raises(InvalidInput):
        TokenStatusList.decode(status_list)


def test_decompression_bomb_is_refused_without_inflating_it() -> None:
    bomb = zlib.compress(bytes(24 << 20), 9)  # 24 MiB of zeros (the bound is 16 MiB) in 24 KiB
    with pytest.raises(InvalidInput):
        TokenStatusList.decode({"bits": 1, "lst": _b64(bomb)})
    small = zlib.compress(bytes(4096), 9)
    with pytest.raises(InvalidInput):
        TokenStatusList.decode({"bits": 1, "lst": _b64(small)}, max_bytes=4095)
    assert TokenStatusList.decode({"bits": 1, "lst": _b64(small)}, max_bytes=4096).size == 32768


# --------------------------------------------------------------------------- Status List Token

URI = "https://status.example/statuslists/1"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def status_key() -> Key:
    return Key.generate("p256")


def _list(*values: tuple[int, int], bits: int = 2, size: int = 4096) -> TokenStatusList:
    status_list = TokenStatusList(size, bits)
    for index, value in values:
        status_list.set(index, value)
    return status_list


def _token(key: Key, status_list: TokenStatusList, **kw: Any) -> str:
    options: dict[str, Any] = {
        "kid": "status-1",
        "subject_uri": URI,
        "iat": NOW - timedelta(hours=1),
    }
    options.update(kw)
    return issue_status_list_token(status_list, key, **options)


def _claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return json.loads(_unb64(header)), json.loads(_unb64(payload))


def test_status_list_token_shape(status_key: Key) -> None:
    token = _token(
        status_key, _list((3, 1)), exp=NOW + timedelta(days=1), ttl=43200, issuer="https://x"
    )
    header, claims = _claims(token)
    assert header == {"alg": "ES256", "kid": "status-1", "typ": "statuslist+jwt"}
    assert claims["sub"] == URI and claims["ttl"] == 43200 and claims["iss"] == "https://x"
    assert claims["iat"] == int((NOW - timedelta(hours=1)).timestamp())
    assert claims["exp"] == int((NOW + timedelta(days=1)).timestamp())
    assert claims["status_list"] == _list((3, 1)).encode()


def test_status_list_token_round_trip(status_key: Key) -> None:
    token = _token(status_key, _list((3, 1), (9, 2)), exp=NOW + timedelta(days=1), ttl=60)
    verified = verify_status_list_token(
        token, resolve_key=lambda kid: status_key.public_key(), expected_uri=URI, now=NOW
    )
    assert verified.uri == URI and verified.ttl == 60
    assert verified.status_list.get(3) == 1 and verified.status_list.get(9) == 2
    assert verified.expires_at == NOW + timedelta(days=1)


def _verify(token: str, key: Key, **kw: Any) -> Any:
    options: dict[str, Any] = {
        "resolve_key": lambda kid: key.public_key(),
        "expected_uri": URI,
        "now": NOW,
    }
    options.update(kw)
    return verify_status_list_token(token, **options)


def test_status_list_token_rejections(status_key: Key) -> None:
    token = _token(status_key, _list())
    with pytest.raises(InvalidProof):
        _verify(token, Key.generate("p256"))  # another key
    with pytest.raises(StatusUnavailable):
        _verify(token, status_key, expected_uri="https://status.example/statuslists/2")
    with pytest.raises(Expired):
        _verify(_token(status_key, _list(), exp=NOW), status_key)
    with pytest.raises(NotYetValid):
        _verify(_token(status_key, _list(), iat=NOW + timedelta(hours=1)), status_key)
    header, payload, signature = token.split(".")
    claims = json.loads(_unb64(payload))
    claims["status_list"] = _list((0, 1)).encode()  # revoke index 0 without the issuer's key
    with pytest.raises(InvalidProof):
        _verify(f"{header}.{_b64(json.dumps(claims).encode())}.{signature}", status_key)


@pytest.mark.parametrize(
    ("header", "claims", "error"),
    [
        (
            {"typ": "JWT"},
            {"sub": URI, "iat": 1, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}},
            InvalidInput,
        ),
        (
            {},
            {"sub": URI, "iat": 1, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}},
            InvalidInput,
        ),
        (
            {"typ": "statuslist+jwt"},
            {"iat": 1, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}},
            InvalidCredential,
        ),
        (
            {"typ": "statuslist+jwt"},
            {"sub": URI, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}},
            InvalidCredential,
        ),
        ({"typ": "statuslist+jwt"}, {"sub": URI, "iat": 1}, InvalidCredential),
        (
            {"typ": "statuslist+jwt"},
            {"sub": URI, "iat": 1, "status_list": {"bits": 5, "lst": "x"}},
            InvalidCredential,
        ),
        (
            {"typ": "statuslist+jwt"},
            {"sub": URI, "iat": 1, "ttl": -5, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}},
            InvalidCredential,
        ),
        (
            {"typ": "statuslist+jwt"},
            {"sub": URI, "iat": "yesterday", "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}},
            InvalidCredential,
        ),
    ],
    ids=[
        "wrong-typ",
        "no-typ",
        "no-sub",
        "no-iat",
        "no-status-list",
        "bad-bits",
        "bad-ttl",
        "bad-iat",
    ],
)
def test_malformed_status_list_tokens(
    status_key: Key, header: dict[str, Any], claims: dict[str, Any], error: type[Error]
) -> None:
    token = sign_jws({"kid": "status-1", **header}, claims, status_key)
    with pytest.raises(error):
        _verify(token, status_key)


def test_issue_status_list_token_rejects_bad_arguments(status_key: Key) -> None:
    with pytest.raises(InvalidInput):
        _token(status_key, _list(), ttl=0)
    with pytest.raises(InvalidInput):
        _token(status_key, _list(), exp=NOW - timedelta(days=1))
    with pytest.raises(InvalidInput):
        _token(status_key, _list(), subject_uri="")
    with pytest.raises(InvalidInput):
        issue_status_list_token({"bits": 1}, status_key, kid="k", subject_uri=URI)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        _token(Key.generate("ed25519").public_key(), _list())  # no private key


# --------------------------------------------------------------------------- check_token_status


def _check(idx: int, tokens: dict[str, str], key: Key, **kw: Any) -> None:
    check_token_status(
        {"status_list": {"idx": idx, "uri": URI}},
        fetch=tokens.__getitem__,
        resolve_key=lambda kid: key.public_key(),
        now=kw.pop("now", NOW),
        **kw,
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (STATUS_VALID, None),
        (STATUS_INVALID, Revoked),
        (STATUS_SUSPENDED, Suspended),
        (0x03, StatusUnavailable),  # application-specific: no meaning to this verifier
    ],
    ids=["valid", "invalid", "suspended", "application-specific"],
)
def test_status_values(status_key: Key, value: int, error: type[Error] | None) -> None:
    tokens = {URI: _token(status_key, _list((17, value)))}
    if error is None:
        assert _check(17, tokens, status_key) is None
    else:
        with pytest.raises(error):
            _check(17, tokens, status_key)
    _check(16, tokens, status_key)  # the neighbours are untouched


def test_one_bit_list_revokes(status_key: Key) -> None:
    tokens = {URI: _token(status_key, _list((5, 1), bits=1))}
    with pytest.raises(Revoked):
        _check(5, tokens, status_key)
    _check(4, tokens, status_key)


def _unavailable_cause(
    idx: int, tokens: dict[str, str], key: Key, **kw: Any
) -> BaseException | None:
    with pytest.raises(StatusUnavailable) as info:
        _check(idx, tokens, key, **kw)
    return info.value.__cause__


def test_status_unavailable_cases(status_key: Key) -> None:
    good = _token(status_key, _list(size=64))
    # index out of range (§8.3 step 6)
    assert _unavailable_cause(64, {URI: good}, status_key) is not None
    # fetch failed
    assert isinstance(_unavailable_cause(0, {}, status_key), KeyError)
    # signed by a key that is not the status issuer's
    assert isinstance(_unavailable_cause(0, {URI: good}, Key.generate("p256")), InvalidProof)
    # expired Status List Token
    expired = _token(
        status_key, _list(), exp=NOW - timedelta(minutes=1), iat=NOW - timedelta(days=1)
    )
    assert isinstance(_unavailable_cause(0, {URI: expired}, status_key), Expired)
    # a token for another list served at this URI
    other = _token(status_key, _list(), subject_uri="https://status.example/statuslists/2")
    _unavailable_cause(0, {URI: other}, status_key)
    # not a JWT at all
    assert isinstance(_unavailable_cause(0, {URI: "garbage"}, status_key), InvalidInput)
    # the key resolver fails
    with pytest.raises(StatusUnavailable) as info:
        check_token_status(
            {"status_list": {"idx": 0, "uri": URI}},
            fetch=lambda uri: good,
            resolve_key=lambda kid: {}[kid],
            now=NOW,
        )
    assert isinstance(info.value.__cause__, ResolutionError)
    # older than the relying party's freshness policy (§8.3 step 4b)
    _unavailable_cause(0, {URI: good}, status_key, max_age=timedelta(minutes=30))
    _check(0, {URI: good}, status_key, max_age=timedelta(hours=2))


@pytest.mark.parametrize(
    "status",
    [
        {},
        {"status_list": "https://status.example/1"},
        {"status_list": {"uri": URI}},
        {"status_list": {"idx": -1, "uri": URI}},
        {"status_list": {"idx": True, "uri": URI}},
        {"status_list": {"idx": "1", "uri": URI}},
        {"status_list": {"idx": 1}},
        "status",
    ],
    ids=["empty", "not-object", "no-idx", "negative-idx", "bool-idx", "str-idx", "no-uri", "str"],
)
def test_malformed_status_claim(status_key: Key, status: Any) -> None:
    with pytest.raises(InvalidCredential):
        check_token_status(
            status, fetch=lambda uri: "", resolve_key=lambda kid: status_key, now=NOW
        )


def test_a_reused_verified_token_is_still_checked_for_key_uri_and_time(status_key: Key) -> None:
    """Verified token contents are reused across calls (a verifier sees the same list token for
    every credential of the list); the reuse is keyed by the token, the expected URI and the key,
    and the time checks run on every call."""
    token = _token(status_key, _list((5, 1)), exp=NOW + timedelta(hours=1))
    first = _verify(token, status_key)
    assert _verify(token, status_key) is first  # the same verified contents
    assert first.status_list.get(5) == 1
    with pytest.raises(InvalidProof):
        _verify(token, Key.generate("p256"))  # another key: verified afresh, and refused
    with pytest.raises(StatusUnavailable):
        _verify(token, status_key, expected_uri="https://status.example/statuslists/2")
    with pytest.raises(Expired):
        _verify(token, status_key, now=NOW + timedelta(hours=2))
    with pytest.raises(NotYetValid):
        _verify(token, status_key, now=NOW - timedelta(hours=3))
