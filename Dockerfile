# The mock on its embedded defaults: docker build -t mockexchange . && docker run -p 8000:8000 mockexchange
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mockexchange ./mockexchange
# The contract kit's committed schema slices (`mockexchange contract check|drift` read them from here).
COPY contracts ./contracts
ENV MOCKEXCHANGE_CONTRACTS=/app/contracts
RUN pip install --no-cache-dir . && useradd --create-home mock && mkdir /keys && chown mock /keys
USER mock
EXPOSE 8000
# Inside a container the host reaches us through the bridge, not loopback: listen everywhere, open the admin API.
# The demo keys land in /keys; mount it to read them from the host (-v "$PWD/keys:/keys").
ENTRYPOINT ["mockexchange", "serve", "--host", "0.0.0.0", "--port", "8000", "--admin-open", "--key-dir", "/keys"]
