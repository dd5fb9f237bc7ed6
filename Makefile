# Makefile -- grid-based dispute reporting: collector, field-agent, tests.
#
#   make            build everything (warnings are errors)
#   make test       install missing packages, build, run every test
#   make demo       install missing packages, run the simulated county
#   make deps       install missing Debian packages (or print the line)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
#   make SANITIZE=address,undefined BUILD=build/san   sanitizer build
#   make SANITIZE=thread BUILD=build/tsan              ThreadSanitizer build

PREFIX ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CC ?= cc
BUILD ?= build
SANITIZE ?=
OPT ?= -O2 -g
PAHO_LIBS ?= -lpaho-mqtt3as
VERSION = 0.1.0

STD = -std=c11 -D_GNU_SOURCE
WARN = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-Wshadow -Wcast-qual -Wformat=2 -Wundef -Wpointer-arith \
	-Wvla -Wno-missing-field-initializers
SAN_FLAGS = $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all,)
PKGS = libpq libprotobuf-c sqlite3 libmicrohttpd
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
FINAL_CFLAGS = $(STD) $(WARN) $(OPT) $(SAN_FLAGS) $(CFLAGS) -MMD -MP \
	-DGR_VERSION='"$(VERSION)"' -I$(BUILD)/gen -Icommon $(PKG_CFLAGS)
FINAL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

PQ_LIBS = $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null)
PB_LIBS = $(shell $(PKG_CONFIG) --libs libprotobuf-c 2>/dev/null)
SQLITE_LIBS = $(shell $(PKG_CONFIG) --libs sqlite3 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
MHD_LIBS = $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null)

GEN = $(BUILD)/gen/gr.pb-c.c $(BUILD)/gen/taxonomy_data.c
COMMON_SRC = $(wildcard common/*.c)
COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/gen/gr.pb-c.o \
	$(BUILD)/gen/taxonomy_data.o
COLLECTOR_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard collector/*.c))
AGENT_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard field-agent/*.c))
CONSOLE_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard console/*.c))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
PROGS = $(BUILD)/collector $(BUILD)/field-agent $(BUILD)/dispatch-console
# gr-analyst: the county's figures as CSV files and an HTML report.
ANALYST_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard analyst/*.c))
ANALYST_COMMON = $(BUILD)/obj/common/util.o $(BUILD)/obj/common/log.o
PROGS += $(BUILD)/gr-analyst
TOOLS = $(BUILD)/tests/grmsg $(BUILD)/tests/grload

.PHONY: all deps test unit demo install clean fuzz fuzz-build bench bench-analyst \
	bench-agent bench-idle bench-big
# Keep the objects of unit tests and tools (intermediate files otherwise).
.SECONDARY:
all: $(PROGS) $(UNIT_BIN) $(TOOLS)

# A pattern rule with two targets: protoc-c runs once for both.
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(BUILD)/gen
	@echo "  PROTOC  $<"
	@protoc-c -Iproto --c_out=$(BUILD)/gen $<

$(BUILD)/gen/taxonomy_data.c: schema/taxonomy.tsv scripts/gen-taxonomy.sh
	@mkdir -p $(BUILD)/gen
	@echo "  GEN     $@"
	@sh scripts/gen-taxonomy.sh schema/taxonomy.tsv > $@.tmp && mv $@.tmp $@

# Generated code is compiled without -Wcast-qual, which protoc-c's output trips.
$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/gen/gr.pb-c.h
	@echo "  CC      $@"
	@$(CC) $(FINAL_CFLAGS) -Wno-cast-qual -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(BUILD)/gen/gr.pb-c.h
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(FINAL_CFLAGS) -c -o $@ $<

$(BUILD)/collector: $(COLLECTOR_OBJ) $(COMMON_OBJ)
	@echo "  LD      $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(PAHO_LIBS) $(PQ_LIBS) $(PB_LIBS) \
		$(MHD_LIBS) -lpthread -lm

$(BUILD)/field-agent: $(AGENT_OBJ) $(COMMON_OBJ)
	@echo "  LD      $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(PAHO_LIBS) $(SQLITE_LIBS) $(PB_LIBS) -lpthread -lm

$(BUILD)/gr-analyst: $(ANALYST_OBJ) $(ANALYST_COMMON)
	@echo "  LD      $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(PQ_LIBS) -lpthread

# The analyst's unit tests link its modules (everything but main.c).
$(BUILD)/tests/test_csv: $(BUILD)/obj/tests/unit/test_csv.o \
		$(filter-out %/main.o,$(ANALYST_OBJ)) $(ANALYST_COMMON)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PQ_LIBS) -lpthread

$(BUILD)/dispatch-console: $(CONSOLE_OBJ) $(COMMON_OBJ)
	@echo "  LD      $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(PAHO_LIBS) $(SQLITE_LIBS) $(PB_LIBS) -lpthread -lm

# A unit test links the modules it tests (everything but main.c).
$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(COMMON_OBJ) \
		$(filter-out %/main.o,$(COLLECTOR_OBJ) $(AGENT_OBJ) $(CONSOLE_OBJ))
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PAHO_LIBS) $(PQ_LIBS) \
		$(SQLITE_LIBS) $(PB_LIBS) $(MHD_LIBS) -lpthread -lm

# test_notify records what the collector would publish: no broker.
$(BUILD)/tests/test_notify: FINAL_LDFLAGS += -Wl,--wrap=mqtt_publish

$(BUILD)/tests/grmsg: $(BUILD)/obj/tests/tools/grmsg.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(PAHO_LIBS) $(PB_LIBS) -lpthread -lm

$(BUILD)/tests/grload: $(BUILD)/obj/tests/bench/grload.o \
		$(BUILD)/obj/collector/store.o $(BUILD)/obj/collector/route.o \
		$(BUILD)/obj/collector/notify.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(PAHO_LIBS) $(PQ_LIBS) $(PB_LIBS) -lpthread -lm

# libFuzzer targets, built with clang into build/fuzz.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%)
FUZZ_SECONDS ?= 600

$(BUILD)/tests/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(FINAL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(PAHO_LIBS) $(PB_LIBS) -lpthread -lm

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang OPT='-O1 -g' \
		SANITIZE=fuzzer-no-link,address,undefined \
		$(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/tests/%)

# A long fuzzing run (FUZZ_SECONDS per target); make test runs a short one.
fuzz: fuzz-build all
	@sh tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS)

deps:
	@sh scripts/deps.sh

unit: all
	@sh tests/run.sh --unit-only $(BUILD)

# Every test, on a normal build and on a sanitizer build, and the
# integration tests once more with the long-running programs (the
# collector, the field agent's run, the console's watch) under valgrind; three
# passes at a time (much of a test's time is spent waiting on its servers),
# dealt so that the long ones (valgrind, build, san) start first, one each.
# The four builds compile one file per core, unless make was already given -j.
TEST_JOBS = $(if $(findstring j,$(filter-out --%,$(MAKEFLAGS))),,-j$(shell nproc 2>/dev/null || echo 2))
test: deps
	@$(MAKE) --no-print-directory $(TEST_JOBS) all
	@$(MAKE) --no-print-directory $(TEST_JOBS) all BUILD=build/san SANITIZE=address,undefined OPT='-O1 -g'
	@$(MAKE) --no-print-directory $(TEST_JOBS) all BUILD=build/tsan SANITIZE=thread OPT='-O1 -g'
	@$(MAKE) --no-print-directory $(TEST_JOBS) fuzz-build
	@sh tests/run.sh -j 3 valgrind:build build build/san tsan:build/tsan fuzz:build/fuzz

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BUILD)

# Figures, not a test: throughput and latency of the real broker, collector
# and database, and of the broker and the database alone.
bench: $(PROGS) $(BUILD)/tests/grload
	@bash tests/bench/run.sh $(BUILD)

# Figures, not a test: the analyst views on a year of a county (1,000,000
# reports; N=... for another size), and a whole gr-analyst run.
bench-analyst: $(BUILD)/gr-analyst
	@bash tests/bench/analyst.sh $(BUILD)

# Figures, not a test: the field agent's binary size, peak memory while it
# flushes 10,000 queued reports, and a report's size on the wire.
bench-agent: $(BUILD)/field-agent $(BUILD)/tests/grload
	@bash tests/bench/agent.sh $(BUILD)

# Figures, not tests: a stream through the collector while 10,000 idle
# agents keep persistent sessions (IDLE_SESSIONS=...), and the collector's
# rate on an empty database against one holding 5,000,000 reports
# (BIG_REPORTS=...).
bench-idle: $(PROGS) $(BUILD)/tests/grload
	@bash tests/bench/scale.sh idle $(BUILD)

bench-big: $(PROGS) $(BUILD)/tests/grload
	@bash tests/bench/scale.sh big $(BUILD)

install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/gridreport/schema/demo
	install -m 755 $(BUILD)/collector $(DESTDIR)$(PREFIX)/sbin/gr-collector
	install -m 755 $(BUILD)/field-agent $(DESTDIR)$(PREFIX)/bin/field-agent
	install -m 755 $(BUILD)/gr-analyst $(DESTDIR)$(PREFIX)/bin/gr-analyst
	install -m 755 $(BUILD)/dispatch-console $(DESTDIR)$(PREFIX)/bin/dispatch-console
	install -m 644 schema/*.sql schema/taxonomy.tsv \
		$(DESTDIR)$(PREFIX)/share/gridreport/schema
	install -m 755 schema/migrate.sh $(DESTDIR)$(PREFIX)/share/gridreport/schema
	install -m 644 schema/demo/*.sql $(DESTDIR)$(PREFIX)/share/gridreport/schema/demo
	install -d $(DESTDIR)$(PREFIX)/share/gridreport/examples
	install -m 644 collector/collector.conf.example \
		field-agent/field-agent.conf.example \
		console/dispatch-console.conf.example \
		$(DESTDIR)$(PREFIX)/share/gridreport/examples
	install -D -m 644 collector/gr-collector.service $(DESTDIR)$(PREFIX)/lib/systemd/system/gr-collector.service

clean:
	rm -rf build .run

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
