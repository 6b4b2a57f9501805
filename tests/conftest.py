"""Shared test fixtures: the two curve backends, the two BBS ciphersuites and the vector files.

* ``backend_id``/``backend``: every test that asks for them runs once on arkworks (production)
  and once on py_ecc (the reference). The py_ecc runs are marked ``slow``.
* ``suite_id``: the two ciphersuites of draft-irtf-cfrg-bbs-signatures §7.2.
* ``suite``: ``suite_id`` computed on ``backend``. Building a suite computes ``P1`` (slow on
  py_ecc), so each (suite, backend) pair is built once per session, by ``_helpers.suite_on``.
* Vector files become test parameters whose ids are the file names (``signature001``,
  ``proof014``), as in sd-jwt-python's ``conftest.py``: a test that takes ``signature_file``,
  ``valid_signature_file``, ``proof_file`` or ``valid_proof_file`` is parametrised by
  :func:`pytest_generate_tests`, and loads the file for its suite with
  ``_helpers.load_bbs_vector``. Both ciphersuites publish the same file names with the same
  expected results (``test_bbs_vectors`` checks it), so the SHA-256 folder lists them.
"""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import SUITE_IDS, backend_on, bbs_vector_names, suite_on

from zk import bbs
from zk.curve import Backend

_VECTOR_ARGUMENTS = {
    "signature_file": ("signature", False),
    "valid_signature_file": ("signature", True),
    "proof_file": ("proof", False),
    "valid_proof_file": ("proof", True),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise vector tests by file name, so each file is one test id."""
    for argument, (kind, valid_only) in _VECTOR_ARGUMENTS.items():
        if argument in metafunc.fixturenames:
            names = bbs_vector_names(kind, valid_only=valid_only)
            metafunc.parametrize(argument, names, ids=names)


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("arkworks", id="arkworks"),
        pytest.param("py_ecc", id="py_ecc", marks=pytest.mark.slow),
    ],
)
def backend_id(request: pytest.FixtureRequest) -> str:
    """The name of a curve backend: each test runs on both."""
    return str(request.param)


@pytest.fixture(scope="session")
def backend(backend_id: str) -> Backend[Any, Any]:
    """A curve backend instance (arkworks, then py_ecc)."""
    return backend_on(backend_id)


@pytest.fixture(scope="session", params=SUITE_IDS, ids=SUITE_IDS)
def suite_id(request: pytest.FixtureRequest) -> str:
    """The name of a BBS ciphersuite: each test runs on both."""
    return str(request.param)


@pytest.fixture(scope="session")
def suite(suite_id: str, backend_id: str) -> bbs.Ciphersuite:
    """The ciphersuite ``suite_id`` computed with ``backend``."""
    return suite_on(suite_id, backend_id)


@pytest.fixture(scope="session")
def ark_suite(suite_id: str) -> bbs.Ciphersuite:
    """The ciphersuite ``suite_id`` on the production (arkworks) backend only."""
    return suite_on(suite_id, "arkworks")
