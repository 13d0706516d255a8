"""Google Workspace for the CRM: the ``GoogleWorkspace`` port (``port``), the real adapter over
google-api-python-client (``api``), the OAuth connection kept in the keyring (``oauth``) and a test double
(``fake``, for tests and benchmarks only)."""
