"""The edges of safeguarding-bot: settings, the web application, Slack, Teams and the terminal."""
