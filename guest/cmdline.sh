# The guest kernel command line the project's scripts boot with (sourced by
# tests, benchmarks, the demo and the lab): minivmm's default plus `quiet`,
# because under nested emulation every console byte is a costly VM exit.
# pci=conf1,noearly: no firmware, so no ACPI/MMCONFIG; skip the early PCI
# scans (AGP aperture search) that walk all 256 buses for hardware a VM lacks.
GUEST_CMDLINE_BASE="console=ttyS0 reboot=k panic=-1 acpi=off pci=conf1,noearly i8042.noaux i8042.nomux i8042.nopnp"
GUEST_CMDLINE="$GUEST_CMDLINE_BASE quiet"
