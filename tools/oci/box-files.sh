#!/bin/sh
# The tools/kvmbox --add arguments that bring the OCI clients and their files
# into the box (kvmbox copies the shared libraries of dynamic executables by
# itself), one word a line: `set -- $(tools/oci/box-files.sh)`. Run from the
# repository root after tools/oci/rootfs.sh and tools/oci/build-validation.sh.
# In the box: the clients at their Debian paths (and GNU tar: the validation
# suite unpacks a .tar.gz with `tar -xf`, which the box's busybox tar cannot); /oci/rootfs.tar,
# /oci/image-oci.tar; /oci/validation/ with runtimetest, the *.t tests and
# rootfs-amd64.tar.gz.
set -eu
C=build/cache/oci
add() { printf -- '--add\n%s\n' "$1"; }
for f in /usr/bin/podman /usr/bin/conmon /usr/bin/containerd /usr/bin/ctr \
	/usr/bin/containerd-shim-runc-v2 /usr/bin/crun /usr/bin/tar \
	/etc/containers/policy.json /etc/containers/registries.conf /usr/share/containers; do
	[ -e "$f" ] || { echo "oci-box-files: error: no $f (tools/deps.sh --oci)" >&2; exit 1; }
	add "$f"
done
add "$C/rootfs.tar:/oci/rootfs.tar"
add "$C/image-oci.tar:/oci/image-oci.tar"
add "$C/validation:/oci/validation"
add "$C/rootfs-amd64.tar.gz:/oci/validation/rootfs-amd64.tar.gz"
