"""Migration-safety support: steps in order with their catalog, transactions, bodies, volatility.

``steps(ctx)`` is the entry point for the SL3xx rules: every DDL statement of the project
(and every statement inside function bodies and DO blocks) with the schema as it stood
right before it ran, the role of its file and why it runs inside a transaction, if it does.
"""
