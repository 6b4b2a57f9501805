"""SD-JWT (RFC 9901) and SD-JWT VC: round trips over the published example inputs, and rejection
of every tampered input with the right error.

Vector folders (copied verbatim, provenance in their READMEs):

* ``sd-jwt-python-testcases`` -- round-trip cases of the reference implementation, each with
  the claims a verifier must end up with (``expect_verified_user_claims``);
* ``ietf-sd-jwt`` -- the inputs of every example in RFC 9901 (draft -22);
* ``ietf-sd-jwt-vc`` -- the inputs of the SD-JWT VC draft's examples (-16 ... -18).

The YAML inputs mark selectively disclosable claims with the ``!sd`` tag. Each case is issued
with our issuer (the ``!sd`` claims become JSON pointers in ``disclose``), presented with our
holder (``holder_disclosed_claims`` becomes JSON pointers in ``reveal``), verified with our
verifier, and the verified claims are compared with the expected claims. The IETF folders publish
no expected output, so their expected claims are computed here from the inputs by the selection
rule of the reference holder; the same rule reproduces every ``expect_verified_user_claims`` of
the test-case folder (checked below), which is what makes it a fair oracle.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vc_service._errors import (
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
    UntrustedIssuer,
)
from vc_service._jose import sign_jws
from vc_service._keys import Key
from vc_service._sd_jwt import (
    issue_sd_jwt,
    issue_sd_jwt_vc,
    issuer_key_resolver,
    present,
    verify_sd_jwt,
)
from vc_service._token_status import (
    TokenStatusList,
    check_token_status,
    issue_status_list_token,
)

VECTORS = Path(__file__).parent / "vectors"
TESTCASES = VECTORS / "sd-jwt-python-testcases" / "tests" / "testcases"
IETF_SD_JWT = VECTORS / "ietf-sd-jwt" / "examples"
IETF_SD_JWT_VC = VECTORS / "ietf-sd-jwt-vc" / "examples"


# --------------------------------------------------------------------------- YAML inputs


@dataclass(frozen=True)
class SD:
    """A claim (object key or array element) tagged ``!sd`` in a specification file."""

    value: Any


class _SpecLoader(yaml.SafeLoader):
    """A safe loader that also understands the ``!sd`` tag."""


def _construct_sd(loader: _SpecLoader, node: yaml.Node) -> SD:
    if isinstance(node, yaml.ScalarNode):
        if node.style in ('"', "'"):
            return SD(loader.construct_scalar(node))
        # The explicit tag hides the scalar's implicit type: resolve it as if it were untagged.
        tag = loader.resolve(yaml.ScalarNode, node.value, (True, False))
        plain = yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark, style=node.style)
        return SD(loader.yaml_constructors[tag](loader, plain))
    if isinstance(node, yaml.MappingNode):
        return SD(loader.construct_mapping(node, deep=True))
    if isinstance(node, yaml.SequenceNode):
        return SD(loader.construct_sequence(node, deep=True))
    raise TypeError(node)  # pragma: no cover


_SpecLoader.add_constructor("!sd", _construct_sd)


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_SpecLoader)  # noqa: S506 - a SafeLoader subclass


def _pointer(parent: str, token: str | int) -> str:
    return f"{parent}/{str(token).replace('~', '~0').replace('/', '~1')}"


def split_sd(node: Any, pointer: str = "", found: list[str] | None = None) -> tuple[Any, list[str]]:
    """Plain claims, and the JSON pointers of the ``!sd`` claims in them."""
    found = [] if found is None else found
    if isinstance(node, SD):
        found.append(pointer)
        node = node.value
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            name = key.value if isinstance(key, SD) else key
            child = _pointer(pointer, name)
            if isinstance(key, SD):
                found.append(child)
            out[name], _ = split_sd(value, child, found)
        return out, found
    if isinstance(node, list):
        return [split_sd(v, _pointer(pointer, i), found)[0] for i, v in enumerate(node)], found
    return node, found


def _entries(node: dict[Any, Any]) -> list[tuple[str, Any, bool]]:
    result = []
    for key, value in node.items():
        name = key.value if isinstance(key, SD) else key
        is_sd = isinstance(key, SD) or isinstance(value, SD)
        result.append((name, value.value if isinstance(value, SD) else value, is_sd))
    return result


def select(node: Any, flags: Any, pointer: str = "", reveal: list[str] | None = None) -> Any:
    """The reference holder's reading of ``holder_disclosed_claims``.

    Returns the claims a verifier sees and collects, in ``reveal``, the pointers of the
    selectively disclosable claims the Holder discloses. In an object, a claim is disclosed when
    its flag is truthy; in an array, an element is disclosed unless its flag is ``False`` or
    missing; ``True`` for a structured value means "this value, none of its own members".
    """
    reveal = [] if reveal is None else reveal
    if isinstance(node, dict):
        flags = {} if flags is True or not isinstance(flags, dict) else flags
        out = {}
        for name, value, is_sd in _entries(node):
            flag = flags.get(name)
            child = _pointer(pointer, name)
            if is_sd and not flag:
                continue
            if is_sd:
                reveal.append(child)
            out[name] = select(value, flag, child, reveal)
        return out
    if isinstance(node, list):
        flags = [] if flags is True or not isinstance(flags, list) else flags
        items = []
        for index, element in enumerate(node):
            flag = flags[index] if index < len(flags) else None
            child = _pointer(pointer, index)
            if isinstance(element, SD):
                if flag in (False, None):
                    continue
                reveal.append(child)
                element = element.value
            items.append(select(element, flag, child, reveal))
        return items
    return node


@dataclass
class Case:
    """One specification file, turned into our API's terms."""

    name: str
    claims: dict[str, Any]
    disclose: list[str]
    reveal: list[str]
    expected: dict[str, Any]
    settings: dict[str, Any]
    spec: dict[str, Any]

    @property
    def key_binding(self) -> bool:
        return bool(self.spec.get("key_binding", False))

    @property
    def header(self) -> dict[str, Any]:
        return dict(self.spec.get("extra_header_parameters") or {})

    def issuer_keys(self) -> list[tuple[Key, str | None]]:
        key_settings = self.settings["key_settings"]
        jwks = key_settings.get("issuer_keys") or [key_settings["issuer_key"]]
        return [(Key.from_jwk(jwk), jwk.get("kid")) for jwk in jwks]

    def holder_key(self) -> Key:
        return Key.from_jwk(self.settings["key_settings"]["holder_key"])

    def resolver(self) -> Any:
        keys = self.issuer_keys()

        def resolve(iss: str | None, header: dict[str, Any]) -> Key:
            assert iss == self.claims.get("iss")
            if len(keys) == 1:
                return keys[0][0].public_key()
            return next(k for k, kid in keys if kid == header.get("kid")).public_key()

        return resolve


def load_case(folder: Path, *, default_claims: bool) -> Case:
    settings = load_yaml(folder.parent / "settings.yml")
    spec = load_yaml(folder / "specification.yml")
    settings.update(spec.get("settings_override", {}))  # shallow, as the reference tests do
    user_claims: dict[Any, Any] = {}
    identifiers = settings["identifiers"]
    if default_claims and spec.get("include_default_claims", True):
        user_claims = {"iss": identifiers["issuer"], "iat": settings["iat"], "exp": settings["exp"]}
    elif not default_claims:
        user_claims = {"iss": identifiers["issuer"]}
    user_claims.update(spec["user_claims"])
    claims, disclose = split_sd(user_claims)
    reveal: list[str] = []
    expected = select(user_claims, spec["holder_disclosed_claims"], "", reveal)
    case = Case(folder.name, claims, disclose, reveal, expected, settings, spec)
    if case.key_binding:
        case.expected["cnf"] = {"jwk": case.holder_key().public_jwk()}
    return case


def _names(folder: Path) -> list[str]:
    return sorted(p.parent.name for p in folder.glob("*/specification.yml"))


TESTCASE_NAMES = _names(TESTCASES)
IETF_SD_JWT_NAMES = _names(IETF_SD_JWT)
IETF_SD_JWT_VC_NAMES = _names(IETF_SD_JWT_VC)


def test_vector_folders_are_complete() -> None:
    """Every specification file of the three folders is run (17 + 15 + 3)."""
    assert len(TESTCASE_NAMES) == 17
    assert len(IETF_SD_JWT_NAMES) == 15
    assert IETF_SD_JWT_VC_NAMES == ["01", "02", "03-pid"]


def _now(case: Case) -> datetime:
    # Inside the iat..exp window of the settings, for the examples that carry those claims.
    return datetime.fromtimestamp(case.settings["iat"], UTC) + timedelta(days=1)


def _round_trip_plain(case: Case) -> Any:
    keys = case.issuer_keys()
    header = {"typ": "testcase+sd-jwt", **case.header}
    kid = header.pop("kid", keys[0][1])
    typ = header.pop("typ")
    assert not header, f"unsupported header parameters {header}"
    json_form = case.spec.get("serialization_format", "compact") == "json"
    serialization = ("general" if len(keys) > 1 else "flattened") if json_form else "compact"
    holder = case.holder_key() if case.key_binding else None
    issued = issue_sd_jwt(
        case.claims,
        keys[0][0],
        # RFC 7515 §4.1.4: 'kid' is a string; header_mod's integer 42 is sent as "42".
        kid=None if kid is None else str(kid),
        typ=typ,
        disclose=case.disclose,
        holder_key=holder,
        decoys=None if case.spec.get("add_decoy_claims") else 0,
        serialization=serialization,
        additional_signers=keys[1:],
    )
    now = _now(case)
    nonce = case.settings["key_binding_nonce"] if case.key_binding else None
    audience = case.settings["identifiers"]["verifier"] if case.key_binding else None
    presentation = present(
        issued, reveal=case.reveal, holder_key=holder, nonce=nonce, audience=audience, iat=now
    )
    return verify_sd_jwt(
        presentation,
        resolve_issuer_key=case.resolver(),
        expected_nonce=nonce,
        expected_audience=audience,
        require_key_binding=case.key_binding,
        now=now,
        profile="sd-jwt",
    )


@pytest.mark.parametrize("name", TESTCASE_NAMES, ids=TESTCASE_NAMES)
def test_reference_testcase_round_trip(name: str) -> None:
    """Issue, present and verify each sd-jwt-python test case; the verifier ends up with
    exactly the case's ``expect_verified_user_claims`` (plus ``iss``, and ``cnf`` when bound)."""
    case = load_case(TESTCASES / name, default_claims=False)
    expected = copy.deepcopy(case.spec["expect_verified_user_claims"])
    expected["iss"] = case.settings["identifiers"]["issuer"]
    if case.key_binding:
        expected["cnf"] = {"jwk": case.holder_key().public_jwk()}
    # The oracle used for the IETF folders agrees with the published expected output.
    assert case.expected == expected
    result = _round_trip_plain(case)
    assert result.claims == expected
    assert result.key_binding is case.key_binding
    if "kid" in case.header:
        assert result.header["kid"] == str(case.header["kid"])


@pytest.mark.parametrize("name", IETF_SD_JWT_NAMES, ids=IETF_SD_JWT_NAMES)
def test_rfc9901_example_round_trip(name: str) -> None:
    """Each RFC 9901 example input, issued, presented and verified as the draft describes it."""
    case = load_case(IETF_SD_JWT / name, default_claims=True)
    result = _round_trip_plain(case)
    assert result.claims == case.expected
    # Every claim that came from a Disclosure is one the Holder chose to reveal.
    assert set(result.disclosed) <= set(case.reveal)


@pytest.mark.parametrize("name", IETF_SD_JWT_VC_NAMES, ids=IETF_SD_JWT_VC_NAMES)
def test_sd_jwt_vc_example_round_trip(name: str) -> None:
    """Each SD-JWT VC example input, through issue_sd_jwt_vc (typ dc+sd-jwt, vct, kid)."""
    case = load_case(IETF_SD_JWT_VC / name, default_claims=True)
    claims = dict(case.claims)
    issuer, vct = claims.pop("iss"), claims.pop("vct")
    iat, exp = claims.pop("iat"), claims.pop("exp")
    header = case.header
    assert header.get("typ") == "dc+sd-jwt"
    ((key, _),) = case.issuer_keys()
    holder = case.holder_key() if case.key_binding else None
    issued = issue_sd_jwt_vc(
        claims,
        key,
        issuer=issuer,
        vct=vct,
        kid=header.get("kid"),
        disclose=case.disclose,
        holder_key=holder,
        decoys=None if case.spec.get("add_decoy_claims", True) else 0,
        iat=iat,
        exp=exp,
    )
    now = _now(case)
    nonce = case.settings["key_binding_nonce"] if case.key_binding else None
    audience = case.settings["identifiers"]["verifier"] if case.key_binding else None
    presentation = present(
        issued, reveal=case.reveal, holder_key=holder, nonce=nonce, audience=audience, iat=now
    )
    result = verify_sd_jwt(
        presentation,
        resolve_issuer_key=lambda iss, h: key.public_key(),
        expected_nonce=nonce,
        expected_audience=audience,
        require_key_binding=case.key_binding,
        now=now,
    )
    assert result.claims == case.expected
    assert result.vct == vct and result.issuer == issuer
    assert result.header["typ"] == "dc+sd-jwt"
    assert result.header.get("kid") == header.get("kid")


# --------------------------------------------------------------------------- fixtures

ISSUER = "did:example:issuer"
VCT = "https://credentials.example/identity"
# Tests issue with the default iat (the real clock), so "now" is the real time, to the second.
NOW = datetime.now(UTC).replace(microsecond=0)
NONCE = "n-0S6_WzA2Mj"
AUDIENCE = "https://verifier.example"
CLAIMS: dict[str, Any] = {
    "given_name": "Anna Maria",
    "family_name": "Eriksson",
    "birthdate": "1974-08-12",
    "address": {"street_address": "Storgatan 1", "locality": "Uppsala", "country": "SE"},
    "nationalities": ["SE", "FI"],
}
DISCLOSE = [
    "/given_name",
    "/family_name",
    "/birthdate",
    "/address",
    "/address/street_address",
    "/address/locality",
    "/nationalities/0",
    "/nationalities/1",
]


@pytest.fixture(scope="module")
def issuer_key() -> Key:
    return Key.generate("ed25519")


@pytest.fixture(scope="module")
def holder_key() -> Key:
    return Key.generate("p256")


@pytest.fixture(scope="module")
def issued(issuer_key: Key, holder_key: Key) -> str:
    return issue_sd_jwt_vc(
        CLAIMS,
        issuer_key,
        issuer=ISSUER,
        vct=VCT,
        kid=f"{ISSUER}#key-1",
        disclose=DISCLOSE,
        holder_key=holder_key,
        iat=NOW - timedelta(days=1),
        exp=NOW + timedelta(days=365),
    )


@pytest.fixture(scope="module")
def presentation(issued: str, holder_key: Key) -> str:
    return present(
        issued,
        reveal=["/given_name", "/address/locality", "/nationalities/1"],
        holder_key=holder_key,
        nonce=NONCE,
        audience=AUDIENCE,
        iat=NOW,
    )


def verify(token: str, issuer_key: Key, **kw: Any) -> Any:
    options: dict[str, Any] = {
        "resolve_issuer_key": lambda iss, header: issuer_key.public_key(),
        "expected_nonce": NONCE,
        "expected_audience": AUDIENCE,
        "now": NOW,
    }
    options.update(kw)
    return verify_sd_jwt(token, **options)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parts(token: str) -> tuple[str, list[str], str]:
    jwt, *disclosures, kb = token.split("~")
    return jwt, disclosures, kb


def jwt_payload(jwt: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(unb64(jwt.split(".")[1]))
    return payload


def resign(payload: dict[str, Any], key: Key, header: dict[str, Any] | None = None) -> str:
    """An Issuer-signed JWT over a crafted payload, validly signed with ``key``."""
    return sign_jws({"typ": "dc+sd-jwt"} if header is None else header, payload, key)


def kb_for(sd_jwt: str, holder: Key, **overrides: Any) -> str:
    """A KB-JWT over ``sd_jwt`` (which ends in '~'); ``overrides`` replace claims, and the
    special ``_header`` the JOSE header."""
    header = overrides.pop("_header", {"typ": "kb+jwt"})
    claims = {
        "iat": int(NOW.timestamp()),
        "aud": AUDIENCE,
        "nonce": NONCE,
        "sd_hash": b64(hashlib.sha256(sd_jwt.encode()).digest()),
        **overrides,
    }
    return sign_jws(header, claims, holder)


def disclosure(*content: Any) -> str:
    return b64(json.dumps(["c2FsdHNhbHRzYWx0c2FsdA", *content]).encode())


def digest(d: str) -> str:
    return b64(hashlib.sha256(d.encode()).digest())


# --------------------------------------------------------------------------- behaviour


def test_presentation_reveals_only_what_the_holder_chose(
    presentation: str, issuer_key: Key
) -> None:
    result = verify(presentation, issuer_key)
    assert result.claims["given_name"] == "Anna Maria"
    assert result.claims["address"] == {"locality": "Uppsala", "country": "SE"}
    assert result.claims["nationalities"] == ["FI"]
    assert "family_name" not in result.claims and "birthdate" not in result.claims
    assert result.disclosed == ("/address", "/address/locality", "/given_name", "/nationalities/0")
    assert result.key_binding and result.vct == VCT and result.issuer == ISSUER
    assert result.holder_key is not None


def test_issued_payload_has_sorted_digests_and_no_cleartext(issued: str) -> None:
    jwt, disclosures, kb = parts(issued)
    payload = jwt_payload(jwt)
    assert kb == ""  # the issued SD-JWT ends with '~'
    assert payload["_sd"] == sorted(payload["_sd"]) and payload["_sd_alg"] == "sha-256"
    assert "given_name" not in payload and "given_name" not in json.dumps(payload)
    assert {"...": payload["nationalities"][0]["..."]} == payload["nationalities"][0]
    assert payload["iss"] == ISSUER and payload["vct"] == VCT and "cnf" in payload
    # One Disclosure per pointer; salts are 128 bits.
    assert len(disclosures) == len(DISCLOSE)
    for d in disclosures:
        salt = json.loads(unb64(d))[0]
        assert len(unb64(salt)) == 16
    header = json.loads(unb64(jwt.split(".")[0]))
    assert header == {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": f"{ISSUER}#key-1"}


def test_decoys_are_added_to_every_sd_array(issuer_key: Key) -> None:
    token = issue_sd_jwt_vc(
        CLAIMS,
        issuer_key,
        issuer=ISSUER,
        vct=VCT,
        disclose=["/given_name", "/address/locality"],
        decoys=3,
    )
    payload = jwt_payload(token.split("~")[0])
    assert len(payload["_sd"]) == 4 and len(payload["address"]["_sd"]) == 4
    result = verify(token, issuer_key, expected_nonce=None, expected_audience=None, now=None)
    assert result.claims["given_name"] == "Anna Maria"


def test_no_selectively_disclosable_claims_means_no_sd_claim(issuer_key: Key) -> None:
    """SD-JWT VC §3.2.2.4: without SD claims there is no _sd (and no decoys, no _sd_alg)."""
    token = issue_sd_jwt_vc(CLAIMS, issuer_key, issuer=ISSUER, vct=VCT)
    assert token.count("~") == 1 and token.endswith("~")
    payload = jwt_payload(token[:-1])
    assert "_sd" not in payload and "_sd_alg" not in payload


def test_revealing_nested_claim_reveals_its_parents(issued: str, issuer_key: Key) -> None:
    token = present(issued, reveal=["/address/street_address"])
    result = verify(token, issuer_key, expected_nonce=None, expected_audience=None)
    assert result.claims["address"] == {"street_address": "Storgatan 1", "country": "SE"}
    assert not result.key_binding


def test_revealing_an_object_does_not_reveal_its_hidden_members(
    issued: str, issuer_key: Key
) -> None:
    token = present(issued, reveal=["/address"])
    result = verify(token, issuer_key, expected_nonce=None, expected_audience=None)
    assert result.claims["address"] == {"country": "SE"}


@pytest.mark.parametrize("hash_alg", ["sha-256", "sha-384", "sha-512", "sha3-256"])
def test_other_hash_algorithms_round_trip(hash_alg: str, issuer_key: Key, holder_key: Key) -> None:
    token = issue_sd_jwt_vc(
        CLAIMS,
        issuer_key,
        issuer=ISSUER,
        vct=VCT,
        disclose=DISCLOSE,
        holder_key=holder_key,
        hash_alg=hash_alg,
    )
    assert jwt_payload(token.split("~")[0])["_sd_alg"] == hash_alg
    shown = present(
        token, reveal=["/birthdate"], holder_key=holder_key, nonce=NONCE, audience=AUDIENCE, iat=NOW
    )
    assert (
        verify(shown, issuer_key, now=NOW + timedelta(seconds=1)).claims["birthdate"]
        == "1974-08-12"
    )


def test_p256_issuer_and_ed25519_holder(holder_key: Key) -> None:
    issuer = Key.generate("p256")
    holder = Key.generate("ed25519")
    token = issue_sd_jwt_vc(
        CLAIMS, issuer, issuer=ISSUER, vct=VCT, disclose=DISCLOSE, holder_key=holder
    )
    shown = present(
        token, reveal=["/given_name"], holder_key=holder, nonce=NONCE, audience=AUDIENCE, iat=NOW
    )
    result = verify(shown, issuer)
    assert result.claims["given_name"] == "Anna Maria"
    assert result.holder_key is not None and result.holder_key.same_public(holder)


def test_legacy_vc_sd_jwt_typ_is_accepted(issuer_key: Key) -> None:
    """SD-JWT VC §3.2.1 RECOMMENDS accepting the former 'vc+sd-jwt' during the transition."""
    payload = {"iss": ISSUER, "vct": VCT, "iat": int(NOW.timestamp()), "name": "x"}
    token = resign(payload, issuer_key, {"typ": "vc+sd-jwt"}) + "~"
    assert (
        verify(token, issuer_key, expected_nonce=None, expected_audience=None).claims["name"] == "x"
    )


def test_status_check_is_called_with_the_status_claim(issuer_key: Key) -> None:
    status = {"status_list": {"idx": 7, "uri": "https://status.example/1"}}
    token = issue_sd_jwt_vc(CLAIMS, issuer_key, issuer=ISSUER, vct=VCT, status=status)
    seen: list[Any] = []
    verify(token, issuer_key, expected_nonce=None, expected_audience=None, status_check=seen.append)
    assert seen == [status]


@pytest.mark.parametrize(
    ("value", "error"), [(0, None), (1, Revoked), (2, Suspended), (3, StatusUnavailable)]
)
def test_token_status_list_decides_the_outcome(
    issuer_key: Key, value: int, error: type[Error] | None
) -> None:
    """An SD-JWT VC with a Token Status List reference: VALID passes, the rest are rejected."""
    uri = "https://status.example/lists/1"
    status_key = Key.generate("p256")
    lst = TokenStatusList(1024, bits=2)
    lst.set(42, value)
    status_token = issue_status_list_token(lst, status_key, kid="s1", subject_uri=uri, iat=NOW)
    token = issue_sd_jwt_vc(
        CLAIMS, issuer_key, issuer=ISSUER, vct=VCT, status={"status_list": {"idx": 42, "uri": uri}}
    )
    check = partial(
        check_token_status,
        fetch={uri: status_token}.__getitem__,
        resolve_key=lambda kid: status_key.public_key(),
        now=NOW,
    )
    if error is None:
        verify(token, issuer_key, expected_nonce=None, expected_audience=None, status_check=check)
    else:
        with pytest.raises(error):
            verify(
                token, issuer_key, expected_nonce=None, expected_audience=None, status_check=check
            )


def test_json_serializations_round_trip(holder_key: Key) -> None:
    first, second = Key.generate("p256"), Key.generate("ed25519")
    claims = {"iss": ISSUER, "given_name": "A", "family_name": "B"}
    keys = {"k1": first, "k2": second}
    for serialization, extra in (("flattened", ()), ("general", ((second, "k2"),))):
        token = issue_sd_jwt(
            claims,
            first,
            kid="k1",
            typ="example+sd-jwt",
            disclose=["/given_name", "/family_name"],
            holder_key=holder_key,
            serialization=serialization,  # type: ignore[arg-type]
            additional_signers=extra,
        )
        document = json.loads(token)
        assert ("signatures" in document) is (serialization == "general")
        shown = present(
            token,
            reveal=["/family_name"],
            holder_key=holder_key,
            nonce=NONCE,
            audience=AUDIENCE,
            iat=NOW,
        )
        result = verify(
            shown, first, profile="sd-jwt", resolve_issuer_key=lambda iss, h: keys[h["kid"]]
        )
        assert result.claims == {
            "iss": ISSUER,
            "family_name": "B",
            "cnf": {"jwk": holder_key.public_jwk()},
        }


# --------------------------------------------------------------------------- tampering


def test_changed_claim_in_issuer_jwt_is_invalid_proof(presentation: str, issuer_key: Key) -> None:
    jwt, disclosures, kb = parts(presentation)
    header, payload, signature = jwt.split(".")
    claims = json.loads(unb64(payload))
    claims["vct"] = "https://credentials.example/other"
    forged = ".".join([header, b64(json.dumps(claims).encode()), signature])
    with pytest.raises(InvalidProof):
        verify("~".join([forged, *disclosures, kb]), issuer_key)


def test_changed_disclosure_is_invalid_proof(issued: str, issuer_key: Key) -> None:
    jwt, disclosures, _ = parts(issued)
    salt, name, value = json.loads(unb64(disclosures[0]))
    changed = b64(json.dumps([salt, name, "Mallory"]).encode())
    token = "~".join([jwt, changed, *disclosures[1:], ""])
    with pytest.raises(InvalidProof):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


def test_disclosure_from_another_credential_is_invalid_proof(issued: str, issuer_key: Key) -> None:
    other = issue_sd_jwt_vc(
        {"age_over_18": True}, issuer_key, issuer=ISSUER, vct=VCT, disclose=["/age_over_18"]
    )
    _, foreign, _ = parts(other)
    jwt, disclosures, _ = parts(issued)
    with pytest.raises(InvalidProof):
        verify(
            "~".join([jwt, *disclosures, *foreign, ""]),
            issuer_key,
            expected_nonce=None,
            expected_audience=None,
        )


def test_disclosure_added_after_key_binding_breaks_sd_hash(
    issued: str, presentation: str, issuer_key: Key
) -> None:
    jwt, shown, kb = parts(presentation)
    _, all_disclosures, _ = parts(issued)
    extra = next(
        d for d in all_disclosures if d not in shown and json.loads(unb64(d))[1] == "birthdate"
    )
    with pytest.raises(HolderBindingError):
        verify("~".join([jwt, *shown, extra, kb]), issuer_key)


def test_disclosure_removed_after_key_binding_breaks_sd_hash(
    presentation: str, issuer_key: Key
) -> None:
    jwt, shown, kb = parts(presentation)
    keep = [d for d in shown if json.loads(unb64(d))[1:2] != ["given_name"]]
    assert len(keep) == len(shown) - 1
    with pytest.raises(HolderBindingError):
        verify("~".join([jwt, *keep, kb]), issuer_key)


def test_removing_disclosures_without_key_binding_only_hides_claims(
    issued: str, issuer_key: Key
) -> None:
    """Without Key Binding the set of Disclosures is not protected (RFC 9901 §9.10): fewer
    Disclosures simply mean fewer claims, never more."""
    jwt, disclosures, _ = parts(issued)
    result = verify(
        "~".join([jwt, *disclosures[:2], ""]),
        issuer_key,
        expected_nonce=None,
        expected_audience=None,
    )
    assert len(result.disclosed) <= 2


def test_wrong_issuer_key_is_invalid_proof(presentation: str) -> None:
    with pytest.raises(InvalidProof):
        verify(presentation, Key.generate("ed25519"))


def test_issuer_key_of_another_type_is_invalid_proof(presentation: str) -> None:
    with pytest.raises(InvalidProof):
        verify(presentation, Key.generate("p256"))


def test_expired_credential(presentation: str, issuer_key: Key) -> None:
    later = NOW + timedelta(days=366)
    with pytest.raises(Expired):
        verify(presentation, issuer_key, now=later)


def test_not_yet_valid_credential(issuer_key: Key) -> None:
    token = issue_sd_jwt_vc(
        CLAIMS, issuer_key, issuer=ISSUER, vct=VCT, iat=NOW, nbf=NOW + timedelta(hours=1)
    )
    with pytest.raises(NotYetValid):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)
    early = issue_sd_jwt_vc(
        CLAIMS, issuer_key, issuer=ISSUER, vct=VCT, iat=NOW + timedelta(hours=1)
    )
    with pytest.raises(NotYetValid):
        verify(early, issuer_key, expected_nonce=None, expected_audience=None)


def test_wrong_nonce(presentation: str, issuer_key: Key) -> None:
    with pytest.raises(NonceMismatch):
        verify(presentation, issuer_key, expected_nonce="another-nonce")


def test_wrong_audience(presentation: str, issuer_key: Key) -> None:
    with pytest.raises(AudienceMismatch):
        verify(presentation, issuer_key, expected_audience="https://other.example")


def test_wrong_sd_hash(presentation: str, issuer_key: Key, holder_key: Key) -> None:
    jwt, shown, _ = parts(presentation)
    kb = kb_for(jwt + "~", holder_key)  # signed over no Disclosures at all
    with pytest.raises(HolderBindingError):
        verify("~".join([jwt, *shown, kb]), issuer_key)


def test_kb_jwt_signed_by_another_key(presentation: str, issuer_key: Key) -> None:
    jwt, shown, _ = parts(presentation)
    kb = kb_for("~".join([jwt, *shown, ""]), Key.generate("p256"))
    with pytest.raises(HolderBindingError):
        verify("~".join([jwt, *shown, kb]), issuer_key)


@pytest.mark.parametrize(
    "kw", [{"require_key_binding": True, "expected_nonce": None, "expected_audience": None}, {}]
)
def test_missing_kb_jwt_when_binding_is_required(
    presentation: str, issuer_key: Key, kw: dict[str, Any]
) -> None:
    """Stripping the KB-JWT never helps: the decision to require binding is the verifier's."""
    jwt, shown, _ = parts(presentation)
    with pytest.raises(HolderBindingError):
        verify("~".join([jwt, *shown, ""]), issuer_key, **kw)


def test_kb_required_but_credential_has_no_cnf(issuer_key: Key) -> None:
    token = issue_sd_jwt_vc(CLAIMS, issuer_key, issuer=ISSUER, vct=VCT)
    with pytest.raises(HolderBindingError):
        verify(token, issuer_key)


@pytest.mark.parametrize("age", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_kb_jwt_iat_outside_window(presentation: str, issuer_key: Key, age: timedelta) -> None:
    with pytest.raises(HolderBindingError):
        verify(presentation, issuer_key, now=NOW + age)
    assert verify(
        presentation, issuer_key, now=NOW + age, iat_window=timedelta(minutes=7)
    ).key_binding


@pytest.mark.parametrize(
    "override",
    [
        {"_header": {"typ": "JWT"}},
        {"_header": {"typ": "kb+jwt", "crit": ["exp"]}},
        {"sd_hash": None},
        {"exp": int((NOW - timedelta(seconds=1)).timestamp())},
    ],
    ids=["wrong-typ", "crit", "sd_hash-not-a-string", "expired"],
)
def test_malformed_kb_jwt(
    presentation: str, issuer_key: Key, holder_key: Key, override: dict[str, Any]
) -> None:
    jwt, shown, _ = parts(presentation)
    if "crit" in override.get("_header", {}):
        # sign_jws refuses to produce it; craft the token with a raw signature.
        header = b64(json.dumps({"alg": "ES256", "typ": "kb+jwt", "crit": ["exp"]}).encode())
        body = b64(
            json.dumps(
                {"iat": int(NOW.timestamp()), "aud": AUDIENCE, "nonce": NONCE, "sd_hash": "x"}
            ).encode()
        )
        kb = f"{header}.{body}." + b64(holder_key.sign(f"{header}.{body}".encode()))
    else:
        kb = kb_for("~".join([jwt, *shown, ""]), holder_key, **override)
    with pytest.raises(HolderBindingError):
        verify("~".join([jwt, *shown, kb]), issuer_key)


def test_kb_jwt_missing_claims(presentation: str, issuer_key: Key, holder_key: Key) -> None:
    jwt, shown, _ = parts(presentation)
    kb = sign_jws({"typ": "kb+jwt"}, {"iat": int(NOW.timestamp()), "nonce": NONCE}, holder_key)
    with pytest.raises(HolderBindingError):
        verify("~".join([jwt, *shown, kb]), issuer_key)


def test_alg_none_is_refused(issued: str, issuer_key: Key) -> None:
    jwt, disclosures, _ = parts(issued)
    header = b64(json.dumps({"alg": "none", "typ": "dc+sd-jwt"}).encode())
    unsigned = f"{header}.{jwt.split('.')[1]}.AA"
    with pytest.raises(InvalidProof):
        verify(
            "~".join([unsigned, *disclosures, ""]),
            issuer_key,
            expected_nonce=None,
            expected_audience=None,
        )


def test_crit_header_is_refused(issuer_key: Key) -> None:
    header = b64(json.dumps({"alg": "EdDSA", "typ": "dc+sd-jwt", "crit": ["x"], "x": 1}).encode())
    body = b64(json.dumps({"iss": ISSUER, "vct": VCT}).encode())
    token = f"{header}.{body}." + b64(issuer_key.sign(f"{header}.{body}".encode())) + "~"
    with pytest.raises(InvalidInput):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


@pytest.mark.parametrize("typ", [None, "example+sd-jwt", "kb+jwt", "JWT"])
def test_sd_jwt_vc_profile_requires_its_typ(issuer_key: Key, typ: str | None) -> None:
    header = {} if typ is None else {"typ": typ}
    token = resign({"iss": ISSUER, "vct": VCT}, issuer_key, header) + "~"
    with pytest.raises(InvalidInput):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


def test_plain_profile_accepts_example_typ_but_not_other_jwt_types(issuer_key: Key) -> None:
    ok = resign({"iss": ISSUER}, issuer_key, {"typ": "example+sd-jwt"}) + "~"
    assert verify(
        ok, issuer_key, expected_nonce=None, expected_audience=None, profile="sd-jwt"
    ).claims == {"iss": ISSUER}
    for typ in ("kb+jwt", "statuslist+jwt", "vc+jwt"):
        bad = resign({"iss": ISSUER}, issuer_key, {"typ": typ}) + "~"
        with pytest.raises(InvalidInput):
            verify(bad, issuer_key, expected_nonce=None, expected_audience=None, profile="sd-jwt")


def test_sd_jwt_vc_needs_vct(issuer_key: Key) -> None:
    token = resign({"iss": ISSUER}, issuer_key) + "~"
    with pytest.raises(InvalidCredential):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


def test_missing_iss_is_untrusted(issuer_key: Key) -> None:
    token = resign({"vct": VCT}, issuer_key) + "~"
    with pytest.raises(UntrustedIssuer):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


def _crafted(issuer_key: Key, payload_extra: dict[str, Any], disclosures: list[str]) -> str:
    payload = {"iss": ISSUER, "vct": VCT, **payload_extra}
    return "~".join([resign(payload, issuer_key), *disclosures, ""])


def test_digest_appearing_twice_is_rejected(issuer_key: Key) -> None:
    d = disclosure("given_name", "A")
    token = _crafted(issuer_key, {"_sd": [digest(d)], "address": {"_sd": [digest(d)]}}, [d])
    with pytest.raises(InvalidCredential):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)
    undisclosed = _crafted(issuer_key, {"_sd": [digest(d), digest(d)]}, [])
    with pytest.raises(InvalidCredential):
        verify(undisclosed, issuer_key, expected_nonce=None, expected_audience=None)


def test_same_disclosure_sent_twice_is_rejected(issuer_key: Key) -> None:
    d = disclosure("given_name", "A")
    token = _crafted(issuer_key, {"_sd": [digest(d)]}, [d, d])
    with pytest.raises(InvalidCredential):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_disclosure_named_sd_or_ellipsis_is_rejected(issuer_key: Key, name: str) -> None:
    d = disclosure(name, ["x"])
    with pytest.raises(InvalidCredential):
        verify(
            _crafted(issuer_key, {"_sd": [digest(d)]}, [d]),
            issuer_key,
            expected_nonce=None,
            expected_audience=None,
        )


def test_disclosure_colliding_with_a_claim_is_rejected(issuer_key: Key) -> None:
    d = disclosure("given_name", "Mallory")
    token = _crafted(issuer_key, {"given_name": "Anna", "_sd": [digest(d)]}, [d])
    with pytest.raises(InvalidCredential):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)
    twin = disclosure("given_name", "Eve")
    token = _crafted(issuer_key, {"_sd": sorted([digest(d), digest(twin)])}, [d, twin])
    with pytest.raises(InvalidCredential):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


@pytest.mark.parametrize("name", ["iss", "vct", "status", "cnf", "exp", "nbf"])
def test_sd_jwt_vc_claims_that_must_not_be_disclosed(issuer_key: Key, name: str) -> None:
    """SD-JWT VC §3.2.2.2: these claims never come from a Disclosure."""
    d = disclosure(name, {"status_list": {"idx": 0, "uri": "https://x"}} if name == "status" else 1)
    payload = {"iss": ISSUER, "vct": VCT, "_sd": [digest(d)]}
    payload.pop(name, None)
    token = "~".join([resign(payload, issuer_key), d, ""])
    with pytest.raises((InvalidCredential, UntrustedIssuer)):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


@pytest.mark.parametrize("alg", ["md5", "sha-1", "sha-256-32", "SHA-256", 256])
def test_unsupported_sd_alg(issuer_key: Key, alg: Any) -> None:
    with pytest.raises(InvalidCredential):
        verify(
            _crafted(issuer_key, {"_sd_alg": alg}, []),
            issuer_key,
            expected_nonce=None,
            expected_audience=None,
        )


def test_disclosure_shapes_must_match_their_position(issuer_key: Key) -> None:
    element = disclosure("FI")  # two elements: an array element
    token = _crafted(issuer_key, {"_sd": [digest(element)]}, [element])
    with pytest.raises(InvalidCredential):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)
    prop = disclosure("name", "x")  # three elements: an object property
    token = _crafted(issuer_key, {"list": [{"...": digest(prop)}]}, [prop])
    with pytest.raises(InvalidCredential):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


@pytest.mark.parametrize(
    "payload",
    [
        {"_sd": "not-an-array"},
        {"_sd": [1]},
        {"nested": {"_sd_alg": "sha-256"}},
        {"list": [{"...": "x", "other": 1}]},
        {"odd": {"...": "x"}},
    ],
    ids=[
        "sd-not-array",
        "sd-not-strings",
        "nested-sd-alg",
        "ellipsis-with-members",
        "ellipsis-in-object",
    ],
)
def test_malformed_digest_containers(issuer_key: Key, payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidCredential):
        verify(
            _crafted(issuer_key, payload, []),
            issuer_key,
            expected_nonce=None,
            expected_audience=None,
        )


@pytest.mark.parametrize(
    "token",
    ["no-tilde-at-all", "a.b.c~~", "{not json", "{}"],
    ids=["no-tilde", "empty-disclosure", "bad-json", "json-without-payload"],
)
def test_malformed_serialization(issuer_key: Key, token: str) -> None:
    with pytest.raises(InvalidInput):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


def test_duplicate_member_in_payload_is_rejected(issuer_key: Key) -> None:
    body = b'{"iss":"did:example:issuer","vct":"a","vct":"b"}'
    header = b64(json.dumps({"alg": "EdDSA", "typ": "dc+sd-jwt"}).encode())
    signing_input = f"{header}.{b64(body)}"
    token = f"{signing_input}.{b64(issuer_key.sign(signing_input.encode()))}~"
    with pytest.raises(InvalidCredential):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None)


def test_json_disclosures_outside_first_header_are_rejected(issuer_key: Key) -> None:
    token = issue_sd_jwt(
        {"iss": ISSUER, "a": 1},
        issuer_key,
        disclose=["/a"],
        serialization="general",
        additional_signers=[(issuer_key, None)],
    )
    document = json.loads(token)
    document["signatures"][1]["header"] = {
        "disclosures": document["signatures"][0]["header"]["disclosures"]
    }
    with pytest.raises(InvalidInput):
        verify(
            json.dumps(document),
            issuer_key,
            profile="sd-jwt",
            expected_nonce=None,
            expected_audience=None,
        )


def test_every_general_json_signature_must_verify(issuer_key: Key) -> None:
    token = issue_sd_jwt(
        {"iss": ISSUER, "a": 1},
        issuer_key,
        kid="good",
        serialization="general",
        additional_signers=[(Key.generate("ed25519"), "other")],
    )
    with pytest.raises(InvalidProof):
        verify(token, issuer_key, profile="sd-jwt", expected_nonce=None, expected_audience=None)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_single_character_change_is_rejected(
    presentation: str, issuer_key: Key, data: st.DataObject
) -> None:
    """Whatever character of an SD-JWT+KB is changed, verification raises one of our errors."""
    position = data.draw(st.integers(0, len(presentation) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda c: c != presentation[position]))
    tampered = presentation[:position] + replacement + presentation[position + 1 :]
    with pytest.raises(Error):
        verify(tampered, issuer_key)


# --------------------------------------------------------------------------- issuer and holder input


@pytest.mark.parametrize(
    "pointer", ["/iss", "/vct", "/cnf", "/status", "/iat", "/exp", "/nbf", "/vct#integrity"]
)
def test_issuer_refuses_to_make_validity_claims_disclosable(issuer_key: Key, pointer: str) -> None:
    claims = {"vct#integrity": "sha256-x"} if pointer == "/vct#integrity" else {}
    with pytest.raises(InvalidInput):
        issue_sd_jwt_vc(
            {**CLAIMS, **claims}, issuer_key, issuer=ISSUER, vct=VCT, disclose=[pointer]
        )


@pytest.mark.parametrize("name", ["iss", "vct", "cnf", "status", "iat", "exp", "nbf", "_sd_alg"])
def test_parameter_claims_cannot_come_through_claims(issuer_key: Key, name: str) -> None:
    with pytest.raises(InvalidInput):
        issue_sd_jwt_vc({**CLAIMS, name: "x"}, issuer_key, issuer=ISSUER, vct=VCT)


@pytest.mark.parametrize(
    "claims",
    [
        {"_sd": []},
        {"a": {"...": 1}},
        {"a": [{"_sd_alg": "x"}]},
        {"a": float("nan")},
        {"a": object()},
        {1: "x"},
    ],
    ids=["sd", "ellipsis", "sd_alg", "nan", "object", "int-key"],
)
def test_issuer_refuses_claims_that_are_not_plain_json(
    issuer_key: Key, claims: dict[Any, Any]
) -> None:
    with pytest.raises(InvalidInput):
        issue_sd_jwt_vc(claims, issuer_key, issuer=ISSUER, vct=VCT)


@pytest.mark.parametrize(
    "pointer", ["", "given_name", "/missing", "/nationalities/2", "/nationalities/01", "/a~2"]
)
def test_issuer_refuses_bad_pointers(issuer_key: Key, pointer: str) -> None:
    with pytest.raises(InvalidInput):
        issue_sd_jwt_vc(CLAIMS, issuer_key, issuer=ISSUER, vct=VCT, disclose=[pointer])


def test_plain_sd_jwt_may_hide_single_audience_entries(issuer_key: Key) -> None:
    token = issue_sd_jwt({"iss": ISSUER, "aud": ["a", "b"]}, issuer_key, disclose=["/aud/1"])
    with pytest.raises(InvalidInput):
        issue_sd_jwt({"iss": ISSUER, "aud": ["a", "b"]}, issuer_key, disclose=["/aud"])
    shown = present(token, reveal=[])
    result = verify(
        shown, issuer_key, profile="sd-jwt", expected_nonce=None, expected_audience=None
    )
    assert result.claims["aud"] == ["a"]


def test_holder_input_errors(issued: str, presentation: str, holder_key: Key) -> None:
    with pytest.raises(InvalidInput):
        present(issued, reveal=["/no_such_claim"])
    with pytest.raises(InvalidInput):
        present(
            issued,
            reveal=["/given_name"],
            holder_key=Key.generate("p256"),
            nonce=NONCE,
            audience=AUDIENCE,
        )
    with pytest.raises(InvalidInput):
        present(issued, reveal=["/given_name"], holder_key=holder_key)  # no nonce / audience
    with pytest.raises(InvalidInput):
        present(issued, reveal=["/given_name"], nonce=NONCE)  # nothing to sign with
    with pytest.raises(InvalidInput):
        present(presentation, reveal=[])  # an SD-JWT+KB is not presented again


# --------------------------------------------------------------------------- issuer key resolution


class FakeWeb:
    """An in-memory ``http_get``: no network in tests."""

    def __init__(self, pages: dict[str, Any]) -> None:
        self.pages = pages
        self.fetched: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.fetched.append(url)
        if url not in self.pages:
            raise OSError(f"404 {url}")
        return json.dumps(self.pages[url]).encode()


def _jwk(key: Key, kid: str) -> dict[str, Any]:
    return {**key.public_jwk(), "kid": kid, "use": "sig"}


def test_https_issuer_key_from_inline_jwks(issuer_key: Key) -> None:
    other = Key.generate("p256")
    web = FakeWeb(
        {
            "https://issuer.example/.well-known/jwt-vc-issuer/tenant/1234": {
                "issuer": "https://issuer.example/tenant/1234/",
                "jwks": {"keys": [_jwk(other, "old"), _jwk(issuer_key, "k1")]},
            }
        }
    )
    resolve = issuer_key_resolver(web)
    key = resolve("https://issuer.example/tenant/1234/", {"kid": "k1"})
    assert key.same_public(issuer_key) and not key.has_private


def test_https_issuer_key_from_jwks_uri_end_to_end(issuer_key: Key, holder_key: Key) -> None:
    iss = "https://issuer.example"
    web = FakeWeb(
        {
            "https://issuer.example/.well-known/jwt-vc-issuer": {
                "issuer": iss,
                "jwks_uri": "https://keys.example/jwks",
            },
            "https://keys.example/jwks": {"keys": [_jwk(issuer_key, "k1")]},
        }
    )
    token = issue_sd_jwt_vc(
        CLAIMS, issuer_key, issuer=iss, vct=VCT, kid="k1", disclose=DISCLOSE, holder_key=holder_key
    )
    shown = present(
        token,
        reveal=["/given_name"],
        holder_key=holder_key,
        nonce=NONCE,
        audience=AUDIENCE,
        iat=NOW,
    )
    result = verify(shown, issuer_key, resolve_issuer_key=issuer_key_resolver(web))
    assert result.issuer == iss and web.fetched == [
        "https://issuer.example/.well-known/jwt-vc-issuer",
        "https://keys.example/jwks",
    ]


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({"issuer": "https://evil.example", "jwks": {"keys": []}}, UntrustedIssuer),
        (
            {"issuer": "https://issuer.example", "jwks": {"keys": []}, "jwks_uri": "https://k"},
            ResolutionError,
        ),
        ({"issuer": "https://issuer.example"}, ResolutionError),
        ({"issuer": "https://issuer.example", "jwks": {"keys": []}}, ResolutionError),
        (
            {"issuer": "https://issuer.example", "jwks_uri": "http://insecure.example/jwks"},
            ResolutionError,
        ),
        (
            {"issuer": "https://issuer.example", "jwks": {"keys": [{"kty": "RSA", "kid": "k1"}]}},
            ResolutionError,
        ),
    ],
    ids=[
        "issuer-mismatch",
        "both-jwks",
        "no-jwks",
        "kid-not-found",
        "http-jwks-uri",
        "unsupported-key",
    ],
)
def test_bad_issuer_metadata(metadata: dict[str, Any], error: type[Error]) -> None:
    web = FakeWeb({"https://issuer.example/.well-known/jwt-vc-issuer": metadata})
    with pytest.raises(error):
        issuer_key_resolver(web)("https://issuer.example", {"kid": "k1"})


def test_issuer_resolution_without_mechanism_or_network() -> None:
    with pytest.raises(ResolutionError):
        issuer_key_resolver()("https://issuer.example", {})  # no http_get: nothing is fetched
    with pytest.raises(ResolutionError):
        issuer_key_resolver(FakeWeb({}))("https://issuer.example", {})  # fetch fails
    with pytest.raises(ResolutionError):
        issuer_key_resolver(FakeWeb({}))("https://issuer.example?x=1", {})
    with pytest.raises(ResolutionError):
        issuer_key_resolver()("did:example:123", {})  # no DID resolver
    with pytest.raises(ResolutionError):
        issuer_key_resolver()("urn:example:issuer", {})


def test_did_issuer_key(issuer_key: Key) -> None:
    did = issuer_key.did_key()
    calls: list[tuple[str, str | None]] = []

    def did_resolver(iss: str, kid: str | None) -> Key:
        calls.append((iss, kid))
        return Key.from_multikey(iss.split(":")[2])

    resolve = issuer_key_resolver(did_resolver=did_resolver)
    assert resolve(did, {"kid": f"{did}#{did.split(':')[2]}"}).same_public(issuer_key)
    assert calls == [(did, f"{did}#{did.split(':')[2]}")]
    with pytest.raises(UntrustedIssuer):
        resolve(did, {"kid": "did:key:z6MkOther#z6MkOther"})


def test_resolver_failures_become_resolution_errors(presentation: str) -> None:
    def broken(iss: str, header: dict[str, Any]) -> Key:
        raise KeyError(iss)

    with pytest.raises(ResolutionError):
        verify_sd_jwt(presentation, resolve_issuer_key=broken, now=NOW)


def test_status_list_bomb_is_refused_through_the_verifier(issuer_key: Key) -> None:
    """A Status List that inflates beyond the bound makes the status unavailable, quickly."""
    uri = "https://status.example/bomb"
    status_key = Key.generate("ed25519")
    bomb = zlib.compress(bytes(24 << 20), 9)  # 24 MiB of zeros; the bound is 16 MiB
    claims = {"sub": uri, "iat": int(NOW.timestamp()), "status_list": {"bits": 1, "lst": b64(bomb)}}
    status_token = sign_jws({"kid": "s", "typ": "statuslist+jwt"}, claims, status_key)
    token = issue_sd_jwt_vc(
        CLAIMS, issuer_key, issuer=ISSUER, vct=VCT, status={"status_list": {"idx": 1, "uri": uri}}
    )
    check = partial(
        check_token_status, fetch=lambda u: status_token, resolve_key=lambda k: status_key, now=NOW
    )
    with pytest.raises(StatusUnavailable):
        verify(token, issuer_key, expected_nonce=None, expected_audience=None, status_check=check)
