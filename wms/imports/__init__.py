"""Import pipeline (S-IMPORT): readers (CSV / XLSX into rows), column aliases, value parsers,
lookups that create what a row names, and the all-or-nothing loop. Each table has its importer
module (`products`, …) built on these parts."""
