/* The DSDT: the devices that cannot be discovered, in AML. Everything sits
 * under \_SB; ISA-style devices take IRQNoFlags (edge, active high) lines,
 * which need no MADT override. */
#include "boot/acpi.h"

#include "devices/serial.h"

#define COM1_PORTS	  8
#define NOTIFY_BUTTON	  0x80 /* power button: "button pressed" */
#define STA_PRESENT_ALL	  0x0f /* present, enabled, shown, functioning */
#define PRT_ALL_FUNCTIONS 0xffff

/* Name (_CRS, ResourceTemplate () { IO (Decode16, port, port, 1, len) ... }),
 * left open for more descriptors. */
static void crs_io(struct aml *a, uint16_t port, uint8_t len)
{
	aml_name(a, "_CRS");
	aml_resource_template(a);
	aml_res_io(a, port, port, 1, len);
}

static void name_int(struct aml *a, const char *name, uint64_t v)
{
	aml_name(a, name);
	aml_integer(a, v);
}

/* Device (name) { Name (_HID, EisaId (hid)) ..., left open. */
static void device_eisaid(struct aml *a, const char *name, const char *hid)
{
	aml_device(a, name);
	aml_name(a, "_HID");
	aml_eisaid(a, hid);
}

/* The host bridge: bus 0, config mechanism #1, all I/O ports but its own
 * and the 32-bit MMIO window below the IOAPIC. Conventional PCI, so
 * PNP0A03 (PNP0A08 would claim PCI Express and invite _OSC/ECAM use). */
static void pci_host_bridge(struct aml *a, const struct acpi_config *cfg)
{
	device_eisaid(a, "PCI0", "PNP0A03");
	name_int(a, "_UID", 0);
	name_int(a, "_SEG", 0);
	name_int(a, "_BBN", 0);

	aml_name(a, "_CRS");
	aml_resource_template(a);
	aml_res_word_bus_number(a, 0, 0);
	aml_res_io(a, LAYOUT_PORT_PCI_CONFIG, LAYOUT_PORT_PCI_CONFIG, 1,
		   LAYOUT_PORT_PCI_CONFIG_LEN);
	aml_res_word_io(a, 0, LAYOUT_PORT_PCI_CONFIG - 1);
	aml_res_word_io(a, LAYOUT_PORT_PCI_CONFIG + LAYOUT_PORT_PCI_CONFIG_LEN, 0xffff);
	aml_res_dword_memory(a, AML_MEM_NONCACHEABLE | AML_MEM_RW, (uint32_t)LAYOUT_PCI_MMIO_START,
			     (uint32_t)(LAYOUT_PCI_MMIO_END - 1));
	aml_end(a);

	/* _PRT: INTA# of each device's slot (any function) on its GSI. */
	aml_name(a, "_PRT");
	aml_package(a, cfg->npci_irqs);
	for (unsigned i = 0; i < cfg->npci_irqs; i++) {
		aml_package(a, 4);
		aml_integer(a, ((uint64_t)cfg->pci_irqs[i].slot << 16) | PRT_ALL_FUNCTIONS);
		aml_integer(a, 0); /* pin: INTA# */
		aml_integer(a, 0); /* source: none, the next field is a GSI */
		aml_integer(a, cfg->pci_irqs[i].ioapic_pin);
		aml_end(a);
	}
	aml_end(a);
	aml_end(a);
}

static void legacy_devices(struct aml *a)
{
	device_eisaid(a, "COM1", "PNP0501");
	name_int(a, "_UID", 1);
	crs_io(a, SERIAL_COM1_PORT, COM1_PORTS);
	aml_res_irq_noflags(a, LAYOUT_IRQ_COM1);
	aml_end(a);
	aml_end(a);

	/* Our RTC raises no interrupts: no IRQ resource (rtc_cmos then runs
	 * without alarms instead of waiting for one). */
	device_eisaid(a, "RTC", "PNP0B00");
	crs_io(a, LAYOUT_PORT_RTC, LAYOUT_PORT_RTC_LEN);
	aml_end(a);
	aml_end(a);
}

/* A control-method power button, and the Generic Event Device whose edge
 * interrupt is the press: _EVT(gsi) notifies the button. */
static void power_button(struct aml *a)
{
	device_eisaid(a, "PWRB", "PNP0C0C");
	name_int(a, "_UID", 0);
	aml_end(a);

	aml_device(a, "GED");
	aml_name(a, "_HID");
	aml_string(a, "ACPI0013");
	name_int(a, "_UID", 0);
	aml_name(a, "_CRS");
	aml_resource_template(a);
	aml_res_interrupt(a, AML_INT_CONSUMER | AML_INT_EDGE, LAYOUT_IRQ_GED);
	aml_end(a);
	aml_method(a, "_EVT", 1, true);
	aml_if(a);
	aml_lequal(a);
	aml_arg(a, 0);
	aml_integer(a, LAYOUT_IRQ_GED);
	aml_notify(a);
	aml_name_string(a, "\\_SB.PWRB");
	aml_integer(a, NOTIFY_BUTTON);
	aml_end(a);
	aml_end(a);
	aml_end(a);
}

void acpi_dsdt_aml(struct aml *a, const struct acpi_config *cfg)
{
	aml_scope(a, "\\_SB");
	pci_host_bridge(a, cfg);
	legacy_devices(a);
	power_button(a);

	/* pvpanic: QEMU's ISA device, which the kernel's pvpanic-mmio driver
	 * binds (it takes an I/O resource too). */
	aml_device(a, "PEVT");
	aml_name(a, "_HID");
	aml_string(a, "QEMU0001");
	crs_io(a, LAYOUT_PORT_PVPANIC, 1);
	aml_end(a);
	name_int(a, "_STA", STA_PRESENT_ALL);
	aml_end(a);
	aml_end(a);

	/* S5 (soft off): SLP_TYP for the sleep control register; the other
	 * three values are reserved. */
	aml_name(a, "\\_S5");
	aml_package(a, 4);
	aml_integer(a, LAYOUT_SLEEP_TYPE_S5);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_integer(a, 0);
	aml_end(a);
}
