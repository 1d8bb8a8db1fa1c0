"""Carers: approval and terms, DBS checks of every adult, training, and compliance."""
