"""Runs of many submissions: discovery, safe ids, warm local pools and Dask clusters."""
