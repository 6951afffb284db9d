# The mock on its demo portfolio: docker build -t mockexchange . && docker run -p 8000:8000 -v "$PWD/keys:/keys" mockexchange
# Arguments after the image name go to `mockexchange serve` (e.g. --scenario busy-market); see docs/docker.md.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mockexchange ./mockexchange
# The schema slices, the client scripts and the scenarios are package data: installing the package is the whole
# runtime. The plain install: the image serves the mock; the contract kit's extra stays out (docs/docker.md).
# A fixed UID/GID, so a host folder mounted on /keys can be made writable for it (chown 1000:1000).
RUN pip install --no-cache-dir . \
    && groupadd --gid 1000 mock \
    && useradd --uid 1000 --gid mock --create-home mock \
    && mkdir /keys \
    && chown mock:mock /keys
# After the chown: a new anonymous volume starts as a copy of the image's /keys, owned by mock.
VOLUME /keys
USER mock
# The banner prints what the host sees (the published port, the mounted folder), not the container's own view; set
# both with -e when they differ (another published port, a folder mounted elsewhere).
ENV MOCKEXCHANGE_ADVERTISE_URL=http://localhost:8000 \
    MOCKEXCHANGE_ADVERTISE_KEY_DIR=./keys
# The admin API answers the Host names of loopback, IP addresses and these (DNS rebinding, docs/admin-api.md): the
# service name docs/docker.md gives it in docker-compose; containers that call it by another name add theirs (-e).
ENV MOCKEXCHANGE_ALLOWED_HOSTS=mockexchange
EXPOSE 8000
# python:3.11-slim has no curl; urlopen raises (exit 1) on a refused connection, a timeout or a non-2xx answer.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/_admin/health', timeout=3)"]
# Inside a container the host reaches us through the bridge, not loopback: listen everywhere, open the admin API.
# Scenario files mounted on /scenarios may be loaded over the admin API too.
ENTRYPOINT ["mockexchange", "serve", "--host", "0.0.0.0", "--port", "8000", "--admin-open", "--key-dir", "/keys", \
    "--scenario-dir", "/scenarios"]
