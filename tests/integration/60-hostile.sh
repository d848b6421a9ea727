# A hostile guest (tests/guest/hostile.sh) garbles ports, MMIO BARs and PCI
# config space; minivmm must survive it, and its disk must recover.
. tests/integration/hostile-lib.sh
hostile_boot hostile
