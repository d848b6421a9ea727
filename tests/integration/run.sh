#!/bin/sh
# Integration tests: the host-side input checks first (they need no KVM: every
# bad input is rejected before /dev/kvm is opened), then the guest suite,
# directly when this host has a usable /dev/kvm, else inside one tools/kvmbox
# boot so a whole suite costs a single throwaway machine.
set -u
cd "$(dirname "$0")/../.." || exit 1

status=0
sh tests/integration/cli-errors.sh || status=1
# Disk fixtures need host tools (mke2fs) the kvmbox lacks: build them here.
sh tests/integration/blk-fixtures.sh || status=1

if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	sh tests/integration/suite.sh || status=1
else
	echo "integration: no usable /dev/kvm here, running the suite inside tools/kvmbox"
	# ONLY=pattern (e.g. ONLY=20-blk) picks suite files; pass it into the box.
	tools/kvmbox --timeout "${KVMBOX_TIMEOUT:-1500}" -- \
		env ONLY="${ONLY:-}" sh tests/integration/suite.sh || status=1
fi
exit $status
