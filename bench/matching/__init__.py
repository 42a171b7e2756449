"""Benchmark of `bot.matching.Matcher` on CLINC150 (Larson et al., EMNLP 2019).

Run `python -m bench.matching` from the repository root; see `bench/matching/README.md`.
"""
