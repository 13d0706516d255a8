from tests.portfolio.fixtures import office  # noqa: F401  (fixture)
