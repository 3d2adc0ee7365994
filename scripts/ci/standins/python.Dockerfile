# Stand-in for `python:3.11-slim` when no registry can be reached (scripts/ci/containers.sh):
# Debian 12's Python 3.11 with pip and venv, `python`/`pip` on PATH like the real image,
# and the host's CA certificates so that pip inside a build reaches the package index.
FROM vecml-local-ci/bookworm-minbase
COPY host-ca-certificates.crt /usr/local/share/ca-certificates/host-ca-certificates.crt
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 python3-pip python3-venv \
    && update-ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \
    && ln -s /usr/bin/python3 /usr/local/bin/python \
    && ln -s /usr/bin/pip3 /usr/local/bin/pip
ENV LANG=C.UTF-8 PIP_CERT=/etc/ssl/certs/ca-certificates.crt
LABEL org.vecml-local.ci.stand-in="python:3.11-slim"
CMD ["python3"]
