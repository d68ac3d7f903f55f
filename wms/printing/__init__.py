"""Printable documents and labels (S-PRINT): document contexts (documents.py) and the QR and
Code 128 symbols they carry (codes.py). Pages are HTML sized with `@page`, printed or saved as
PDF by the browser."""
