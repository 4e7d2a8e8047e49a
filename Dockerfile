# newsbot: slim Python, CPU-only torch, non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/newsbot.db \
    HEARTBEAT_FILE=/tmp/newsbot.heartbeat

WORKDIR /app
# CPU wheel of torch first, so the CUDA build (several GB) is never pulled in.
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY summarizer ./summarizer
RUN pip install .

RUN useradd --create-home --uid 10001 newsbot && mkdir -p /data && chown newsbot /data
USER newsbot
VOLUME ["/data"]
# Webhook mode only (WEBHOOK_URL set): the port PTB's webhook server listens on (PORT).
EXPOSE 8443
# The bot touches HEARTBEAT_FILE every 30 s from its event loop; three missed beats = unhealthy.
HEALTHCHECK --interval=60s --timeout=10s --start-period=120s --retries=2 CMD ["python", "-m", "bot.health"]
CMD ["python", "-m", "bot"]
