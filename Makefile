# minivmm — build, test, demo. `make help` lists the targets.
CC      ?= gcc
CLANG   ?= clang
SANITIZE ?= 0

ifeq ($(SANITIZE),1)
BUILD   := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
VMM_STATIC :=
else
BUILD   := build
SANFLAGS :=
# minivmm links statically: only the libc code it uses is mapped, which keeps
# its resident memory outside guest RAM small (docs/benchmarks.md).
VMM_STATIC := -static
endif

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wwrite-strings -Wundef -Wvla \
	-Wcast-qual -Wnull-dereference -Wimplicit-fallthrough -Wmissing-declarations
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARNINGS) -I. -D_GNU_SOURCE -pthread -MMD -MP $(SANFLAGS)
LDFLAGS += -pthread $(SANFLAGS)
# libseccomp builds the VMM's filters (vmm/seccomp.c), jansson the control API's JSON
# (vmm/api_json.c); their .a when linked static.
LDLIBS  := -luuid -lseccomp -ljansson
# minictr: jansson for OCI config.json and state, libseccomp for a bundle's
# seccomp profile; both linked in statically (kvmbox and engines run it anywhere).
CTR_LDLIBS := -Wl,-Bstatic -ljansson -lseccomp -Wl,-Bdynamic

# common/: code minivmm and minictr share (errors, sizes, cleanup, clock, file mapping).
COMMON_SRCS := $(wildcard common/*.c)
VMM_SRCS    := $(filter-out vmm/main.c,$(wildcard vmm/*.c devices/*.c boot/*.c)) $(COMMON_SRCS)
VMM_OBJS    := $(VMM_SRCS:%.c=$(BUILD)/obj/%.o)
CTR_SRCS    := $(filter-out tools/minictr/main.c,$(wildcard tools/minictr/*.c)) $(COMMON_SRCS)
CTR_OBJS    := $(CTR_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_CTR    := $(filter tests/unit/test_ctr_%,$(UNIT_SRCS))
UNIT_VMM    := $(filter-out $(UNIT_CTR),$(UNIT_SRCS))
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# tests/mock/: the mock virtio driver and fake guest memory/queues that unit
# tests and fuzz targets share.
MOCK_SRCS   := $(wildcard tests/mock/*.c)
MOCK_OBJS   := $(MOCK_SRCS:%.c=$(BUILD)/obj/%.o)
# Kept: make would delete them as intermediates and rebuild them every run.
.SECONDARY: $(MOCK_OBJS)
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS   := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_RUNS   ?= 200000

.PHONY: all help deps unit unit-san fuzz fuzz-long guest kvmbox integration check demo shell bench clean \
	format format-check

all: $(BUILD)/minivmm $(BUILD)/minictr $(BUILD)/vmmstat $(BUILD)/vmctl

help:
	@echo "make            build build/minivmm and build/minictr"
	@echo "make demo       install deps, build, boot the stock kernel, show the guest"
	@echo "make shell      interactive guest shell"
	@echo "make check      format check, unit tests (plain + ASan/UBSan), fuzz smoke, integration"
	@echo "make bench      boot time / memory / disk / net benchmarks vs QEMU"
	@echo "make guest      build/guest/bzImage, vmlinux and initramfs.cpio.gz"
	@echo "make image      build/image/debian.img: Debian 12 with systemd, booted from a disk"
	@echo "make demo-debian boot that image, show systemd-analyze, power it off"
	@echo "make SANITIZE=1 sanitizer build in build/san/"
	@echo "make fuzz       every fuzz target, FUZZ_RUNS inputs each (fuzz-long: FUZZ_TIME s each)"
	@echo "make format     apply .clang-format to every C file (format-check: only check)"

deps:
	@tools/deps.sh

# V=1 shows the full compiler command lines.
V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libminivmm.a: $(VMM_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libminictr.a: $(CTR_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/minivmm: $(BUILD)/obj/vmm/main.o $(BUILD)/libminivmm.a
	$(CC) $(LDFLAGS) $(VMM_STATIC) -o $@ $^ $(LDLIBS)

# Benchmark helper: times a VMM and measures its memory.
$(BUILD)/vmmstat: $(BUILD)/obj/tools/bench/vmmstat.o
	$(CC) $(LDFLAGS) -o $@ $^

# The control API's client (docs/api.md); static, so it runs in kvmbox.
$(BUILD)/vmctl: $(BUILD)/obj/tools/vmctl/vmctl.o
	$(CC) $(LDFLAGS) $(VMM_STATIC) -o $@ $^

$(BUILD)/minictr: $(BUILD)/obj/tools/minictr/main.o $(BUILD)/libminictr.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CTR_LDLIBS)

$(BUILD)/tests/test_ctr_%: $(BUILD)/obj/tests/unit/test_ctr_%.o $(BUILD)/libminictr.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(CTR_LDLIBS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(MOCK_OBJS) $(BUILD)/libminivmm.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

unit: $(UNIT_BINS)
	@tools/run-unit.sh $(UNIT_BINS)

unit-san:
	@$(MAKE) --no-print-directory SANITIZE=1 unit

# libFuzzer targets, built with clang over the library sources.
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(VMM_SRCS) $(MOCK_SRCS)
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -I. -D_GNU_SOURCE -g -O1 -pthread -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(VMM_SRCS) $(MOCK_SRCS) $(LDLIBS)

# minictr's parsers (fuzz_ctr_*), over minictr's sources.
build/fuzz/fuzz_ctr_%: tests/fuzz/fuzz_ctr_%.c $(CTR_SRCS)
	@mkdir -p $(@D)
	$(CLANG) -std=gnu11 -I. -D_GNU_SOURCE -g -O1 -pthread -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(CTR_SRCS) -ljansson -lseccomp

fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do \
		echo "fuzz: $$f ($(FUZZ_RUNS) runs)"; \
		$$f -runs=$(FUZZ_RUNS) -seed=1 -max_len=4096 2>&1 | tail -n 2; \
	done

# Each target for FUZZ_TIME seconds from its own corpus (kept, so coverage
# grows run to run); crashes land in build/fuzz/ (docs/fuzzing.md).
FUZZ_TIME ?= 600
fuzz-long: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_BINS); do \
		c=build/fuzz/corpus/$${f##*/}; mkdir -p $$c; \
		echo "fuzz-long: $$f ($(FUZZ_TIME) s, corpus $$c)"; \
		$$f -max_total_time=$(FUZZ_TIME) -max_len=4096 -artifact_prefix=build/fuzz/ \
			$$c >$$c.log 2>&1 || { tail -n 40 $$c.log; exit 1; }; \
		grep '^Done' $$c.log; \
	done

# Every C file we own; .clang-format says how it looks.
FORMAT_SRCS = $(shell find common vmm devices boot guest tests tools -name '*.[ch]' | sort)

format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRCS) || \
		{ echo "format-check: run 'make format' (.clang-format)" >&2; exit 1; }
	@echo "format-check: $(words $(FORMAT_SRCS)) files formatted"

guest: build/guest/bzImage build/guest/vmlinux build/guest/initramfs.cpio.gz

build/guest/bzImage build/guest/vmlinux build/guest/initramfs.cpio.gz &: guest/build-guest.sh guest/init.c \
		tools/fetch-kernel.sh $(wildcard tests/guest/*.sh tests/guest/*.c)
	CC="$(CC)" GUEST_CFLAGS="$(WARNINGS)" guest/build-guest.sh build/guest

integration: all guest image
	@tools/deps.sh --oci
	@$(MAKE) --no-print-directory SANITIZE=1 build/san/minivmm
	tests/integration/run.sh

check: deps
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit-san
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory integration

demo: deps
	@$(MAKE) --no-print-directory all guest
	tools/demo.sh

shell: deps
	@$(MAKE) --no-print-directory all guest
	tools/demo.sh --shell

bench:
	@tools/deps.sh --bench
	@$(MAKE) --no-print-directory all guest
	tools/bench/run.sh

clean:
	rm -rf build

# make image, make demo-debian: the Debian disk image (tools/image/).
-include tools/image/image.mk

# Only the compiler's dependency files (build/image holds a Debian tree with *.d dirs).
-include $(sort $(shell find $(BUILD)/obj build/obj build/san/obj -name '*.d' -type f -print 2>/dev/null))
