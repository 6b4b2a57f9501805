"""``chancery zk demo``: zero-knowledge presentations with revocation registries on the ledger.

The whole flow of specs/zk-presentation.md against a temporary ledger (specs/ledger.md): two
accredited agencies set up their credential types and revocation registries (§7), a citizen's
wallet obtains two credentials under one link secret by blind issuance (§2), a bank asks for two
claims, an age predicate, non-revocation as of a ledger checkpoint and a pseudonym for its scope
(§3), and verifies the presentation against the issuers' keys and the accumulator state read
from the ledger (§6). Revocations are published as ledger entries, and the wallet brings its
witness forward from those entries alone. Every step prints its sizes (bytes) and wall time
(milliseconds); the exit status is 0 when every expectation held, 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import zk
from zk import presentation as zp
from zk.accumulator import Revoked

from . import _errors
from ._demo import _timed
from ._keys import Key
from ._zk_ledger import (
    accumulator_state,
    issuer_public,
    publish_credential_type,
    publish_registry,
    publish_revocations,
    updates_since,
)
from .ledger._checkpoint import verify_checkpoint
from .ledger._ledger import Ledger, Receipt

__all__ = ["DEFAULT_REVOCATIONS", "add_zk_commands", "run_zk_demo"]

_T = TypeVar("_T")

#: How many other credentials the demo's revocation batch revokes by default.
DEFAULT_REVOCATIONS = 1000
_MAX_REVOCATIONS = 100_000
_ORIGIN = "demo.chancery.example/zk"
_BANK = "https://bank.example"
_BANK_SCOPE = "bank.example/account-opening"
_OTHER_SCOPE = "library.city.example/membership"
_EMPLOYER = "https://employer.example"

# A specimen identity in the style of ICAO Doc 9303's sample documents: no real person.
_IDENTITY_CLAIMS: Mapping[str, object] = {
    "given_name": "Anna Maria",
    "family_name": "Eriksson",
    "birth_date": "1974-08-12",
    "nationality": "UTO",
    "residence": "Utopia City",
    "document_number": "L898902C3",
    "sex": "F",
    "height_cm": 168,
}
_DEGREE_CLAIMS: Mapping[str, object] = {
    "name": "Anna Maria Eriksson",
    "level": 7,
    "awarded": "1998-06-30",
}


def _identity_type(issuer_id: str) -> zp.CredentialType:
    """The civil registry's identity credential: 8 claims, a date and an integer among them."""
    return zp.CredentialType(
        "identity",
        issuer_id,
        "civil-registry/identity/1",
        (
            ("given_name", "string"),
            ("family_name", "string"),
            ("birth_date", "date"),
            ("nationality", "string"),
            ("residence", "string"),
            ("document_number", "string"),
            ("sex", "string"),
            ("height_cm", "integer"),
        ),
    )


def _degree_type(issuer_id: str) -> zp.CredentialType:
    """The education ministry's degree: the holder's name, the level, the award date."""
    return zp.CredentialType(
        "degree",
        issuer_id,
        "education/degree/1",
        (("name", "string"), ("level", "integer"), ("awarded", "date")),
    )


class _Failed(Exception):
    """An expectation of the demonstration did not hold."""


@dataclass
class _Agency:
    """An agency of the demo: its ledger key and DID, its zero-knowledge issuer."""

    name: str
    key: Key
    did: str
    issuer: zp.Issuer


def _step(label: str, detail: str, ms: float | None = None) -> None:
    timing = "" if ms is None else f" {ms:9.2f} ms"
    print(f"  {label:<30} {detail:<60}{timing}".rstrip())


def _more(detail: str) -> None:
    """A continuation line of the step above."""
    print(f"  {'':<30}   {detail}".rstrip())


def _expect(condition: bool, reason: str) -> None:
    if not condition:
        raise _Failed(reason)


def _bytes(count: int) -> str:
    return f"{count:,} B"


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def _short(did: str) -> str:
    return did if len(did) <= 40 else f"{did[:32]}...{did[-6:]}"


def _adult_bound(today: dt.date) -> str:
    """The latest birth date of someone aged 18 today (29 February counts from 28)."""
    try:
        return today.replace(year=today.year - 18).isoformat()
    except ValueError:
        return today.replace(year=today.year - 18, day=28).isoformat()


def _entry_bytes(receipts: list[Receipt]) -> int:
    return sum(len(r.entry) for r in receipts)


def _rejected(label: str, attempt: Callable[[], object], why: str) -> None:
    """Run a verification that must fail; print it; fail the demo if it was accepted."""
    start = time.perf_counter_ns()
    try:
        attempt()
    except zk.Error as exc:
        ms = (time.perf_counter_ns() - start) / 1e6
        _step(label, f"rejected ({type(exc).__name__}): {why}", ms)
        return
    ms = (time.perf_counter_ns() - start) / 1e6
    _step(label, "ACCEPTED", ms)
    raise _Failed(f"{label}: a presentation that must be refused was accepted")


# --------------------------------------------------------------------------- the flow


class _Demo:
    def __init__(self, ledger: Ledger, root: Key, revocations: int) -> None:
        self.ledger = ledger
        self.root = root
        self.revocations = revocations
        self.today = dt.date.today()
        self.adult = zp.Predicate("birth_date", "<=", _adult_bound(self.today))

    def checkpoint(self) -> int:
        """Seal the log; the size the bank reads, after checking the log's signature."""
        note, ms = _timed(self.ledger.checkpoint)
        size = verify_checkpoint(note, log_verifier=self.ledger.verifier_key()).size
        _step("ledger checkpoint", f"log size {size}, signed note {_bytes(len(note))}", ms)
        return size

    def states(self, size: int, *agencies: _Agency) -> dict[str, zp.AccumulatorState]:
        """The agencies' accumulator states as of ``size``, read from the ledger."""
        found: dict[str, zp.AccumulatorState] = {}
        start = time.perf_counter_ns()
        for agency in agencies:
            registry = agency.issuer.ctype.registry_id
            found[registry] = accumulator_state(self.ledger, registry, size=size)
        ms = (time.perf_counter_ns() - start) / 1e6
        text = ", ".join(
            f"{a.issuer.ctype.type_id} epoch {found[a.issuer.ctype.registry_id].epoch}"
            for a in agencies
        )
        _step("registry states at checkpoint", text, ms)
        return found

    # ------------------------------------------------------------------ set-up

    def agency(self, name: str, type_id: str) -> tuple[Key, str]:
        """A new agency DID on the ledger, accredited by the root authority for ``type_id``."""
        key = Key.generate("ed25519")
        [create] = self.ledger.make_entries(key, "did", [{}])
        self.ledger.append([create])
        did = str(create.payload["did"])
        now = dt.datetime.now(dt.UTC)
        grant = {
            "agency": did,
            "types": [type_id],
            "valid_from": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "valid_until": (now + dt.timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        self.ledger.append(self.ledger.make_entries(self.root, "accreditation", [grant]))
        _step(name, f"{_short(did)}, accredited for {type_id}")
        return key, did

    def set_up(self, name: str, key: Key, ctype: zp.CredentialType) -> _Agency:
        """The agency's issuer keys and its registry's set-up published on the ledger."""
        issuer, ms = _timed(lambda: zp.Issuer.generate(ctype))
        public = issuer.public
        _step(
            f"{name}: keys",
            f"{ctype.type_id}, {len(ctype.claims)} claims: BBS key "
            f"{_bytes(len(public.public_key))}, accumulator key "
            f"{_bytes(len(public.accumulator_key))}",
            ms,
        )
        typed, ms = _timed(lambda: publish_credential_type(self.ledger, key, ctype))
        _step(
            f"{name}: type",
            f"{ctype.type_id}: entry {typed[0].index}, {_bytes(_entry_bytes(typed))}, "
            "format chancery-zk-v1",
            ms,
        )
        receipts, ms = _timed(lambda: publish_registry(self.ledger, key, issuer))
        state = issuer.state()
        _step(
            f"{name}: registry",
            f"{ctype.registry_id}: entry {receipts[0].index}, "
            f"{_bytes(_entry_bytes(receipts))}, version {state.epoch}",
            ms,
        )
        _more(f"value {_bytes(len(state.value))}: O(1) whatever the capacity, no tails file")
        return _Agency(name, key, ctype.issuer_id, issuer)

    # ------------------------------------------------------------------ issuance

    def obtain(
        self, holder: zp.Holder, agency: _Agency, claims: Mapping[str, object], *, show: bool
    ) -> zp.HeldCredential:
        issuer = agency.issuer
        (request, pending), ms_request = _timed(holder.blind_request)
        issued, ms_issue = _timed(lambda: issuer.issue(request, claims))
        held, ms_accept = _timed(lambda: holder.accept(pending, issuer.public, issued, claims))
        _expect(held.witness.epoch == issuer.state().epoch, "the witness is not current")
        if not show:
            total = ms_request + ms_issue + ms_accept
            _step(
                f"second credential ({issuer.ctype.type_id})",
                f"from the {agency.name}, {len(claims)} claims, same link secret",
                total,
            )
            return held
        size = len(request.commitment)
        _step("blind request", f"commitment and its proof {_bytes(size)}", ms_request)
        _more("the link secret is committed to, never sent: it stays in the wallet")
        issued_size = len(issued.signature) + 32 + 32 + len(issued.witness) + 8
        _step(
            f"issuance ({issuer.ctype.type_id})",
            f"{len(claims)} claims signed blindly: signature {_bytes(len(issued.signature))}, "
            f"witness {_bytes(len(issued.witness))}",
            ms_issue,
        )
        _more(f"with the revocation handle and nym entropy: {_bytes(issued_size)} to the wallet")
        _step(
            "holder verifies and stores", "signature over every scalar, witness: valid", ms_accept
        )
        return held

    # ------------------------------------------------------------------ presentations

    def bank_request(self, scope: str, civil: _Agency) -> zp.PresentationRequest:
        query = zp.CredentialQuery(
            "identity",
            civil.did,
            disclose=("given_name", "residence"),
            predicates=(self.adult,),
            non_revoked=True,
            pseudonym=True,
        )
        return zp.PresentationRequest(secrets.token_bytes(16), _BANK, (query,), scope=scope)

    def present(
        self,
        label: str,
        holder: zp.Holder,
        request: zp.PresentationRequest,
        credentials: list[zp.HeldCredential],
        states: Mapping[str, zp.AccumulatorState],
    ) -> bytes:
        presentation, ms = _timed(lambda: holder.present(request, credentials, states))
        data = presentation.to_bytes()
        _step(label, f"{_bytes(len(data))}", ms)
        return data

    def verify(
        self,
        label: str,
        data: bytes,
        request: zp.PresentationRequest,
        issuers: list[zp.IssuerPublic],
        states: Mapping[str, zp.AccumulatorState],
    ) -> zp.VerifiedPresentation:
        result, ms = _timed(lambda: zp.verify_presentation(data, request, issuers, states))
        _step(label, "valid", ms)
        return result

    # ------------------------------------------------------------------ the script

    def run(self) -> None:
        print("Ledger (temporary SQLite database)")
        root_did = self.ledger.state().root_did
        _step("root authority", f"{_short(str(root_did))}, genesis entry")
        civil_key, civil_did = self.agency("civil registry", "identity")
        education_key, education_did = self.agency("education ministry", "degree")
        print()

        print("Issuers: keys and revocation registries")
        civil = self.set_up(
            "civil registry",
            civil_key,
            _identity_type(civil_did),
        )
        education = self.set_up(
            "education ministry",
            education_key,
            _degree_type(education_did),
        )
        print()

        print("Holder: the citizen's wallet")
        holder = zp.Holder.create()
        _step("create the wallet", "one random link secret (32 B) for all credentials")
        identity = self.obtain(holder, civil, _IDENTITY_CLAIMS, show=True)
        degree = self.obtain(holder, education, _DEGREE_CLAIMS, show=False)
        print()

        print("Bank: opening an account")
        first = self.checkpoint()
        states = self.states(first, civil, education)
        keys, ms = _timed(lambda: [issuer_public(self.ledger, civil.issuer.ctype)])
        _expect(keys == [civil.issuer.public], "the ledger gave other issuer keys")
        _step("issuer keys from the ledger", "BBS and accumulator keys of the registry set-up", ms)
        _more("signed by the civil registry's DID, accredited by the root authority")
        request = self.bank_request(_BANK_SCOPE, civil)
        _step("request", "disclose given_name, residence")
        _more(f"prove {self.adult.describe()} (18 or older on {self.today.isoformat()})")
        _more(f"not revoked as of checkpoint size {first}; pseudonym for {_BANK_SCOPE}")
        data = self.present("presentation", holder, request, [identity], states)
        _more("the first proof includes the one-time computation of public generators")
        result = self.verify("verification", data, request, keys, states)
        shown = {k: _IDENTITY_CLAIMS[k] for k in ("given_name", "residence")}
        _expect(result.disclosed == (shown,), "the bank did not learn exactly the two claims")
        _expect(result.pseudonym is not None, "no pseudonym was proven")
        nym = result.pseudonym or b""
        _more("the bank learned: " + ", ".join(f"{k} = {v!r}" for k, v in shown.items()))
        _more(f"that {self.adult.describe()} and the credential is not revoked")
        _more(f"pseudonym {nym[:12].hex()}... ({_bytes(len(nym))}), nothing else")
        for hidden in ("Eriksson", "1974", "L898902C3", "UTO"):
            _expect(hidden.encode() not in data, f"{hidden!r} appears in the presentation")

        again_request = self.bank_request(_BANK_SCOPE, civil)
        again = self.present("same scope again", holder, again_request, [identity], states)
        again_nym = zp.verify_presentation(
            again, again_request, [civil.issuer.public], states
        ).pseudonym
        _expect(again_nym == nym, "the same scope gave another pseudonym")
        _expect(again != data, "two presentations are identical")
        _more("same pseudonym: the bank recognises its customer, from fresh proof bytes")
        other_request = self.bank_request(_OTHER_SCOPE, civil)
        other = self.present("another scope", holder, other_request, [identity], states)
        other_nym = zp.verify_presentation(
            other, other_request, [civil.issuer.public], states
        ).pseudonym
        _expect(other_nym not in (None, nym), "another scope gave the same pseudonym")
        _more(f"different pseudonym for {_OTHER_SCOPE}: unlinkable to the bank's")
        forged = zp.Presentation.from_bytes(data)
        forged = replace(forged, disclosed=({**forged.disclosed[0], "residence": "Elsewhere"},))
        _rejected(
            "tampered residence",
            lambda: zp.verify_presentation(forged, request, [civil.issuer.public], states),
            "every disclosed value is bound",
        )
        replayed = replace(request, nonce=secrets.token_bytes(16))
        _rejected(
            "replayed to another nonce",
            lambda: zp.verify_presentation(data, replayed, [civil.issuer.public], states),
            "the nonce is in the transcript",
        )
        print()

        print("Employer: two credentials, one link secret")
        both = zp.PresentationRequest(
            secrets.token_bytes(16),
            _EMPLOYER,
            (
                zp.CredentialQuery(
                    "identity", civil.did, disclose=("family_name",), non_revoked=True
                ),
                zp.CredentialQuery(
                    "degree",
                    education.did,
                    predicates=(zp.Predicate("level", ">=", 6),),
                    non_revoked=True,
                ),
            ),
        )
        issuers = [
            issuer_public(self.ledger, civil.issuer.ctype),
            issuer_public(self.ledger, education.issuer.ctype),
        ]
        data = self.present("presentation", holder, both, [identity, degree], states)
        result = self.verify("verification", data, both, issuers, states)
        _expect(result.disclosed == ({"family_name": "Eriksson"}, {}), "wrong claims disclosed")
        _more("family_name from the identity, level >= 6 from the degree, neither revoked;")
        _more("both credentials are bound to the same link secret (one shared response)")
        print()

        print("Revocation: batches published on the ledger")
        issuer = civil.issuer
        registry = issuer.ctype.registry_id
        others = [issuer.accumulator.new_member().element for _ in range(self.revocations)]
        updates, ms = _timed(lambda: issuer.revoke(others))
        epochs = f"epoch {updates[0].epoch}" + (
            f" to {updates[-1].epoch}" if len(updates) > 1 else ""
        )
        _step(
            f"revoke {self.revocations:,} other credentials",
            f"{_plural(len(updates), 'update')}, {epochs}",
            ms,
        )
        receipts, ms = _timed(
            lambda: publish_revocations(self.ledger, civil.key, registry, updates)
        )
        _step(
            "publish on the ledger",
            f"{_plural(len(receipts), 'entry', 'entries')}, {_bytes(_entry_bytes(receipts))}, "
            "one transaction",
            ms,
        )
        fetched, ms = _timed(lambda: updates_since(self.ledger, registry, identity.witness.epoch))
        _expect(len(fetched) == len(updates), "the holder did not find every update")
        _step(
            "holder reads the ledger",
            f"{_plural(len(fetched), 'update')} since epoch {identity.witness.epoch}, "
            "from the ledger entries alone",
            ms,
        )
        previous = identity.witness.epoch
        identity, ms = _timed(lambda: identity.update_witness(fetched))
        _step("holder updates its witness", f"epoch {previous} -> {identity.witness.epoch}", ms)
        second = self.checkpoint()
        fresh_states = self.states(second, civil, education)
        _expect(
            fresh_states[registry].epoch == identity.witness.epoch,
            "the ledger's epoch differs from the witness's",
        )
        request = self.bank_request(_BANK_SCOPE, civil)
        data = self.present("fresh presentation", holder, request, [identity], fresh_states)
        self.verify("verification", data, request, [civil.issuer.public], fresh_states)
        print()

        print("Revocation of the holder's own credential")
        element = identity.witness.element
        mine, ms = _timed(lambda: issuer.revoke([element]))
        _step("revoke it", f"{_plural(len(mine), 'update')}, epoch {mine[-1].epoch}", ms)
        receipts, ms = _timed(lambda: publish_revocations(self.ledger, civil.key, registry, mine))
        _step(
            "publish on the ledger",
            f"{_plural(len(receipts), 'entry', 'entries')}, {_bytes(_entry_bytes(receipts))}",
            ms,
        )
        third = self.checkpoint()
        latest = self.states(third, civil, education)
        fetched = updates_since(self.ledger, registry, identity.witness.epoch)
        start = time.perf_counter_ns()
        try:
            identity.update_witness(fetched)
        except Revoked as exc:
            ms = (time.perf_counter_ns() - start) / 1e6
            _step("holder updates its witness", f"refused: {type(exc).__name__}", ms)
        else:
            raise _Failed("the revoked holder could update its witness")
        request = self.bank_request(_BANK_SCOPE, civil)
        stale = holder.present(request, [identity], fresh_states)
        _more(f"the wallet can only prove membership at epoch {identity.witness.epoch}")
        _rejected(
            "stale presentation",
            lambda: zp.verify_presentation(stale, request, [civil.issuer.public], latest),
            f"epoch {identity.witness.epoch}, the ledger's is {latest[registry].epoch}",
        )
        relabelled = zp.Presentation(stale.disclosed, (latest[registry].epoch,), stale.proof)
        _rejected(
            "stale, relabelled as current",
            lambda: zp.verify_presentation(relabelled, request, [civil.issuer.public], latest),
            "proven against another value",
        )


def run_zk_demo(revocations: int = DEFAULT_REVOCATIONS) -> int:
    """Print the demonstration; 0 if every expectation held, 1 otherwise (with the reason)."""
    print("Chancery zk demo: zero-knowledge presentations, revocation registries on the ledger")
    print(
        f"BLS12-381, BBS with pseudonyms, Bulletproofs, VB accumulator; {revocations:,} revocations"
    )
    print()
    with tempfile.TemporaryDirectory(prefix="chancery-zk-demo-") as directory:
        root = Key.generate("ed25519")
        ledger = Ledger.init(
            f"sqlite:///{Path(directory) / 'ledger.db'}",
            _ORIGIN,
            root,
            secret=secrets.token_bytes(32),
            synchronous="NORMAL",
        )
        try:
            _Demo(ledger, root, revocations).run()
        except _Failed as exc:
            print(f"\nchancery zk demo: FAILED: {exc}", file=sys.stderr)
            return 1
        except (zk.Error, _errors.Error) as exc:
            print(f"\nchancery zk demo: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        finally:
            ledger.close()
    print()
    print("Every expectation held: the verifiers learned only what they asked for.")
    return 0


# --------------------------------------------------------------------------- command line


def _revocations(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 1 <= value <= _MAX_REVOCATIONS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {_MAX_REVOCATIONS:,}")
    return value


def add_zk_commands(commands: Any) -> None:
    """Register ``chancery zk ...`` on the top-level subparsers."""
    group = commands.add_parser("zk", help="zero-knowledge presentations").add_subparsers(
        dest="zk_command", metavar="COMMAND", required=True
    )
    demo = group.add_parser(
        "demo",
        help="run the zero-knowledge flow against a temporary ledger, with sizes and timings",
        description=(
            "Two agencies set up credential types and revocation registries on a temporary "
            "ledger; a wallet obtains an identity and a degree under one link secret; a bank "
            "verifies two claims, an age predicate, non-revocation at a ledger checkpoint and "
            "a pseudonym; revocations are published on the ledger and the wallet follows them."
        ),
    )
    demo.add_argument(
        "--revocations",
        type=_revocations,
        default=DEFAULT_REVOCATIONS,
        metavar="N",
        help=f"how many other credentials the revocation batch revokes (default "
        f"{DEFAULT_REVOCATIONS})",
    )
    demo.set_defaults(handler=lambda args: run_zk_demo(args.revocations))
