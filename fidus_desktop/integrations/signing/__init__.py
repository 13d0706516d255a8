"""PAdES signatures with pyHanko: the office certificate, signing a PDF, validating any PDF's signatures."""
