FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY emulator ./emulator
COPY fixtures ./fixtures
RUN pip install --no-cache-dir -e . && python -m compileall -q emulator

ENV DO_EMULATOR_HOST=0.0.0.0 \
    DO_EMULATOR_DATA_DIR=/data
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=5s --timeout=2s --retries=10 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/_emulator/health')"

ENTRYPOINT ["do-emulator"]
CMD ["serve"]
