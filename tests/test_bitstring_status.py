"""W3C Bitstring Status List v1.0: the bitstring, index allocation, credentials and §3.2 checks.

No test-vector files exist for this Recommendation (see ``../shared/vectors/README.md``, "Not
found"); the one value it publishes is the ``encodedList`` of §2.2 Example 3, used below.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vc_service._bitstring_status import (
    MAX_DECOMPRESSED_BYTES,
    MIN_ENTRIES,
    BitstringStatusList,
    IndexAllocator,
    StatusListFull,
    StatusResult,
    check_status,
    check_statuses,
    status_entry,
    status_list_credential,
)
from vc_service._errors import (
    InvalidInput,
    InvalidProof,
    Revoked,
    StatusUnavailable,
    Suspended,
    VerificationError,
)
from vc_service._jsonld import expand
from vc_service._multibase import b64url_decode, b64url_encode

# Bitstring Status List v1.0 (W3C REC, 2025-05-15) §2.2 Example 3, "Example
# BitstringStatusListCredential": 16 KB of zero bits.
SPEC_ENCODED_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"

LIST_URL = "https://registry.example/status/3"
OTHER_URL = "https://registry.example/status/4"
ISSUER = "did:web:registry.example"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _encoded(raw: bytes) -> str:
    return "u" + b64url_encode(raw)


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


# A gzip of 17 MiB of zeros is about 17 KB: the bomb that decoding must refuse.
GZIP_BOMB = _encoded(_gzip(bytes(MAX_DECOMPRESSED_BYTES + (1 << 20))))


# --------------------------------------------------------------------------- the bitstring


def test_spec_example_encoded_list_is_131072_clear_entries() -> None:
    status_list = BitstringStatusList.decode(SPEC_ENCODED_LIST)
    assert status_list.size == len(status_list) == MIN_ENTRIES
    assert status_list.to_bytes() == bytes(MIN_ENTRIES // 8)
    assert status_list.get(0) == status_list.get(MIN_ENTRIES - 1) == 0


def test_empty_list_encodes_to_the_spec_example_deflate_stream() -> None:
    ours = b64url_decode(BitstringStatusList().encode()[1:])
    spec = b64url_decode(SPEC_ENCODED_LIST[1:])
    # RFC 1952 header: only XFL (byte 8, the compression-level hint) differs; the DEFLATE data,
    # CRC-32 and length after the 10-byte header are byte-for-byte the spec's.
    assert ours[:8] == spec[:8] and ours[9:10] == spec[9:10]
    assert ours[10:] == spec[10:]
    assert BitstringStatusList().encode() == BitstringStatusList().encode()  # no timestamp


def test_index_zero_is_the_most_significant_bit_of_the_first_byte() -> None:
    status_list = BitstringStatusList()
    status_list.set(0)
    assert status_list.to_bytes()[:2] == b"\x80\x00"
    status_list.set(7)
    status_list.set(8)
    assert status_list.to_bytes()[:2] == b"\x81\x80"
    status_list.set(MIN_ENTRIES - 1)
    assert status_list.to_bytes()[-1:] == b"\x01"


def test_decoding_reads_index_zero_from_the_left_most_bit() -> None:
    raw = bytearray(MIN_ENTRIES // 8)
    raw[0], raw[-1] = 0x80, 0x01
    status_list = BitstringStatusList.decode(_encoded(_gzip(bytes(raw))))
    assert [status_list.get(i) for i in range(9)] == [1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert status_list.get(MIN_ENTRIES - 1) == 1
    assert status_list.get(MIN_ENTRIES - 8) == 0


def test_clearing_a_bit_restores_the_entry() -> None:
    status_list = BitstringStatusList()
    status_list.set(12345, True)
    assert status_list.get(12345) == 1
    status_list.set(12345, 0)
    assert status_list.get(12345) == 0
    assert status_list.to_bytes() == bytes(MIN_ENTRIES // 8)


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(0, MIN_ENTRIES - 1), max_size=40))
def test_encode_decode_round_trip_keeps_every_bit(indexes: set[int]) -> None:
    status_list = BitstringStatusList()
    for index in indexes:
        status_list.set(index)
    decoded = BitstringStatusList.decode(status_list.encode())
    assert decoded.to_bytes() == status_list.to_bytes()
    raw = decoded.to_bytes()
    set_bits = {
        8 * n + bit for n, byte in enumerate(raw) if byte for bit in range(8) if byte & 0x80 >> bit
    }
    assert set_bits == indexes
    assert all(decoded.get(index) == 1 for index in indexes)


def test_multi_bit_entries_store_the_high_bit_first() -> None:
    status_list = BitstringStatusList(status_size=2)
    status_list.set(0, 2)
    assert status_list.to_bytes()[:1] == b"\x80"
    status_list.set(1, 3)
    assert status_list.to_bytes()[:1] == b"\xb0"
    status_list.set(3, 1)
    assert status_list.to_bytes()[:1] == b"\xb1"
    decoded = BitstringStatusList.decode(status_list.encode(), status_size=2)
    assert [decoded.get(i) for i in range(5)] == [2, 3, 0, 1, 0]
    assert decoded.size == MIN_ENTRIES and decoded.status_size == 2


@pytest.mark.parametrize(
    ("size", "status_size"),
    [
        pytest.param(MIN_ENTRIES - 8, 1, id="below-minimum"),
        pytest.param(MIN_ENTRIES + 1, 1, id="not-whole-bytes"),
        pytest.param(MIN_ENTRIES, 0, id="status-size-0"),
        pytest.param(MIN_ENTRIES, 9, id="status-size-9"),
        pytest.param(MIN_ENTRIES, True, id="status-size-bool"),
        pytest.param(float(MIN_ENTRIES), 1, id="float-size"),
        pytest.param(MAX_DECOMPRESSED_BYTES * 8 + 8, 1, id="above-maximum"),
    ],
)
def test_list_constructor_refuses_non_conforming_sizes(size: Any, status_size: Any) -> None:
    with pytest.raises(InvalidInput):
        BitstringStatusList(size, status_size)


@pytest.mark.parametrize(
    ("index", "value"),
    [(-1, 1), (MIN_ENTRIES, 1), (0, 2), (0, -1), ("1", 1), (True, 1)],
)
def test_set_refuses_an_index_outside_the_list_or_a_value_too_wide(index: Any, value: Any) -> None:
    with pytest.raises(InvalidInput):
        BitstringStatusList().set(index, value)


def _corrupt_crc(data: bytes) -> bytes:
    return data[:-8] + bytes([data[-8] ^ 1]) + data[-7:]


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param("z" + SPEC_ENCODED_LIST[1:], id="base58-prefix"),
        pytest.param(SPEC_ENCODED_LIST[1:], id="no-multibase-prefix"),
        pytest.param(SPEC_ENCODED_LIST + "==", id="padded"),
        pytest.param("u!!!!", id="not-base64url"),
        pytest.param(_encoded(zlib.compress(bytes(MIN_ENTRIES // 8))), id="zlib-not-gzip"),
        pytest.param(_encoded(bytes(MIN_ENTRIES // 8)), id="uncompressed"),
        pytest.param(_encoded(_gzip(bytes(MIN_ENTRIES // 8))[:-4]), id="truncated"),
        pytest.param(_encoded(_gzip(bytes(MIN_ENTRIES // 8)) + b"junk"), id="trailing-data"),
        pytest.param(_encoded(_gzip(bytes(MIN_ENTRIES // 16)) * 2), id="two-members"),
        pytest.param(_encoded(_corrupt_crc(_gzip(bytes(MIN_ENTRIES // 8)))), id="bad-crc"),
        pytest.param(_encoded(_gzip(bytes(MIN_ENTRIES // 8 - 1))), id="short-list"),
        pytest.param(GZIP_BOMB, id="gzip-bomb"),
        pytest.param(42, id="not-a-string"),
    ],
)
def test_decode_refuses_anything_but_a_conforming_gzip_bitstring(encoded: Any) -> None:
    with pytest.raises(InvalidInput):
        BitstringStatusList.decode(encoded)


def test_decode_counts_entries_by_status_size() -> None:
    # 131,072 bits hold only 65,536 two-bit entries: below the minimum (STATUS_LIST_LENGTH_ERROR).
    with pytest.raises(InvalidInput, match="STATUS_LIST_LENGTH_ERROR"):
        BitstringStatusList.decode(SPEC_ENCODED_LIST, status_size=2)


def test_decode_accepts_a_list_of_exactly_the_size_limit() -> None:
    encoded = _encoded(_gzip(bytes(MAX_DECOMPRESSED_BYTES)))
    assert BitstringStatusList.decode(encoded).size == MAX_DECOMPRESSED_BYTES * 8


# --------------------------------------------------------------------------- index allocation


def test_allocator_never_repeats_and_is_not_sequential() -> None:
    allocator = IndexAllocator()
    drawn = [allocator.allocate() for _ in range(1000)]
    assert len(set(drawn)) == 1000
    assert all(0 <= index < MIN_ENTRIES for index in drawn)
    # 1000 uniform draws come out sorted with probability 1/1000!; a counter always would.
    assert drawn != sorted(drawn)
    assert sum(1 for a, b in zip(drawn, drawn[1:], strict=False) if b == a + 1) < 10
    # They spread over the list rather than filling its start (P[max < 65536] = 2^-1000).
    assert max(drawn) >= MIN_ENTRIES // 2
    assert allocator.used == frozenset(drawn)
    assert allocator.free == MIN_ENTRIES - 1000


def test_allocator_restored_from_used_indexes_never_hands_them_out_again() -> None:
    first = IndexAllocator(size=64)
    taken = {first.allocate() for _ in range(40)}
    restored = IndexAllocator(size=64, used=first.used)
    rest = {restored.allocate() for _ in range(24)}
    assert not taken & rest
    assert taken | rest == set(range(64))
    with pytest.raises(StatusListFull):
        restored.allocate()


def test_allocator_finds_the_last_free_index_of_a_dense_list() -> None:
    allocator = IndexAllocator(size=MIN_ENTRIES, used=set(range(MIN_ENTRIES)) - {98765})
    assert allocator.allocate() == 98765
    with pytest.raises(StatusListFull, match="all 131072"):
        allocator.allocate()


@pytest.mark.parametrize(
    ("size", "used"), [(0, ()), (10, (10,)), (10, (-1,)), (10, ("3",)), (True, ())]
)
def test_allocator_refuses_a_bad_size_or_used_index(size: Any, used: Any) -> None:
    with pytest.raises(InvalidInput):
        IndexAllocator(size, used)


# --------------------------------------------------------------------------- credentials


def test_status_list_credential_has_the_spec_shape() -> None:
    status_list = BitstringStatusList()
    status_list.set(94567)
    credential = status_list_credential(
        LIST_URL,
        ISSUER,
        "revocation",
        status_list,
        valid_from=datetime(2025, 1, 1, tzinfo=UTC),
        valid_until=datetime(2025, 1, 2, 1, 0, tzinfo=timezone(timedelta(hours=1))),
    )
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2025-01-02T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": status_list.encode(),
        },
    }


def test_status_list_terms_are_all_defined_by_the_v2_context() -> None:
    """Safe-mode expansion fails on an undefined term, so nothing would be dropped when signed."""
    credential = status_list_credential(LIST_URL, ISSUER, "suspension", BitstringStatusList())
    expanded = expand(credential)
    subject = expanded[0]["https://www.w3.org/2018/credentials#credentialSubject"][0]
    assert "https://www.w3.org/ns/credentials/status#encodedList" in subject
    entries = [
        status_entry(LIST_URL, 94567, "revocation"),
        status_entry(OTHER_URL, 7, "message", status_messages=["pending", "accepted"]),
    ]
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER,
        "credentialSubject": {"id": "did:example:6789"},
        "credentialStatus": entries,
    }
    status = expand(document)[0]["https://www.w3.org/2018/credentials#credentialStatus"]
    assert len(status) == 2


def test_status_entry_has_the_spec_shape() -> None:
    assert status_entry(LIST_URL, 94567, "revocation") == {
        "id": LIST_URL + "#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    message = status_entry(LIST_URL, 1, "message", status_messages=["a", "b", "c", "d"])
    assert message["statusSize"] == 2
    assert message["statusMessage"][3] == {"status": "0x3", "message": "d"}


@pytest.mark.parametrize(
    ("url", "index", "purpose", "messages"),
    [
        pytest.param("not a url", 0, "revocation", None, id="bad-url"),
        pytest.param(LIST_URL, -1, "revocation", None, id="negative-index"),
        pytest.param(LIST_URL, "5", "revocation", None, id="string-index"),
        pytest.param(LIST_URL, 0, "revoked", None, id="unknown-purpose"),
        pytest.param(LIST_URL, 0, "message", None, id="message-without-messages"),
        pytest.param(LIST_URL, 0, "message", ["a", "b", "c"], id="three-messages"),
        pytest.param(LIST_URL, 0, "message", ["a"], id="one-message"),
        pytest.param(LIST_URL, 0, "message", ["a", 2], id="non-string-message"),
    ],
)
def test_status_entry_refuses_bad_arguments(
    url: Any, index: Any, purpose: Any, messages: Any
) -> None:
    with pytest.raises(InvalidInput):
        status_entry(url, index, purpose, status_messages=messages)


def test_status_list_credential_refuses_bad_arguments() -> None:
    status_list = BitstringStatusList()
    with pytest.raises(InvalidInput):
        status_list_credential(LIST_URL, ISSUER, "revocation", b"\x00")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        status_list_credential(LIST_URL, ISSUER, "expired", status_list)
    with pytest.raises(InvalidInput):
        status_list_credential(
            LIST_URL, ISSUER, "revocation", status_list, valid_from=datetime(2025, 1, 1)
        )  # noqa: DTZ001
    with pytest.raises(InvalidInput):
        status_list_credential(
            LIST_URL,
            ISSUER,
            "revocation",
            status_list,
            valid_from=NOW,
            valid_until=NOW - timedelta(days=1),
        )


# --------------------------------------------------------------------------- check_status


def _list_credential(
    purpose: Any = "revocation", set_indexes: tuple[int, ...] = (), **changes: Any
) -> dict[str, Any]:
    status_list = BitstringStatusList()
    for index in set_indexes:
        status_list.set(index)
    credential = status_list_credential(
        LIST_URL,
        ISSUER,
        "revocation",
        status_list,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=1),
    )
    credential["credentialSubject"]["statusPurpose"] = purpose
    subject_changes = changes.pop("subject", {})
    credential["credentialSubject"].update(subject_changes)
    credential.update(changes)
    return credential


def _fetch(*credentials: tuple[str, Any]) -> Callable[[str], Mapping[str, Any]]:
    published: dict[str, Mapping[str, Any]] = dict(credentials)

    def fetch(url: str) -> Mapping[str, Any]:
        return published[url]

    return fetch


def test_clear_bit_returns_the_result() -> None:
    entry = status_entry(LIST_URL, 94567, "revocation")
    result = check_status(
        entry, _fetch((LIST_URL, _list_credential(set_indexes=(94566,)))), now=NOW
    )
    assert result == StatusResult("revocation", 94567, 0, LIST_URL)
    with pytest.raises(AttributeError):
        result.value = 1  # type: ignore[misc]


def test_revocation_bit_set_raises_revoked() -> None:
    entry = status_entry(LIST_URL, 94567, "revocation")
    with pytest.raises(Revoked) as exc_info:
        check_status(entry, _fetch((LIST_URL, _list_credential(set_indexes=(94567,)))), now=NOW)
    assert not isinstance(exc_info.value, (Suspended, StatusUnavailable))
    assert exc_info.value.check == "status"


def test_suspension_bit_set_raises_suspended() -> None:
    entry = status_entry(LIST_URL, 3, "suspension")
    credential = _list_credential("suspension", (3,))
    with pytest.raises(Suspended) as exc_info:
        check_status(entry, _fetch((LIST_URL, credential)), now=NOW)
    assert not isinstance(exc_info.value, (Revoked, StatusUnavailable))


def test_refresh_bit_set_is_reported_not_raised() -> None:
    entry = status_entry(LIST_URL, 3, "refresh")
    result = check_status(entry, _fetch((LIST_URL, _list_credential("refresh", (3,)))), now=NOW)
    assert (result.purpose, result.value) == ("refresh", 1)


def test_message_entry_returns_the_value_and_its_message() -> None:
    status_list = BitstringStatusList(status_size=2)
    status_list.set(492847 % MIN_ENTRIES, 2)
    credential = status_list_credential(LIST_URL, ISSUER, "message", status_list)
    entry = status_entry(
        LIST_URL,
        492847 % MIN_ENTRIES,
        "message",
        status_messages=["pending_review", "accepted", "rejected", "undefined"],
    )
    result = check_status(entry, _fetch((LIST_URL, credential)), now=NOW)
    assert (result.value, result.message) == (2, "rejected")


def test_a_list_may_serve_several_purposes() -> None:
    credential = _list_credential(["revocation", "suspension"], (5,))
    with pytest.raises(Suspended):
        check_status(
            status_entry(LIST_URL, 5, "suspension"), _fetch((LIST_URL, credential)), now=NOW
        )


def _entry(**changes: Any) -> dict[str, Any]:
    entry = status_entry(LIST_URL, 5, "revocation")
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.mark.parametrize(
    ("entry", "credential"),
    [
        pytest.param(_entry(), _list_credential("suspension"), id="purpose-mismatch"),
        pytest.param(
            _entry(), _list_credential(["suspension", "message"]), id="purpose-not-in-list"
        ),
        pytest.param(
            _entry(), _list_credential(type=["VerifiableCredential"]), id="not-a-status-list-vc"
        ),
        pytest.param(
            _entry(), _list_credential(subject={"type": "StatusList2021"}), id="subject-type"
        ),
        pytest.param(_entry(), _list_credential(credentialSubject=None), id="no-subject"),
        pytest.param(_entry(), _list_credential(id=OTHER_URL), id="list-for-another-url"),
        pytest.param(
            _entry(),
            _list_credential(validUntil=(NOW - timedelta(seconds=1)).isoformat()),
            id="expired",
        ),
        pytest.param(
            _entry(),
            _list_credential(validFrom=(NOW + timedelta(hours=1)).isoformat()),
            id="not-yet-valid",
        ),
        pytest.param(
            _entry(), _list_credential(validUntil="2025-06-02T00:00:00"), id="no-time-zone"
        ),
        pytest.param(_entry(), _list_credential(validUntil="tomorrow"), id="bad-time"),
        pytest.param(
            _entry(), _list_credential(subject={"encodedList": "u!!!"}), id="garbage-list"
        ),
        pytest.param(_entry(), _list_credential(subject={"encodedList": None}), id="no-list"),
        pytest.param(
            _entry(), _list_credential(subject={"encodedList": GZIP_BOMB}), id="gzip-bomb"
        ),
        pytest.param(
            _entry(),
            _list_credential(subject={"encodedList": _encoded(_gzip(bytes(1024)))}),
            id="short-list",
        ),
        pytest.param(
            _entry(), _list_credential(subject={"statusPurpose": 7}), id="purpose-not-string"
        ),
        pytest.param(_entry(), ["not", "an", "object"], id="not-an-object"),
        pytest.param(
            _entry(statusListIndex=str(MIN_ENTRIES)), _list_credential(), id="index-out-of-range"
        ),
        pytest.param(_entry(statusListIndex=5), _list_credential(), id="index-not-string"),
        pytest.param(_entry(statusListIndex="-5"), _list_credential(), id="negative-index"),
        pytest.param(_entry(statusListIndex="5e3"), _list_credential(), id="index-not-decimal"),
        pytest.param(_entry(statusListIndex="٥"), _list_credential(), id="index-non-ascii-digit"),
        pytest.param(_entry(type="StatusList2021Entry"), _list_credential(), id="entry-type"),
        pytest.param(_entry(statusPurpose=None), _list_credential(), id="no-purpose"),
        pytest.param(_entry(statusPurpose="expiry"), _list_credential(), id="unknown-purpose"),
        pytest.param(_entry(statusListCredential=None), _list_credential(), id="no-list-url"),
        pytest.param(_entry(id=LIST_URL), _list_credential(), id="entry-id-is-list-url"),
        pytest.param(_entry(statusSize=2), _list_credential(), id="revocation-status-size-2"),
        pytest.param(_entry(statusSize=0), _list_credential(), id="status-size-0"),
        pytest.param(
            _entry(statusPurpose="message", statusSize=2),
            _list_credential("message"),
            id="message-without-statusMessage",
        ),
        pytest.param(
            _entry(statusMessage=[{"status": "0x0", "message": "ok"}]),
            _list_credential(),
            id="statusMessage-wrong-length",
        ),
        pytest.param(
            _entry(
                statusMessage=[{"status": "0x0", "message": "a"}, {"status": "0x0", "message": "b"}]
            ),
            _list_credential(),
            id="statusMessage-repeated",
        ),
        pytest.param("not an entry", _list_credential(), id="entry-not-an-object"),
    ],
)
def test_undeterminable_status_raises_status_unavailable(entry: Any, credential: Any) -> None:
    with pytest.raises(StatusUnavailable) as exc_info:
        check_status(entry, _fetch((LIST_URL, credential)), now=NOW)
    assert not isinstance(exc_info.value, (Revoked, Suspended))
    assert exc_info.value.check == "status"


@pytest.mark.parametrize(
    "failure",
    [LookupError("404"), InvalidProof("status list proof does not verify"), TimeoutError()],
    ids=["retrieval", "proof", "timeout"],
)
def test_fetch_failure_is_status_unavailable_with_its_cause(failure: Exception) -> None:
    def fetch(url: str) -> Mapping[str, Any]:
        raise failure

    with pytest.raises(StatusUnavailable) as exc_info:
        check_status(_entry(), fetch, now=NOW)
    assert exc_info.value.__cause__ is failure


def test_tampered_encoded_list_is_status_unavailable() -> None:
    credential = _list_credential(set_indexes=(5,))
    encoded = credential["credentialSubject"]["encodedList"]
    middle = len(encoded) // 2
    tampered = encoded[:middle] + ("A" if encoded[middle] != "A" else "B") + encoded[middle + 1 :]
    credential["credentialSubject"]["encodedList"] = tampered
    with pytest.raises(StatusUnavailable):
        check_status(_entry(), _fetch((LIST_URL, credential)), now=NOW)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_changed_encoded_list_is_refused_or_means_the_same(data: st.DataObject) -> None:
    """A one-character change never alters a status silently.

    Past the GZIP header (whose mtime/OS bytes carry no status) a change breaks the DEFLATE
    stream or the CRC-32/length trailer, or, as DEFLATE allows, re-encodes the very same bits (a
    copy of zeros from another distance in a run of zeros). It never yields other bits.
    """
    status_list = BitstringStatusList()
    for index in (5, 77, MIN_ENTRIES - 1):
        status_list.set(index)
    encoded = status_list.encode()
    position = data.draw(st.integers(16, len(encoded) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    replacement = data.draw(st.sampled_from(alphabet.replace(encoded[position], "")))
    changed = encoded[:position] + replacement + encoded[position + 1 :]
    try:
        decoded = BitstringStatusList.decode(changed)
    except InvalidInput:
        return
    assert decoded.to_bytes() == status_list.to_bytes()


def test_validity_is_checked_against_the_injected_now() -> None:
    credential = _list_credential()
    fetch = _fetch((LIST_URL, credential))
    assert check_status(_entry(), fetch, now=NOW).value == 0
    with pytest.raises(StatusUnavailable, match="expired"):
        check_status(_entry(), fetch, now=NOW + timedelta(days=2))
    with pytest.raises(StatusUnavailable, match="not valid yet"):
        check_status(_entry(), fetch, now=NOW - timedelta(days=2))
    with pytest.raises(InvalidInput):
        check_status(_entry(), fetch, now=datetime(2025, 6, 1))  # noqa: DTZ001


def test_check_status_uses_the_current_time_by_default() -> None:
    credential = _list_credential()
    del credential["validFrom"], credential["validUntil"]
    assert check_status(_entry(), _fetch((LIST_URL, credential))).value == 0


# --------------------------------------------------------------------------- check_statuses


def test_check_statuses_checks_revocation_and_suspension_entries() -> None:
    calls: list[str] = []
    revocations = _list_credential()
    suspensions = _list_credential("suspension", id=OTHER_URL)

    def fetch(url: str) -> Mapping[str, Any]:
        calls.append(url)
        return {LIST_URL: revocations, OTHER_URL: suspensions}[url]

    entries = [
        status_entry(LIST_URL, 5, "revocation"),
        status_entry(OTHER_URL, 5, "suspension"),
        status_entry(LIST_URL, 6, "revocation"),
    ]
    results = check_statuses(entries, fetch, now=NOW)
    assert [(r.purpose, r.index, r.value) for r in results] == [
        ("revocation", 5, 0),
        ("suspension", 5, 0),
        ("revocation", 6, 0),
    ]
    assert calls == [LIST_URL, OTHER_URL]  # each list fetched once
    assert check_statuses(entries[0], fetch, now=NOW) == results[:1]
    assert check_statuses([], fetch, now=NOW) == []


def test_check_statuses_raises_the_most_telling_failure() -> None:
    revoked = _list_credential(set_indexes=(5,))
    suspended = _list_credential("suspension", (5,), id=OTHER_URL)
    broken = "https://registry.example/status/missing"
    fetch = _fetch((LIST_URL, revoked), (OTHER_URL, suspended))
    unavailable = status_entry(broken, 5, "revocation")
    suspension = status_entry(OTHER_URL, 5, "suspension")
    revocation = status_entry(LIST_URL, 5, "revocation")
    with pytest.raises(Revoked):
        check_statuses([unavailable, suspension, revocation], fetch, now=NOW)
    with pytest.raises(Suspended):
        check_statuses([unavailable, suspension], fetch, now=NOW)
    with pytest.raises(StatusUnavailable):
        check_statuses([unavailable], fetch, now=NOW)


def test_check_statuses_refuses_status_types_it_cannot_check() -> None:
    entries = [
        status_entry(LIST_URL, 5, "revocation"),
        {"id": "urn:x", "type": "ChanceryAccumulatorEntry"},
    ]
    with pytest.raises(StatusUnavailable):
        check_statuses(entries, _fetch((LIST_URL, _list_credential())), now=NOW)
    with pytest.raises(StatusUnavailable):
        check_statuses("revoked?", _fetch(), now=NOW)  # type: ignore[arg-type]


def test_status_errors_are_verification_errors_of_check_status() -> None:
    for error in (Revoked, Suspended, StatusUnavailable):
        assert issubclass(error, VerificationError)
        assert error("x").check == "status"
