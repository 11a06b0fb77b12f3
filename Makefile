# Makefile - the one, non-recursive build of wm.
# A fresh clone needs nothing but `make check` or `make demo`: when config.mk is
# missing, scripts/deps installs the Debian packages and ./configure writes it.

.DEFAULT_GOAL := all
SHELL := /bin/sh

ifeq ($(filter clean distclean,$(MAKECMDGOALS)),)
include config.mk
endif

config.mk: configure.ac config.mk.in
	sh scripts/deps
	aclocal && autoheader && autoconf
	./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var

B ?= build
WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wno-unused-parameter -Wno-missing-field-initializers
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -g $(WARN) -I. -Ilib $(DEP_CFLAGS) \
	-DWM_SYSCONFDIR='"$(sysconfdir)"' -DWM_DATADIR='"$(datadir)"' -DWM_LIBEXECDIR='"$(libexecdir)"' -DWM_VERSION='"$(VERSION)"'
CFLAGS ?= -O2
ALL_CFLAGS := $(BASE_CFLAGS) $(CFLAGS) -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
LDFLAGS_ALL := -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(LDFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_CFLAGS := $(BASE_CFLAGS) -O1 $(SAN)

LIB_SRC := $(sort $(wildcard lib/*.c))
BIN_SRC := $(sort $(wildcard bin/*.c))
# A CGI is cgi/NAME.c plus its page modules cgi/NAME_*.c, linked into NAME.cgi.
CGI_SRC := $(sort $(filter-out $(wildcard cgi/*_*.c),$(wildcard cgi/*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
PROGS := $(BIN_SRC:bin/%.c=$(B)/bin/%)
CGIS := $(CGI_SRC:cgi/%.c=$(B)/cgi/%.cgi)
UNITS := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
SAN_UNITS := $(UNIT_SRC:tests/unit/%.c=$(B)/san/tests/unit/%)
# The programs and CGIs again under ASan+UBSan, for tests/run's san- suites.
SAN_PROGS := $(BIN_SRC:bin/%.c=$(B)/san/bin/%)
SAN_CGIS := $(CGI_SRC:cgi/%.c=$(B)/san/cgi/%.cgi)
SAN_LOG_DIR ?= $(abspath tests/out/san)
BENCHES := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

.SECONDARY:
.PHONY: all check unit san demo install deb bench fuzz fuzz-build clean distclean deps
all: $(PROGS) $(CGIS)

$(B)/%.o: %.c config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/san/%.o: %.c config.mk
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libwm.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/san/libwm.a: $(LIB_SRC:%.c=$(B)/san/%.o)
	rm -f $@ && ar rcs $@ $^

$(B)/bin/%: $(B)/bin/%.o $(B)/libwm.a
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(B)/libwm.a $(DEP_LIBS)

.SECONDEXPANSION:
# (no % inside: make puts the stem there before the second expansion)
$(B)/cgi/%.cgi: $(B)/cgi/%.o $$(addprefix $(B)/,$$(subst .c,.o,$$(wildcard cgi/$$*_*.c))) $(B)/libwm.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(B)/libwm.a $(DEP_LIBS)

$(B)/tests/unit/tap.o: tests/unit/tap.c config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(B)/tests/unit/test_%.o: tests/unit/test_%.c config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/unit/test_%: $(B)/tests/unit/test_%.o $(B)/tests/unit/tap.o $(B)/libwm.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(DEP_LIBS) $(CHECK_LIBS)

$(B)/san/tests/unit/test_%: $(B)/san/tests/unit/test_%.o $(B)/san/tests/unit/tap.o $(B)/san/libwm.a
	$(CC) $(SAN) -o $@ $^ $(DEP_LIBS) $(CHECK_LIBS)

$(B)/san/options.o: tests/san/options.c config.mk
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -DWM_SAN_LOG_DIR='"$(SAN_LOG_DIR)"' -c -o $@ $<

$(B)/san/bin/%: $(B)/san/bin/%.o $(B)/san/options.o $(B)/san/libwm.a
	$(CC) $(SAN) -o $@ $(filter %.o,$^) $(B)/san/libwm.a $(DEP_LIBS)

$(B)/san/cgi/%.cgi: $(B)/san/cgi/%.o $$(addprefix $(B)/san/,$$(subst .c,.o,$$(wildcard cgi/$$*_*.c))) $(B)/san/options.o $(B)/san/libwm.a
	$(CC) $(SAN) -o $@ $(filter %.o,$^) $(B)/san/libwm.a $(DEP_LIBS)

san: $(SAN_PROGS) $(SAN_CGIS)

$(B)/bench/%: $(B)/bench/%.o $(B)/libwm.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(DEP_LIBS)

deps:
	sh scripts/deps

unit: $(UNITS) $(SAN_UNITS)

# The four builds (plain, unit tests, sanitized, fuzzing) take over ten
# minutes one file at a time; a sub-make spreads them over every CPU even
# when make check itself was started without -j.
NPROC := $(shell nproc 2>/dev/null || echo 1)
check: deps
	$(MAKE) -j$(NPROC) all unit san fuzz-build $(BENCHES)
	bash tests/run

demo: deps
	$(MAKE) -j$(NPROC) all
	sh scripts/demo

bench: all $(BENCHES)
	sh bench/run

# libFuzzer targets: libwm once with clang's fuzzer instrumentation, then one
# binary per tests/fuzz/fuzz_*.c.  make check runs each for a bounded time
# (tests/run); make fuzz runs them longer (FUZZ_SECONDS, default 60).
FUZZ_CC := clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
$(B)/fuzz/lib/%.o: lib/%.c config.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c -o $@ $<

$(B)/fuzz/libwm.a: $(LIB_SRC:lib/%.c=$(B)/fuzz/lib/%.o)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BINS): $(B)/fuzz/%: tests/fuzz/%.c $(B)/fuzz/libwm.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(B)/fuzz/libwm.a $(DEP_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	sh tests/fuzz/run

# Production's lighttpd.conf comes from the generator of every instance's.
# conf/wm.conf with the directories configure chose.
$(B)/conf/wm.conf: conf/wm.conf config.mk
	@mkdir -p $(@D)
	sed -e 's#^cgi = .*#cgi = $(libexecdir)/wm/cgi#' -e 's#= /usr/share/wm/#= $(datadir)/wm/#' \
		-e 's#= /etc/wm/#= $(sysconfdir)/wm/#' conf/wm.conf >$@

$(B)/conf/lighttpd.conf: $(B)/bin/wm-init $(B)/conf/wm.conf
	@mkdir -p $(@D)
	$(B)/bin/wm-init -c $(B)/conf/wm.conf --lighttpd-conf >$@

DESTDIR ?=
install: all $(B)/conf/wm.conf $(B)/conf/lighttpd.conf
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(sbindir) $(DESTDIR)$(libexecdir)/wm/cgi \
		$(DESTDIR)$(sysconfdir)/wm $(DESTDIR)$(datadir)/wm \
		$(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man5 $(DESTDIR)$(mandir)/man8
	set -e; for p in $(PROGS); do n=$${p##*/}; \
		if [ -f man/$$n.1 ]; then d=$(bindir); else d=$(sbindir); fi; \
		install -m 755 $$p $(DESTDIR)$$d/; done
	install -m 755 $(CGIS) $(DESTDIR)$(libexecdir)/wm/cgi/
	cp -R templates $(DESTDIR)$(datadir)/wm/
	set -e; for m in man/*.[158]; do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(mandir)/man$$s/; done
	install -D -m 644 conf/cron.d/wm $(DESTDIR)$(sysconfdir)/cron.d/wm
	test -e $(DESTDIR)$(sysconfdir)/wm/wm.conf || install -m 640 $(B)/conf/wm.conf $(DESTDIR)$(sysconfdir)/wm/wm.conf
	install -m 644 $(B)/conf/lighttpd.conf $(DESTDIR)$(sysconfdir)/wm/lighttpd.conf

# The Debian package (debian/): wm_VERSION_amd64.deb in dist/, checked by lintian.
deb:
	# -nc: debian/build is kept between runs, so a rebuild only compiles what changed.
	dpkg-buildpackage -us -uc -b -nc -J$(NPROC)
	mkdir -p dist
	mv ../wm_$(VERSION)_amd64.deb dist/
	rm -f ../wm_$(VERSION)_amd64.changes ../wm_$(VERSION)_amd64.buildinfo ../wm-dbgsym_$(VERSION)_amd64.deb
	lintian --fail-on error dist/wm_$(VERSION)_amd64.deb

clean:
	rm -rf $(B) tests/out debian/build dist

distclean: clean
	rm -rf config.mk autoconfig.h autoconfig.h.in config.log config.status configure autom4te.cache aclocal.m4

-include $(shell find $(B) -name '*.d' 2>/dev/null)
