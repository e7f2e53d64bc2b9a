FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY partnerhub partnerhub
COPY worker worker
COPY migrations migrations
COPY templates templates
# Editable: templates/ and migrations/ are read from beside the package.
RUN pip install --no-cache-dir -e . && useradd --create-home partnerhub && mkdir /data \
    && chown partnerhub /data
USER partnerhub
ENV PARTNERHUB_INSTANCE_PATH=/data
EXPOSE 8000
# docker-compose.yml runs each service with its own command; alone, the image serves the web.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "partnerhub.wsgi:app"]
