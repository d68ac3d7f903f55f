"""CSV exports of the tables the imports read (S-IMPORT), safe against formula injection."""
