"""Tools handed to auditors with an export; standard library only, no caseledger imports."""
