#!/bin/sh
# A busybox root file system from Debian's busybox-static, three ways, under
# build/cache/oci/ (kvmbox does not copy build/cache into every box):
#   rootfs-amd64.tar.gz   the bundle rootfs the validation suite unpacks
#                         (validation/util: rootfs-$GOARCH.tar.gz in its cwd)
#   rootfs.tar            the same tree, for `podman import`
#   image-oci.tar         an OCI image archive of it (one layer), for
#                         `ctr image import`; its name: localhost/oci-smoke:latest
# Rebuilt when busybox or this script changes. Prints the directory.
set -eu
cd "$(dirname "$0")/../.."
OUT=build/cache/oci
BUSYBOX=${BUSYBOX:-/bin/busybox}
IMAGE=localhost/oci-smoke:latest
die() { echo "oci-rootfs: error: $*" >&2; exit 1; }
[ -x "$BUSYBOX" ] || die "no $BUSYBOX (busybox-static)"
"$BUSYBOX" --list >/dev/null 2>&1 || die "$BUSYBOX has no applet list"
if readelf -l "$BUSYBOX" 2>/dev/null | grep -q INTERP; then
	die "$BUSYBOX is dynamically linked (want Debian's busybox-static)"
fi

mkdir -p "$OUT"
key=$(cat "$BUSYBOX" tools/oci/rootfs.sh | sha256sum | cut -c1-16)
if [ -f "$OUT/rootfs.key" ] && [ "$(cat "$OUT/rootfs.key")" = "$key" ] &&
	[ -f "$OUT/image-oci.tar" ]; then
	echo "$OUT"
	exit 0
fi

W=$OUT/rootfs.work
rm -rf "$W"
R=$W/rootfs
mkdir -p "$R/bin" "$R/sbin" "$R/usr/bin" "$R/usr/sbin" "$R/etc" "$R/dev" "$R/proc" \
	"$R/sys" "$R/tmp" "$R/root" "$R/run" "$R/var/tmp" "$R/home/nobody"
chmod 1777 "$R/tmp" "$R/var/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$BUSYBOX" --list-full); do
	[ -e "$R/$a" ] || ln -s /bin/busybox "$R/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home/nobody:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$R/etc/group"
printf '127.0.0.1 localhost\n' >"$R/etc/hosts"
: >"$R/etc/resolv.conf"
chown 65534:65534 "$R/home/nobody" 2>/dev/null || true
# Reproducible: fixed owner, order and times.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$R" -cf "$W/rootfs.tar" .
gzip -n -c "$W/rootfs.tar" >"$W/rootfs-amd64.tar.gz"

# The OCI image layout: blobs/sha256/{layer,config,manifest}, index.json.
L=$W/oci
mkdir -p "$L/blobs/sha256"
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c <"$1" | tr -d ' '; }
layer=$(sha "$W/rootfs.tar")
cp "$W/rootfs.tar" "$L/blobs/sha256/$layer"
printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"tools/oci/rootfs.sh"}]}' \
	"$layer" >"$W/config.json"
config=$(sha "$W/config.json")
mv "$W/config.json" "$L/blobs/sha256/$config"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
	"$config" "$(size "$L/blobs/sha256/$config")" "$layer" "$(size "$L/blobs/sha256/$layer")" >"$W/manifest.json"
manifest=$(sha "$W/manifest.json")
msize=$(size "$W/manifest.json")
mv "$W/manifest.json" "$L/blobs/sha256/$manifest"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' \
	"$manifest" "$msize" "$IMAGE" >"$L/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$L/oci-layout"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$L" -cf "$W/image-oci.tar" .

mv "$W/rootfs.tar" "$W/rootfs-amd64.tar.gz" "$W/image-oci.tar" "$OUT/"
rm -rf "$W"
echo "$key" >"$OUT/rootfs.key"
echo "$OUT"
