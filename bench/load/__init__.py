"""The load benchmark: real `safeguarding-bot serve` processes under signed Slack and Teams
traffic, against local fakes of both platforms (see bench/load/README.md)."""
