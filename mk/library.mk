# The embeddable library's example program (examples/) and the programs that
# test the public API against a real database (tests/library/); see
# docs/library.md. tests/integration/050_library.sh builds them through these
# rules, so they are compiled with the same flags as the library (SAN=1 too).
#
#   make library-tests     # $(BUILD)/examples/worker, $(BUILD)/tests/library/test_library

# This fragment is read before the Makefile's own rules: keep `all` the default goal.
.DEFAULT_GOAL := all

EXAMPLE_SRC      := $(wildcard examples/*.c)
EXAMPLE_BIN      := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)
LIBRARY_TEST_SRC := $(wildcard tests/library/*.c)
LIBRARY_TEST_BIN := $(LIBRARY_TEST_SRC:tests/library/%.c=$(BUILD)/tests/library/%)

.PHONY: library-tests
library-tests: $(EXAMPLE_BIN) $(LIBRARY_TEST_BIN)

# Only the public header is included by these programs; it is listed so that
# an API change rebuilds them.
$(BUILD)/examples/%: examples/%.c include/pgai/pgai.h $(BUILD)/libpgai.a
	@mkdir -p $(dir $@)
	@echo '  CCLD $<'
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libpgai.a $(DEPS_LIBS)

$(BUILD)/tests/library/%: tests/library/%.c include/pgai/pgai.h $(BUILD)/libpgai.a
	@mkdir -p $(dir $@)
	@echo '  CCLD $<'
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libpgai.a $(DEPS_LIBS)
