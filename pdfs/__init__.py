"""PDFs Examhall issues: plain data in, bytes out, signed.  No Flask, no database."""
