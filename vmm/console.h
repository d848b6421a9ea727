/* The host side of the serial console: guest output to stdout or a file
 * through a bounded buffer (a stalled reader never blocks a vCPU: bytes are
 * dropped and counted), host input from stdin into the UART, terminal raw
 * mode with Ctrl-A escapes. */
#ifndef MINIVMM_CONSOLE_H
#define MINIVMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct vm;
struct serial;
struct console;

enum console_mode { CONSOLE_STDIO, CONSOLE_NONE, CONSOLE_FILE };

#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */

/* What one input byte means to the Ctrl-A escape state machine. Pure, so the
 * key handling is unit-tested without a terminal. */
enum console_key { KEY_NONE, KEY_PASS, KEY_QUIT, KEY_POWER };
enum console_key console_escape_step(bool *pending, uint8_t byte);

int console_open(struct vm *vm, enum console_mode mode, const char *path, struct console **out,
		 struct err *e);
/* Start the output writer and (for stdio) the input reader feeding s. */
int console_start(struct console *c, struct serial *s, struct err *e);
/* Sink for serial_create: queue one guest byte for output. */
void console_put(void *console, uint8_t byte);
/* Guest output bytes lost because the host side did not keep up. */
uint64_t console_dropped(struct console *c);
/* Stop the threads (the VM has stopped) and flush what is buffered; the
 * console can start again for the next boot of the same VM. Safe on NULL. */
void console_stop(struct console *c);
/* console_stop, restore the terminal, release. Reports the number of
 * dropped bytes with verbose. Safe on NULL. */
void console_close(struct console *c);
/* Restore the terminal from a fatal-signal handler (async-signal-safe). */
void console_restore_terminal(void);

#endif
