# Stand-in for `postgres:16` when no registry can be reached (scripts/ci/containers.sh):
# Debian 12's PostgreSQL (15) behind an entrypoint that honours what docker/compose.yaml
# uses of the official image: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, the data
# directory /var/lib/postgresql/data, port 5432, pg_isready.
FROM vecml-local-ci/bookworm-minbase
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
VOLUME ["/var/lib/postgresql/data"]
EXPOSE 5432
LABEL org.vecml-local.ci.stand-in="postgres:16"
ENTRYPOINT ["/bin/sh", "/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
