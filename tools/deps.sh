#!/bin/sh
# Install the Debian packages minivmm needs, once, on a fresh machine.
# Quiet and fast when everything is already there.
set -eu
PKGS="gcc make clang clang-format libclang-rt-14-dev libcmocka-dev libfdt-dev uuid-dev
qemu-system-x86 qemu-system-data seabios ipxe-qemu busybox-static cpio kmod
e2fsprogs iproute2 python3 procps acpica-tools libseccomp-dev libjansson-dev"
# `make bench` also compares minictr with Debian's crun.
[ "${1:-}" = --bench ] && PKGS="$PKGS crun"
# `make image` builds a Debian root file system (tools/image/build-debian.sh).
[ "${1:-}" = --image ] && PKGS="$PKGS debootstrap"
# The OCI runtime checks (tests/integration/oci.sh, docs/oci.md): podman and
# containerd as clients, crun to compare with, Go and the golang-*-dev sources
# the validation suite builds against (tools/oci/build-validation.sh).
[ "${1:-}" = --oci ] && PKGS="$PKGS crun podman conmon containerd runc golang-go
golang-github-opencontainers-runtime-tools-dev golang-github-google-uuid-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "minivmm: error: missing Debian packages:$missing (run as root, or: apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
