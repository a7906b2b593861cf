# ssehub: `make run` and `make test` do everything on a fresh Debian 12.
#
# kodev names the app after the folder it runs in (docs/kore-4.1.md,
# "kodev"), and a clone may live in any folder, so the app is staged in
# build/ssehub with links back to src/, assets/, conf/ and cert/.

ROOT		:= $(abspath .)
APP		:= $(ROOT)/build/ssehub
PROD		:= $(ROOT)/build/prod/ssehub
VAR		?= $(ROOT)/var
CHAOS_SECONDS	?= 600
FAILOVER_SECONDS ?= 120
SOAK_SECONDS	?= 3600

# make install: the usual names, so packagers can place it (README).
PREFIX		?= /usr/local
SYSCONFDIR	?= /etc
PKGLIBDIR	:= $(PREFIX)/lib/ssehub
PKGDATADIR	:= $(PREFIX)/share/ssehub
UNITDIR		?= $(PREFIX)/lib/systemd/system
CONFDIR		:= $(SYSCONFDIR)/ssehub
# Tests install into a scratch PREFIX and must not touch the host's unit.
SYSTEMCTL	?= systemctl

# conf/kore.conf.in, rendered (tools/render.sh) for make run and kodev
# run, and for production; tests/lib/server.sh renders it for the tests.
RENDER		:= tools/render.sh
DEV_CONF	:= MODULE=./ssehub.so ROOT=. SHARE=conf \
		   TLS_LISTEN='127.0.0.1 8443' PLAIN_LISTEN='127.0.0.1 8080'
PROD_CONF	= MODULE=$(PKGLIBDIR)/ssehub.so ROOT=/var/empty \
		   SHARE=$(PKGDATADIR) TLS_LISTEN='0.0.0.0 8443' \
		   PLAIN_LISTEN='127.0.0.1 8080'
# What make build writes beside the sources: the dev configuration, the
# routes of assets/, and, kept in the repository, the client's copy of
# the server's limits (npm and kodev's assets take it from there), the
# schema's migrations for kodev (which compiles every .c of src/) and
# their limits for psql (tests/sql checks those three are current).
MIGRATIONS	:= $(sort $(wildcard sql/[0-9]*.sql))
GENERATED	:= conf/ssehub.conf conf/assets.conf clients/js/ssehub-limits.js \
		   src/sql_migrations.c sql/limits.psql
# Writes the target whole or not at all.
write		= $(1) >$@.new && mv $@.new $@ || { rm -f $@.new; false; }

DEBS		:= kore check libpq-dev postgresql-15 postgresql-client-15 \
		   libjwt-dev libjansson-dev \
		   openssl libssl-dev pkg-config gcc clang make curl \
		   valgrind nodejs=node npm=npm chromium nginx-light \
		   libnginx-mod-nchan procps psmisc

export SSEHUB_VAR := $(VAR)

.PHONY: all deps cert db db-stop stop build prod install uninstall run \
	run-h2 test unit valgrind fuzz fuzz-smoke integration sql-test browser h2 \
	prod-test chaos failover stress soak bench clean distclean

all: build

deps:
	@tests/lib/deps.sh $(DEBS)

cert: cert/server.pem

cert/server.pem:
	@mkdir -p cert
	umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 825 \
	    -subj "/CN=localhost" \
	    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	    -keyout cert/key.pem -out cert/server.pem 2>/dev/null
	chmod 600 cert/key.pem
	chmod 644 cert/server.pem

# A project-local cluster, only when SSEHUB_DB does not name one.
db:
	@if [ -z "$$SSEHUB_DB" ]; then tests/lib/pg.sh start $(VAR); fi

# The local cluster may outlive make run (for the next make run or a
# kodev run in the checkout); this stops it.
db-stop stop:
	@tests/lib/pg.sh stop $(VAR)

$(APP):
	mkdir -p $@
	for d in src assets conf cert; do ln -sfn $(ROOT)/$$d $@/$$d; done

# No cert/ link: the prod flavor needs no dev pair (kodev makes its own
# there, unused, when there is none).
$(PROD):
	mkdir -p $@
	for d in src assets conf; do ln -sfn $(ROOT)/$$d $@/$$d; done

# kodev rebuilds only .c files whose mtime changed: after a header or
# build.conf edit, start clean (stale objects crashed a worker once).
kodev_build = if [ -f $(1)/ssehub.so ] && [ -n "$$(find src conf/build.conf \
	    -newer $(1)/ssehub.so \( -name '*.h' -o -name build.conf \))" ]; \
	    then cd $(1) && kodev clean; fi; cd $(1) && kodev build

conf/ssehub.conf: conf/kore.conf.in $(RENDER)
	@$(call write,$(RENDER) $< $(DEV_CONF))

# The folder's mtime changes when a file is added or removed.
conf/assets.conf: assets $(wildcard assets/*) tools/asset_routes.sh
	@$(call write,tools/asset_routes.sh assets)

clients/js/ssehub-limits.js: tools/limits_js.c src/topic.h
	@mkdir -p build
	$(CC) -std=c11 -Wall -Wextra -Werror -Isrc -o build/limits_js $<
	@$(call write,build/limits_js)

build/sql_embed: tools/sql_embed.c src/topic.h src/sse_frame.h src/store.h
	@mkdir -p build
	$(CC) -std=c11 -Wall -Wextra -Werror -Isrc -o $@ $<

sql/limits.psql: build/sql_embed
	@$(call write,build/sql_embed psql)

# The folder's mtime changes when a migration is added or removed (and
# when limits.psql is written: so that comes first).
src/sql_migrations.c: build/sql_embed sql/limits.psql sql $(MIGRATIONS)
	@$(call write,build/sql_embed c $(MIGRATIONS))

build: $(APP) cert $(GENERATED)
	@$(call kodev_build,$(APP))

# The production flavor (-O2 -DNDEBUG), built by kodev in a folder of its
# own, so build/ssehub keeps the dev flavor.
prod: $(PROD) $(GENERATED)
	@[ "$$(cat $(PROD)/.flavor 2>/dev/null)" = prod ] || \
	    (cd $(PROD) && kodev flavor prod)
	@$(call kodev_build,$(PROD))

# Files under PREFIX are replaced on every install (install(1) unlinks
# first, so a running server keeps the module it mapped); the admin's
# kore.conf and env, the key and the data are never overwritten. Without
# DESTDIR (a packager's staging folder) it also sets up this host:
# deploy/setup.sh, then systemd's unit enabled and (re)started.
# Included by kore.conf from PKGDATADIR; routes.conf gets the asset routes
# in place of its include of assets.conf.
SHARED		:= conf/settings.conf conf/routes.conf conf/ffdhe2048.pem

install: prod
	install -d $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(PKGDATADIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CONFDIR)
	install -m 0644 $(PROD)/ssehub.so $(DESTDIR)$(PKGLIBDIR)/ssehub.so
	install -m 0755 deploy/setup.sh $(DESTDIR)$(PKGLIBDIR)/setup
	install -m 0644 $(filter-out conf/routes.conf,$(SHARED)) \
	    $(DESTDIR)$(PKGDATADIR)/
	sed -e '/^include[[:space:]]*conf\/assets.conf$$/r conf/assets.conf' \
	    -e '/^include[[:space:]]*conf\/assets.conf$$/d' conf/routes.conf \
	    >$(DESTDIR)$(PKGDATADIR)/routes.conf.new
	mv $(DESTDIR)$(PKGDATADIR)/routes.conf.new \
	    $(DESTDIR)$(PKGDATADIR)/routes.conf
	$(RENDER) conf/kore.conf.in $(PROD_CONF) \
	    >$(DESTDIR)$(PKGDATADIR)/kore.conf.new
	mv $(DESTDIR)$(PKGDATADIR)/kore.conf.new $(DESTDIR)$(PKGDATADIR)/kore.conf
	$(RENDER) conf/ssehub.service CONFDIR=$(CONFDIR) \
	    >$(DESTDIR)$(UNITDIR)/ssehub.service.new
	mv $(DESTDIR)$(UNITDIR)/ssehub.service.new \
	    $(DESTDIR)$(UNITDIR)/ssehub.service
	[ -e $(DESTDIR)$(CONFDIR)/kore.conf ] || install -m 0644 \
	    $(DESTDIR)$(PKGDATADIR)/kore.conf $(DESTDIR)$(CONFDIR)/kore.conf
	@if [ -z "$(DESTDIR)" ]; then \
	    $(PKGLIBDIR)/setup $(CONFDIR) && \
	    if [ -d /run/systemd/system ]; then \
		$(SYSTEMCTL) daemon-reload && \
		$(SYSTEMCTL) enable ssehub && $(SYSTEMCTL) restart ssehub; \
	    fi; fi

# Leaves what is the admin's: CONFDIR (kore.conf, env, the key), the data
# in /var/lib/ssehub and the user ssehub.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
	    $(SYSTEMCTL) disable --now ssehub || true; fi
	rm -f $(DESTDIR)$(PKGLIBDIR)/ssehub.so $(DESTDIR)$(PKGLIBDIR)/setup \
	    $(SHARED:conf/%=$(DESTDIR)$(PKGDATADIR)/%) \
	    $(DESTDIR)$(PKGDATADIR)/kore.conf $(DESTDIR)$(UNITDIR)/ssehub.service
	-rmdir $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(PKGDATADIR)
	@echo "kept: $(CONFDIR) (kore.conf, env, cert/), /var/lib/ssehub," \
	    "the user ssehub"

# stdbuf: Kore logs with printf, so a redirected log would otherwise be
# block-buffered and repeated by every forked worker.
run: deps cert db build
	cd $(APP) && exec stdbuf -oL kodev run

# make run plus the TLS + HTTP/2 front (nginx, conf/nginx-h2.conf) on
# https://127.0.0.1:9443/; Ctrl-C stops both.
run-h2: deps cert db build
	tests/h2/front.sh start $(VAR)/h2-front 9443 8080
	@echo "HTTP/2 front: https://127.0.0.1:9443/ -> http://127.0.0.1:8080/"
	cd $(APP) && trap '$(ROOT)/tests/h2/front.sh stop $(VAR)/h2-front' \
	    EXIT INT TERM && stdbuf -oL kodev run

test: deps cert build
	tests/run-all.sh

unit: valgrind
	$(MAKE) -C tests/unit check

valgrind:
	$(MAKE) -C tests/unit valgrind

fuzz-smoke:
	$(MAKE) -C tests/fuzz smoke

fuzz:
	$(MAKE) -C tests/fuzz run

integration: build
	tests/integration/run.sh

# The SQL functions and the migrations, against a real PostgreSQL.
sql-test: build
	tests/sql/run.sh

browser: build
	tests/browser/run.sh

h2: build
	tests/h2/run.sh

# Needs root: without it the suite says SKIP and make stops with its
# status (77), so a skip never passes for a success.
prod-test:
	tests/prod/run.sh

# The long failover run (both modes) too, even after a chaos failure.
chaos: deps cert build
	@c=0; tests/chaos/run.sh $(CHAOS_SECONDS) || c=1; \
	tests/failover/run.sh $(FAILOVER_SECONDS) || c=1; exit $$c

# PostgreSQL failover: primary killed, standby promoted, sync and async.
failover: deps cert build
	tests/failover/run.sh $(FAILOVER_SECONDS)

# 12,000 unique-topic streams + 5,000 non-reading replays (17,000 sockets)
# and a soak of SOAK_SECONDS (tests/stress/run.sh); make test runs both
# scaled down.
stress: deps cert build
	tests/stress/run.sh full

soak: deps cert build
	tests/stress/run.sh soak $(SOAK_SECONDS)

bench: deps cert build
	node tests/bench/bench.mjs

clean:
	rm -rf build conf/ssehub.conf conf/assets.conf
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/fuzz clean

# Every cluster in var/ (make run's, the suites'), wherever its data is.
distclean: clean
	@for d in $(VAR) $(VAR)/*; do \
	    if [ -L $$d/pgdata ] || [ -d $$d/pgdata ]; then \
		tests/lib/pg.sh destroy $$d; fi; done
	rm -rf var
