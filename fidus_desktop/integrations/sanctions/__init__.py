"""Readers of official sanctions and PEP list files: each turns one file into ``domain.compliance.lists``
entries, refusing a file that is not of its format with a message that says where."""
