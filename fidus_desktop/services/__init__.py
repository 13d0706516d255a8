"""Use cases: the only way anything changes data.

Every mutating call takes an ``Actor``, checks a permission, validates, writes inside one transaction and
appends an audit entry in that same transaction (``services.base.Service.changing``).
"""
