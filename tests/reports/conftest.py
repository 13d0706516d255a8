from tests.reports.office import office  # noqa: F401  (fixture)
