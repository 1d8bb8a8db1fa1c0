"""Bringing a scheme's records in from spreadsheets (CSV, XLSX), and out again in the same columns."""
