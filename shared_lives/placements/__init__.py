"""Arrangements once started: reviews (first at 5 weeks, interim, annual) and endings."""
