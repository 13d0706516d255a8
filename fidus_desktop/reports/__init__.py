"""PDF output: investor statements, fund factsheets and their batch production (docs/PORTFOLIO.md)."""
