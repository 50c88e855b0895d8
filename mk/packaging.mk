# Packaging extras: the pgai(1) man page, the systemd units and the example
# environment file (all under packaging/).
#
#   make install-packaging [DESTDIR=...] [PREFIX=...]   # `make install` runs it too
#   make uninstall-packaging
#
# Where they go (each can be overridden on the command line):
#   MANDIR          $(PREFIX)/share/man            -> man1/pgai.1
#   SYSTEMDUNITDIR  $(PREFIX)/lib/systemd/system   -> pgai-vectorizer-worker.service, ...@.service
#   DOCDIR          $(PREFIX)/share/doc/pgai       -> pgai.env.example, LICENSE
# systemd looks for units in /usr/local/lib/systemd/system and /usr/lib/systemd/system,
# so both PREFIX=/usr/local and PREFIX=/usr need nothing more. The units name
# /usr/local/bin/pgai; for another PREFIX the installed copies name $(PREFIX)/bin/pgai.

# This fragment is read before the Makefile's own rules: keep `all` the default goal.
.DEFAULT_GOAL := all

MANDIR         ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR         ?= $(PREFIX)/share/doc/pgai
PACKAGING_UNITS := pgai-vectorizer-worker.service pgai-vectorizer-worker@.service

.PHONY: install-packaging uninstall-packaging
install-packaging:
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 644 packaging/pgai.1 $(DESTDIR)$(MANDIR)/man1/pgai.1
	for u in $(PACKAGING_UNITS); do \
	  sed -e 's|^ExecStart=/usr/local/bin/pgai |ExecStart=$(PREFIX)/bin/pgai |' packaging/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u && \
	  chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done
	install -m 644 packaging/pgai.env.example $(DESTDIR)$(DOCDIR)/pgai.env.example
	install -m 644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE

uninstall-packaging:
	rm -f $(DESTDIR)$(MANDIR)/man1/pgai.1 $(DESTDIR)$(DOCDIR)/pgai.env.example $(DESTDIR)$(DOCDIR)/LICENSE
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(PACKAGING_UNITS))
	rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true
