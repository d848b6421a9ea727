# The guest kernel command line the project's scripts boot with (sourced by
# tests, benchmarks, the demo and the lab): minivmm's default plus `quiet`,
# because under nested emulation every console byte is a costly VM exit.
# ACPI is on (minivmm's tables, boot/acpi.c); pci=conf1,noearly: there is no
# MMCONFIG, and the early PCI scans (AGP aperture search) walk all 256 buses
# for hardware a VM lacks. Keep GUEST_CMDLINE_BASE equal to vmm/cli.h's
# CLI_DEFAULT_CMDLINE (tests/integration/12-host.sh checks).
GUEST_CMDLINE_BASE="console=ttyS0 panic=-1 pci=conf1,noearly"
GUEST_CMDLINE="$GUEST_CMDLINE_BASE quiet"
