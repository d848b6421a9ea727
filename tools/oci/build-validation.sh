#!/bin/sh
# Build the OCI runtime validation suite (opencontainers/runtime-tools:
# validation/*/*.go and cmd/runtimetest) into build/cache/oci/validation/
# (under build/cache, which kvmbox does not copy into every box), offline
# but for Debian's mirror: the source is Debian's source package
# golang-github-opencontainers-runtime-tools (apt-get source, with a private
# deb-src list: the system's apt configuration is not touched), built with
# Debian's Go (golang-go) in GOPATH mode against /usr/share/gocode (the
# golang-*-dev packages tools/deps.sh --oci installs). github.com/mndrix/tap-go,
# which Debian lacks, is tools/oci/tap-go.
#
# Cached: the binaries are rebuilt only when the source tarball, this script or
# the tap shim change (its .key). Prints the directory.
# Usage: tools/oci/build-validation.sh [OUTDIR]
set -eu
cd "$(dirname "$0")/../.."
OUT=${1:-build/cache/oci/validation}
WORK=build/cache/oci/work
SRCPKG=golang-github-opencontainers-runtime-tools
# The source versions tried, newest first, with their orig tarball's SHA-256
# (Debian's Sources index): trixie's (Go 1.19 module) and bookworm's.
VERSIONS="0.9.0.109.ge931285:203989a1ea98cf2aaced79155bbda09270b20db19b03376dde91ab12e5e6a0fe
0.9.0+git20220423.g0105384:6dfbcfc75a77eed25181f5c8337bd47fcd7de434ca7cc4b414e91589f6892451"

say() { echo "oci-validation: $*" >&2; }
die() { say "error: $*"; exit 1; }
command -v go >/dev/null || die "no go (tools/deps.sh --oci installs golang-go)"

mkdir -p "$WORK/src"
tarball=""
for v in $VERSIONS; do
	f=$WORK/src/${SRCPKG}_${v%%:*}.orig.tar.xz
	if [ -f "$f" ] && echo "${v#*:}  $f" | sha256sum -c --status; then
		tarball=$f
		break
	fi
done
if [ -z "$tarball" ]; then
	# apt-get source with a deb-src list of our own, lists under build/.
	apt=$(cd "$WORK/src" && pwd)/apt
	mkdir -p "$apt/lists/partial"
	mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p;s/^deb \(http[^ ]*debian\)\/* bookworm .*/\1/p' \
		/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n 1)
	[ -n "$mirror" ] || die "no Debian mirror in the apt sources"
	printf 'deb-src %s %s main\n' "$mirror" trixie "$mirror" bookworm >"$apt/sources.list"
	set -- -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Sandbox::User=root
	say "fetching Debian's source package $SRCPKG"
	apt-get "$@" -qq update >&2 || die "apt-get update (deb-src) failed"
	for v in $VERSIONS; do
		f=$WORK/src/${SRCPKG}_${v%%:*}.orig.tar.xz
		# The .dsc is not always on the mirror; only the orig tarball is needed
		# (its hash is checked below), so apt-get's status does not matter.
		(cd "$WORK/src" && apt-get "$@" -qq source --download-only "$SRCPKG=${v%%:*}-*" >/dev/null 2>&1) || true
		[ -f "$f" ] || (cd "$WORK/src" && apt-get "$@" -qq source --download-only "$SRCPKG" >/dev/null 2>&1) || true
		if [ -f "$f" ] && echo "${v#*:}  $f" | sha256sum -c --status; then
			tarball=$f
			break
		fi
	done
	[ -n "$tarball" ] || die "could not fetch $SRCPKG's orig tarball from $mirror (tried: $(echo $VERSIONS | sed 's/:[0-9a-f]*//g'))"
fi

key=$( (sha256sum "$tarball" tools/oci/build-validation.sh tools/oci/tap-go/tap.go; go version) | sha256sum | cut -c1-16)
if [ -f "$OUT/.key" ] && [ "$(cat "$OUT/.key")" = "$key" ]; then
	echo "$OUT"
	exit 0
fi

say "building from $(basename "$tarball") with $(go version | cut -d' ' -f3)"
gopath=$(pwd)/$WORK/gopath
rm -rf "$gopath" "$OUT.tmp"
src=$gopath/src/github.com/opencontainers/runtime-tools
mkdir -p "$src" "$gopath/src/github.com/mndrix/tap-go" "$OUT.tmp"
tar -xf "$tarball" -C "$src" --strip-components=1
cp tools/oci/tap-go/tap.go "$gopath/src/github.com/mndrix/tap-go/"
export GO111MODULE=off GOFLAGS= GOPATH="$gopath:/usr/share/gocode" \
	GOCACHE="$(pwd)/$WORK/gocache" CGO_ENABLED=0
cd "$src"
# runtimetest runs inside the test containers: static, like upstream's Makefile.
go build -tags "netgo osusergo" -ldflags "-s -w" -o "$OLDPWD/$OUT.tmp/runtimetest" ./cmd/runtimetest
n=0
for d in validation/*/; do
	t=$(basename "$d")
	[ "$t" = util ] && continue
	[ -f "$d$t.go" ] || continue
	go build -ldflags "-s -w" -o "$OLDPWD/$OUT.tmp/$t.t" "./$d" || die "building validation/$t failed"
	n=$((n + 1))
done
cd "$OLDPWD"
echo "$key" >"$OUT.tmp/.key"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
say "built runtimetest and $n validation tests in $OUT"
echo "$OUT"
