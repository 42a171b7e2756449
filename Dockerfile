# For platforms that run containers. The PaaS path (Procfile, .python-version, requirements.txt)
# needs none of this. CI builds and runs this image only where a Docker engine answers
# (`docker info`); see .ci/run.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt ./
RUN pip install --no-deps -r requirements.txt

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY knowledge ./knowledge
RUN pip install --no-deps . && useradd --system --home /app bot && mkdir -p /app/var \
    && chown bot /app/var

USER bot
ENV HOST=0.0.0.0 PORT=8080 DATABASE_PATH=/app/var/safeguarding-bot.sqlite3
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"
# check first: a broken knowledge base stops the container with every problem listed.
CMD ["sh", "-c", "safeguarding-bot check && exec safeguarding-bot serve --host 0.0.0.0"]
