"""Reading the raw public files in data/raw/ (and, later, fetching them) with their provenance."""
