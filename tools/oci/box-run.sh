#!/bin/sh
# The OCI checks, inside tools/kvmbox (tests/integration/oci.sh boots the box
# with tools/oci/box-files.sh's files). Environment:
#   OCI_RUNTIME    the runtime under test (its path in the box)
#   OCI_REFERENCE  the runtime to compare the validation suite with (crun)
#   OCI_PARTS      what to run: runtime podman containerd validation (default all)
#   OCI_VALIDATION_BUDGET  seconds for the validation suite, per runtime
# Ends with "oci: N passed, M failed"; exits 0 when nothing failed.
# The validation suite counts for the runtime under test as "passes every
# test the reference passes"; the reference's own failures are reported only.
set -u
cd "$(dirname "$0")/../.." || exit 1
# The box's root is its initramfs (rootfs), where pivot_root(2) fails with
# EINVAL, and runtimes pivot_root into a container's root. As switch_root
# does: a recursive bind of it moved over / and chrooted into, a root that
# pivot_root accepts and that the kernel does not count as a chroot (which
# would forbid user namespaces).
if [ -z "${OCI_CHROOTED:-}" ] && awk '$2 == "/" && $3 == "rootfs"' /proc/mounts | grep -q .; then
	here=$(pwd)
	mkdir -p /oci-root && mount -o rbind / /oci-root && cd /oci-root && mount -o move . / ||
		{ echo "oci: error: cannot move a bind of the box's root over /"; exit 1; }
	exec chroot . env OCI_CHROOTED=1 sh -c "cd '$here' && exec sh tools/oci/box-run.sh"
fi

PATH=/usr/bin:/usr/sbin:$PATH
T=$(mktemp -d)
export T TMPDIR=/tmp
. tools/oci/lib.sh
RT=${OCI_RUNTIME:?} REF=${OCI_REFERENCE:-/usr/bin/crun}
RTNAME=${RT##*/} REFNAME=${REF##*/}
# The same binary (crun as the runtime under test): the suite runs once.
if cmp -s "$RT" "$REF"; then
	REF=$RT
elif [ "$RTNAME" = "$REFNAME" ]; then
	REFNAME=$REFNAME-reference
fi
OCI_ROOTFS_TAR=/oci/rootfs.tar OCI_IMAGE_TAR=/oci/image-oci.tar OCI_VALIDATION=/oci/validation

summary() {
	echo "oci: $OCI_PASSED passed, $OCI_FAILED failed${OCI_FAILED_NAMES:+ (}${OCI_FAILED_NAMES# }${OCI_FAILED_NAMES:+)}"
	[ "$OCI_FAILED" = 0 ]
	exit
}
if [ ! -x "$RT" ]; then
	oci_fail "$RTNAME" "no runtime at $RT (make all builds build/minictr)"
	summary
fi
echo "# OCI runtime under test: $RT ($("$RT" --version 2>&1 | head -n 1))"
echo "# clients: $(podman --version 2>&1), conmon $(conmon --version 2>&1 | sed -n 's/^conmon version //p'), $(containerd --version 2>&1 | cut -d' ' -f1,3)"
part_time() { echo "# $1: $(($(date +%s) - $2)) s"; }
for part in ${OCI_PARTS:-runtime podman containerd validation}; do
	s=$(date +%s)
	echo "# $part"
	case $part in
	runtime) . tools/oci/runtime-smoke.sh ;;
	podman) . tools/oci/podman-smoke.sh ;;
	containerd) . tools/oci/containerd-smoke.sh ;;
	validation)
		if [ "$RT" != "$REF" ]; then
			VRT=$REF VRTNAME=$REFNAME
			. tools/oci/validate.sh
		fi
		VRT=$RT VRTNAME=$RTNAME
		. tools/oci/validate.sh
		ref=$T/validation-$REFNAME.results
		if [ "$RT" = "$REF" ]; then
			if [ "$vp" -gt 0 ]; then
				oci_pass "validation: $RTNAME (the reference itself) passes $vp tests"
			else
				oci_fail "validation: $RTNAME" "no test passed: is the suite broken?"
			fi
		else
			both=0 missed=0
			while read -r _ _ t st _; do
				[ "$st" = pass ] || continue
				mine=$(awk -v t="$t" '$3 == t { print $4 }' "$T/validation-$RTNAME.results")
				known=$(awk -v t="$t" '$1 == t { $1 = ""; sub(/^ /, ""); print }' \
					tools/oci/validation-differs.txt)
				if [ "$mine" = pass ]; then
					both=$((both + 1))
				elif [ -n "$known" ]; then
					echo "note - validation $RTNAME $t: ${mine:-not run} where $REFNAME passes, a known difference: $known"
				else
					oci_fail "validation $RTNAME $t" "${mine:-not run} where $REFNAME passes"
					missed=$((missed + 1))
				fi
			done <"$ref"
			[ "$missed" = 0 ] && oci_pass "validation: $RTNAME passes all $both tests $REFNAME passes but the known differences (tools/oci/validation-differs.txt)"
		fi
		;;
	*) echo "box-run: unknown part $part" ;;
	esac
	part_time "$part" "$s"
done
rm -rf "$T"
summary
