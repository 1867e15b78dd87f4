"""Evaluation of any detector spec: metrics, the `provmix eval` harnesses, generalisation protocols, speed."""
