# pgai-c build. Plain GNU make: `make`, `make test`, `make install PREFIX=/usr/local`.
# Outputs go to build/ (or $(BUILD)); the sanitizer build uses BUILD=build-asan SAN=1.

VERSION      := 0.1.0
PGAI_COMPAT  := 0.12.1
PREFIX       ?= /usr/local
DESTDIR      ?=
BUILD        ?= build
CC           ?= cc
PKG_CONFIG   ?= pkg-config
# Refreshes the dynamic linker's cache after `make install` / `make uninstall`
# into the live system (see ld_cache below); `make install LDCONFIG=` skips it.
LDCONFIG     ?= $(shell PATH="$$PATH:/sbin:/usr/sbin" command -v ldconfig 2>/dev/null)

PG_INCLUDE   := $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
# The pkg-config modules the library needs, each with the Debian package that
# provides it: a missing one stops the build here, by name, instead of
# surfacing later as a missing header (`make clean` needs none of them).
DEPS_PKGS    := libcurl:libcurl4-openssl-dev jansson:libjansson-dev libpcre2-8:libpcre2-dev
ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),all)),)
  ifeq ($(shell command -v $(PKG_CONFIG) 2>/dev/null),)
    $(error $(PKG_CONFIG) not found: install pkg-config (scripts/setup.sh installs every build dependency))
  endif
  $(foreach d,$(DEPS_PKGS),$(if $(shell $(PKG_CONFIG) --exists $(word 1,$(subst :, ,$(d))) && echo ok),,\
    $(error pkg-config cannot find $(word 1,$(subst :, ,$(d))): install $(word 2,$(subst :, ,$(d))) \
            (scripts/setup.sh installs every build dependency))))
endif
DEPS_MODULES := $(foreach d,$(DEPS_PKGS),$(word 1,$(subst :, ,$(d))))
DEPS_CFLAGS  := -I$(PG_INCLUDE) $(shell $(PKG_CONFIG) --cflags $(DEPS_MODULES))
DEPS_LIBS    := -lpq $(shell $(PKG_CONFIG) --libs $(DEPS_MODULES)) -lpthread -lm

WARN         := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
                -Wformat=2 -Wvla -Wno-unused-parameter
OPT          ?= -O2 -g
ifeq ($(SAN),1)
  OPT        := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
  LDSAN      := -fsanitize=address,undefined
endif
CFLAGS_ALL   := -std=c17 -D_GNU_SOURCE -fPIC -fvisibility=hidden $(WARN) $(OPT) -Iinclude -Isrc -I$(BUILD)/gen \
                -DPGAI_C_VERSION=\"$(VERSION)\" -DPGAI_COMPAT_VERSION=\"$(PGAI_COMPAT)\" \
                $(DEPS_CFLAGS) $(CFLAGS)
LDFLAGS_ALL  := $(LDSAN) $(LDFLAGS)

# Library sources: everything under src/ except the command-line front end.
LIB_SRC      := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC      := $(shell find src/cli -name '*.c' | sort)
SQL_FILES    := $(shell find sql -name '*.sql' | sort)
LIB_OBJ      := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/sql_bundle.o
CLI_OBJ      := $(CLI_SRC:%.c=$(BUILD)/%.o)
# The command's own modules (.env loading, log lines), not the entry point
# and sub-commands: the unit tests and fuzz targets of that code link these.
CLI_MOD_OBJ  := $(filter-out $(BUILD)/src/cli/main.o $(BUILD)/src/cli/cmd_%.o,$(CLI_OBJ))
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Optional fragments (mk/*.mk) may add generated objects to LIB_OBJ and their
# rules; they are read here, before the rules below expand LIB_OBJ.
include $(sort $(wildcard mk/*.mk))

.PHONY: all lib test unit install uninstall clean
all: $(BUILD)/pgai $(BUILD)/libpgai.a $(BUILD)/libpgai.so

# The Makefile too: a change of flags (such as the library's visibility) rebuilds everything.
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo '  CC   $<'
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The SQL files are compiled into the library so `pgai install` needs no files at run time.
$(BUILD)/tools/embed_sql: tools/embed_sql.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -O1 $(WARN) $< -o $@

$(BUILD)/gen/sql_bundle.c: $(BUILD)/tools/embed_sql $(SQL_FILES)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed_sql $@ sql/head.sql $(sort $(wildcard sql/incremental/*.sql)) $(sort $(wildcard sql/idempotent/*.sql))

$(BUILD)/gen/sql_bundle.o: $(BUILD)/gen/sql_bundle.c
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/libpgai.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libpgai.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libpgai.so.0 $(LDFLAGS_ALL) -o $@ $^ $(DEPS_LIBS)

$(BUILD)/pgai: $(CLI_OBJ) $(BUILD)/libpgai.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(BUILD)/libpgai.a $(DEPS_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(CLI_MOD_OBJ) $(BUILD)/libpgai.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(CLI_MOD_OBJ) $(BUILD)/libpgai.a $(DEPS_LIBS) -lcmocka

unit: $(UNIT_BIN)

test:
	tests/run.sh

install: all install-packaging
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/pgai
	install -m 755 $(BUILD)/pgai $(DESTDIR)$(PREFIX)/bin/pgai
	install -m 644 $(BUILD)/libpgai.a $(DESTDIR)$(PREFIX)/lib/libpgai.a
	install -m 755 $(BUILD)/libpgai.so $(DESTDIR)$(PREFIX)/lib/libpgai.so.0
	ln -sf libpgai.so.0 $(DESTDIR)$(PREFIX)/lib/libpgai.so
	install -m 644 include/pgai/*.h $(DESTDIR)$(PREFIX)/include/pgai/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' packaging/libpgai.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libpgai.pc
	@$(ld_cache)
	@$(ld_cache_note)

uninstall: uninstall-packaging
	rm -f $(DESTDIR)$(PREFIX)/bin/pgai $(DESTDIR)$(PREFIX)/lib/libpgai.* \
	      $(DESTDIR)$(PREFIX)/lib/pkgconfig/libpgai.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/pgai
	@$(ld_cache)

# Programs (and the Python binding, which loads libpgai.so.0 by name) find a
# library in /usr/local/lib only through ld.so's cache, so an install into the
# live system as root runs ldconfig, as a package's postinst would; so does
# uninstall, so that the cache names no deleted file. A DESTDIR install only
# stages files (for a package, whose own scripts run ldconfig), and a non-root
# user cannot write the cache: both leave it alone.
ld_cache = if [ -z "$(DESTDIR)" ] && [ -n "$(LDCONFIG)" ] && [ "$$(id -u)" = 0 ]; then \
             echo '  LDCONFIG'; $(LDCONFIG); fi
# Says what to do when, after that, the loader still cannot find the library
# (a PREFIX outside ld.so's search path, a non-root install, LDCONFIG=).
ld_cache_note = if [ -z "$(DESTDIR)" ] && ! { [ -n "$(LDCONFIG)" ] && \
                  $(LDCONFIG) -p | grep -qF '=> $(PREFIX)/lib/libpgai.so.0'; }; then \
                  echo 'note: the dynamic linker does not know $(PREFIX)/lib/libpgai.so.0:' \
                       'run ldconfig as root if $(PREFIX)/lib is in /etc/ld.so.conf(.d),' \
                       'add it there, or set LD_LIBRARY_PATH=$(PREFIX)/lib' >&2; fi

clean:
	rm -rf $(BUILD) build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
