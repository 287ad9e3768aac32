"""Topic modules: the tables and messages behind each notebook."""
