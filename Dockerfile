# The mock on its demo portfolio: docker build -t mockexchange . && docker run -p 8000:8000 -v "$PWD/keys:/keys" mockexchange
# Arguments after the image name go to `mockexchange serve` (e.g. --scenario busy-market); see docs/docker.md.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mockexchange ./mockexchange
# The entrypoint and the health check (docs/docker.md), kept beside the package rather than in it: only the image
# runs them. tests/test_docker.py runs both as the image would.
COPY docker/entrypoint.sh docker/healthcheck.py /usr/local/lib/mockexchange-docker/
# The schema slices, the client scripts and the scenarios are package data: installing the package is the whole
# runtime. The plain install: the image serves the mock; the contract kit's extra stays out (docs/docker.md).
# A fixed UID/GID, 1000, which the entrypoint drops to and gives a root-owned key folder to.
RUN pip install --no-cache-dir . \
    && groupadd --gid 1000 mock \
    && useradd --uid 1000 --gid mock --create-home mock \
    && mkdir /keys \
    && chown mock:mock /keys \
    && chmod 0755 /usr/local/lib/mockexchange-docker/entrypoint.sh
# After the chown: a new anonymous volume starts as a copy of the image's /keys, owned by mock.
VOLUME /keys
# No USER: the entrypoint starts as root only to give a key folder Docker created (as root) to mock, then runs
# `mockexchange serve` as mock (setpriv). Started with --user, it runs serve as that user and changes nothing.
# The banner prints what the host sees (the published port, the mounted folder), not the container's own view; set
# both with -e when they differ (another published port, a folder mounted elsewhere).
ENV MOCKEXCHANGE_ADVERTISE_URL=http://localhost:8000 \
    MOCKEXCHANGE_ADVERTISE_KEY_DIR=./keys
# Where serve writes the port it listens on, and the health check reads it: a --port given to the container is
# followed.
ENV MOCKEXCHANGE_PORT_FILE=/tmp/mockexchange.port
# The admin API answers the Host names of loopback, IP addresses and these (DNS rebinding, docs/admin-api.md): the
# service name docs/docker.md gives it in docker-compose; containers that call it by another name add theirs (-e).
ENV MOCKEXCHANGE_ALLOWED_HOSTS=mockexchange
EXPOSE 8000
# python:3.11-slim has no curl: GET /_admin/health with urllib on the port in the port file; exit 1 when there is no
# file yet, nothing listens, no answer comes in 3 s, or the answer is not a 200.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/usr/local/lib/mockexchange-docker/healthcheck.py"]
# Inside a container the host reaches us through the bridge, not loopback: listen everywhere, open the admin API.
# Scenario files mounted on /scenarios may be loaded over the admin API too.
ENTRYPOINT ["/usr/local/lib/mockexchange-docker/entrypoint.sh", "mockexchange", "serve", "--host", "0.0.0.0", \
    "--port", "8000", "--admin-open", "--key-dir", "/keys", "--scenario-dir", "/scenarios"]
