/* libFuzzer target: a guest driving the 16550 UART (any register, any value,
 * reads and writes in any order, loopback, divisor latch, FIFO control)
 * while host input arrives in between. Beyond no crash or sanitizer report:
 * the interrupt line is high exactly when IIR reports a pending cause. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "devices/serial.h"
#include "tests/mock/fake_vm.h"
#include "vmm/layout.h"
#include "vmm/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int line_level;

static int record_line(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	(void)gsi;
	line_level = level;
	return 0;
}

static void drop(void *opaque, uint8_t byte)
{
	(void)opaque;
	(void)byte;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm vm;
	struct serial *s;
	struct err e = { 0 };

	if (vm_init_common(&vm, NULL, 1 << 20, &e) < 0)
		abort();
	vm.irq.line = record_line;
	line_level = 0;
	if (serial_create(&vm, SERIAL_COM1_PORT, LAYOUT_IRQ_COM1, drop, NULL, &s, &e) < 0)
		abort();
	for (size_t i = 0; i + 1 < size; i += 2) {
		unsigned op = data[i] >> 4, reg = data[i] & 7;
		uint8_t v = data[i + 1];

		if (op < 6) {
			serial_write_reg(s, reg, v);
		} else if (op < 12) {
			uint8_t iir;

			(void)serial_read_reg(s, reg);
			/* Reading IIR acknowledges THRE when it shows it; any other
			 * answer leaves the state as it was, so the line must agree. */
			iir = serial_read_reg(s, 2);
			if (((iir & 1) == 0) != (line_level != 0) && (iir & 0x0f) != 0x02)
				abort();
		} else {
			uint8_t in[16];
			size_t n = (size_t)(v & 15) + 1;

			memset(in, v, sizeof(in));
			(void)serial_receive(s, in, n);
		}
	}
	serial_destroy(s);
	vm_destroy_common(&vm);
	return 0;
}
