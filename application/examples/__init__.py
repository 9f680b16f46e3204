"""Example set-up files shipped with caseledger.

Import one with ``caseledger partnership import --example NAME``.
"""
