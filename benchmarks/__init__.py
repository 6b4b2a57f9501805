"""Benchmarks for Chancery: BBS signatures against their cost floor and against AnonCreds.

Run with ``make bench`` (or ``python -m benchmarks``); see ``benchmarks/README.md``.
"""
