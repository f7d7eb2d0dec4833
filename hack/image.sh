#!/usr/bin/env bash
# Builds the project's image from the Dockerfile (the same file users build) with the machine's
# podman, and loads it into the local node's container runtime when that runs (hack/cluster.sh up).
# No registry is reachable here, so the Dockerfile's two FROM images are made locally the first
# time: a debootstrapped Debian bookworm plus this machine's Temurin 25 (the runtime) and OpenJDK 17
# with Maven (the build stage; also the runtime of Dockerfiles before the move to 25), tagged with the
# names the Dockerfile uses. The image reference is the last line on stdout.
#
#   hack/image.sh          build (cached: seconds when nothing changed) and load
#
# Environment: IMAGE (default localhost/datapurge/user-data-purge-operator:<pom version without -SNAPSHOT>),
# DOCKERFILE (default: the project's Dockerfile; benchmarks build earlier versions of it),
# JAVA25_HOME (default /usr/lib/jvm/temurin-25-*: the JDK the eclipse-temurin:25-jre stand-in is made from).
# Needs root (rootful podman, containerd); installs podman, runc and debootstrap with apt-get.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
here="$root/hack/image"
# shellcheck source=hack/lib/jdk25.sh
. "$root/hack/lib/jdk25.sh"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/user-data-purge/images"
export CONTAINERS_CONF="$here/containers.conf"

log() { echo "image.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[[ "$(id -u)" == 0 ]] || die "run as root: podman builds rootful and the node's containerd is root's"
missing=()
for tool in podman:podman runc:runc debootstrap:debootstrap; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi

version="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -n 1)"
version="${version%-SNAPSHOT}"
image="${IMAGE:-localhost/datapurge/user-data-purge-operator:$version}"

# The JDK's development modules, left out of the JRE (as a JRE image leaves them out).
dev_modules='^jdk\.(compiler|javadoc|jshell|jdeps|jlink|jpackage|jartool|jstatd|hotspot\.agent|jcmd|jconsole|jdi|jdwp\.agent|editpad|attach|internal\.(le|opt|ed|jvmstat)|incubator\.)'

# Debian's mirror as this machine's apt is configured (never a host name written here).
debian_mirror() {
  local uri
  uri="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)"
  [[ -n "$uri" ]] || uri="$(awk '$1 == "deb" && $3 ~ /^bookworm/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
  [[ -n "$uri" ]] || die "no Debian mirror in /etc/apt/sources.list*; debootstrap needs one"
  echo "$uri"
}

base_images() {
  local stamp start=$SECONDS jdk25
  jdk25="$(jdk25_home)" || exit 1
  # Rebuilt when a Containerfile, the JDK 25 release or the certificate authorities this machine trust change.
  stamp="$(cat "$here"/*.Containerfile "$jdk25/release" /usr/local/share/ca-certificates/*.crt 2>/dev/null |
    sha256sum | cut -c1-12)"
  if podman image exists "localhost/datapurge-base-stamp:$stamp" &&
    podman image exists eclipse-temurin:25-jre &&
    podman image exists eclipse-temurin:17-jre &&
    podman image exists maven:3.9-eclipse-temurin-17; then
    return
  fi
  if ! podman image exists localhost/bookworm-minbase:latest; then
    local rootfs="$cache/bookworm-minbase"
    if [[ ! -f "$cache/bookworm-minbase.tar" ]]; then
      log "debootstrap bookworm (first time only; about a minute)"
      rm -rf "$rootfs" && mkdir -p "$cache"
      debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" >"$cache/debootstrap.log" 2>&1 ||
        { tail -n 20 "$cache/debootstrap.log" >&2; die "debootstrap failed (log: $cache/debootstrap.log)"; }
      rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
      tar -C "$rootfs" -cf "$cache/bookworm-minbase.tar.tmp" . && mv "$cache/bookworm-minbase.tar.tmp" "$cache/bookworm-minbase.tar"
      rm -rf "$rootfs"
    fi
    podman import -q "$cache/bookworm-minbase.tar" localhost/bookworm-minbase:latest >/dev/null
  fi
  local ctx
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' RETURN
  mkdir -p "$ctx/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ctx/ca-certificates/" 2>/dev/null || true
  log "building the base image stand-ins (first time only)"
  # The JRE of the real image: Temurin's run-time modules (not its compiler, debugger, jlink, ...).
  "$jdk25/bin/jlink" --output "$ctx/jre" --strip-debug --no-man-pages --no-header-files --generate-cds-archive \
    --add-modules "$("$jdk25/bin/java" --list-modules | sed 's/@.*//' | grep -vE "$dev_modules" | paste -sd, -)"
  podman build -q --pull=never -f "$here/jre25.Containerfile" -t eclipse-temurin:25-jre "$ctx" >/dev/null
  rm -rf "$ctx/jre"
  podman build -q --pull=never -f "$here/jre.Containerfile" -t eclipse-temurin:17-jre "$ctx" >/dev/null
  podman build -q --pull=never -f "$here/build.Containerfile" -t maven:3.9-eclipse-temurin-17 "$ctx" >/dev/null
  podman tag eclipse-temurin:17-jre "localhost/datapurge-base-stamp:$stamp"
  log "base images ready in $((SECONDS - start)) s"
}

build_image() {
  local start=$SECONDS revision
  revision="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  mkdir -p "$HOME/.m2"
  log "building $image from the Dockerfile"
  # The host's Maven repository is mounted for the build stage only (not part of any layer), so
  # dependencies are downloaded once per machine, not once per image build.
  podman build --pull=never --layers -q -v "$HOME/.m2:/root/.m2" \
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
    -f "${DOCKERFILE:-$root/Dockerfile}" -t "$image" "$root" >"$cache/build.log" 2>&1 ||
    { tail -n 40 "$cache/build.log" >&2; die "podman build failed (log: $cache/build.log)"; }
  log "image built in $((SECONDS - start)) s"
}

# Into the node's containerd (namespace k8s.io, where the kubelet looks), unless it already holds
# this exact image.
load_image() {
  local socket="${NODE_CONTAINERD_SOCKET:-/run/user-data-purge/containerd/containerd.sock}"
  if [[ ! -S "$socket" ]]; then
    log "the node's containerd is not running ($socket): run hack/image.sh again after hack/cluster.sh up"
    return
  fi
  local id stamp="/var/lib/user-data-purge/containerd/loaded-images"
  id="$(podman image inspect --format '{{.Id}}' "$image")"
  # Loaded before, and containerd still has it (the stamp alone could outlive the image).
  grep -qxF "$image $id" "$stamp" 2>/dev/null &&
    ctr --address "$socket" -n k8s.io images ls -q | grep -qxF "$image" && return
  local start=$SECONDS
  podman save --format docker-archive "$image" | ctr --address "$socket" -n k8s.io images import - >/dev/null
  { grep -vF "$image " "$stamp" 2>/dev/null || true; echo "$image $id"; } >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"
  log "loaded into the node in $((SECONDS - start)) s"
}

mkdir -p "$cache"
base_images
build_image
load_image
echo "$image"
