# Shared by tools/lab and its parts (POSIX sh; runs inside tools/kvmbox too).
. tools/bench/lib.sh   # stats (median p10 p90), field, GUEST_CMDLINE
OUT=build/lab
VMMSTAT=${VMMSTAT:-build/vmmstat}
VM_MEM=128M
VM_MEM_BYTES=$((128 << 20))
VM_TIMEOUT=${LAB_VM_TIMEOUT:-600}   # seconds one VM may take before the lab stops it
ROOTFS=build/guest/rootfs
# A file marker line the host-side wrapper recognises in the box's output.
FILE_MARK=@@LAB-FILE
END_MARK=@@LAB-END

die() { echo "lab: error: $*" >&2; exit 2; }
say() { echo "lab: $*"; }

# Run the lab inside tools/kvmbox; save the files it prints into build/lab/.
run_in_kvmbox() {
	which=$1
	shift
	for f in tests/guest/lab_*.sh; do
		if ! cmp -s "$f" "build/guest/rootfs/tests/${f##*/}"; then
			say "guest image lacks the current lab scripts: make guest"
			make -s guest >/dev/null || die "make guest failed"
			break
		fi
	done
	adds=
	crun=$(command -v crun 2>/dev/null || true)
	[ -n "$crun" ] && adds="--add $crun"
	envs=
	if [ "$OS" = debian ]; then
		# The box writes to its disk: a scratch copy (sparse, a few seconds; in
		# build/image, which kvmbox does not copy into the box), its
		# /dev/vda; kernel and initrd travel along.
		mkdir -p "$OUT"
		cp --sparse=always build/image/debian.img build/image/lab.img || die "cannot copy the Debian image"
		adds="$adds --drive build/image/lab.img --add build/image/vmlinuz:build/image/vmlinuz"
		adds="$adds --add build/image/initrd.img:build/image/initrd.img"
		envs=LAB_DEBIAN_DISK=/dev/vda
	fi
	mkdir -p "$OUT"
	st=$(mktemp)
	# shellcheck disable=SC2086
	{ tools/kvmbox --timeout "${LAB_TIMEOUT:-3000}" $adds -- env LAB_IN_BOX=1 $envs sh tools/lab "$which" "$@"
	  echo $? >"$st"; } | awk -v out="$OUT" -v fm="$FILE_MARK" -v em="$END_MARK" '
		index($0, fm " ") == 1 { f = out "/" substr($0, length(fm) + 2); printf "" > f; next }
		$0 == em && f != "" { close(f); print "lab: saved " f; f = ""; next }
		f != "" { print > f; next }
		{ print; fflush() }'
	rc=$(cat "$st")
	rm -f "$st"
	return "$rc"
}

# Inside the box: print the result files for the host side to save.
emit_files() {
	for f in "$OUT/$1".*; do
		[ -f "$f" ] || continue
		echo "$FILE_MARK ${f##*/}"
		cat "$f"
		echo "$END_MARK"
	done
}

# table: "|"-separated rows on stdin, the first a header, as aligned columns.
table() {
	awk -F'|' '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
		if (NF > nf) nf = NF; n = NR }
	END { for (r = 1; r <= n; r++) {
		for (i = 1; i <= nf; i++) printf("%-" w[i] "s  ", c[r, i]); printf "\n"
		if (r == 1) { for (i = 1; i <= nf; i++) { s = ""; while (length(s) < w[i]) s = s "-"; printf "%s  ", s } printf "\n" } } }'
}
