# newsbot: slim Python, CPU-only torch, non-root user, the dependencies' exact versions from requirements.lock.
FROM python:3.11-slim

# HF_HOME: the Hugging Face cache (SUMMARIZER=abstractive downloads its model there on first start); a
# volume, so the download happens once. HF_HUB_OFFLINE is the operator's choice (set it to 1 to forbid
# any request to the hub once the model is cached).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HOME=/cache/huggingface \
    DATABASE_URL=sqlite+aiosqlite:////data/newsbot.db \
    HEARTBEAT_FILE=/tmp/newsbot.heartbeat

WORKDIR /app
COPY requirements.lock ./
# CPU wheel of torch first, so the CUDA build (several GB) is never pulled in; its own dependencies come
# with the next step, at the lock's versions.
RUN pip install --no-deps --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY summarizer ./summarizer
RUN pip install -c requirements.lock .

RUN useradd --create-home --uid 10001 newsbot \
    && mkdir -p /data /cache/huggingface && chown newsbot /data /cache/huggingface
USER newsbot
VOLUME ["/data", "/cache/huggingface"]
# Webhook mode only (WEBHOOK_URL set): the port PTB's webhook server listens on (PORT).
EXPOSE 8443
# The bot touches HEARTBEAT_FILE every 30 s from its event loop; three missed beats = unhealthy.
HEALTHCHECK --interval=60s --timeout=10s --start-period=120s --retries=2 CMD ["python", "-m", "bot.health"]
CMD ["python", "-m", "bot"]
