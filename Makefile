# ssehub: `make run` and `make test` do everything on a fresh Debian 12.
#
# kodev names the app after the folder it runs in (field notes), and a
# clone may live in any folder, so the app is staged in build/ssehub with
# links back to src/, assets/, conf/ and cert/.

ROOT		:= $(abspath .)
APP		:= $(ROOT)/build/ssehub
VAR		?= $(ROOT)/var
PGBIN		:= /usr/lib/postgresql/15/bin
CHAOS_SECONDS	?= 600

DEBS		:= kore check libpq-dev postgresql-15 postgresql-client-15 \
		   openssl libssl-dev pkg-config gcc clang make curl \
		   valgrind nodejs=node npm=npm chromium nginx-light \
		   libnginx-mod-nchan procps psmisc

export SSEHUB_VAR := $(VAR)

.PHONY: all deps cert db db-stop build run run-h2 test unit valgrind fuzz \
	fuzz-smoke integration browser h2 prod-test chaos bench clean distclean

all: build

deps:
	@tests/lib/deps.sh $(DEBS)

cert: cert/server.pem cert/dh2048.pem

cert/server.pem:
	@mkdir -p cert
	umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -days 825 \
	    -subj "/CN=localhost" \
	    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	    -keyout cert/key.pem -out cert/server.pem 2>/dev/null
	chmod 600 cert/key.pem
	chmod 644 cert/server.pem

cert/dh2048.pem:
	@mkdir -p cert
	openssl dhparam -dsaparam -out $@ 2048 2>/dev/null

# A project-local cluster, only when SSEHUB_DB does not name one.
db:
	@if [ -z "$$SSEHUB_DB" ]; then tests/lib/pg.sh start $(VAR); fi

db-stop:
	@tests/lib/pg.sh stop $(VAR)

$(APP):
	mkdir -p $(APP)
	for d in src assets conf cert; do ln -sfn $(ROOT)/$$d $(APP)/$$d; done

# kodev rebuilds only .c files whose mtime changed: after a header or
# build.conf edit, start clean (stale objects crashed a worker once).
build: $(APP) cert
	@if [ -f $(APP)/ssehub.so ] && [ -n "$$(find src conf/build.conf \
	    -newer $(APP)/ssehub.so \( -name '*.h' -o -name build.conf \))" ]; \
	    then cd $(APP) && kodev clean; fi
	cd $(APP) && kodev build

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

unit:
	$(MAKE) -C tests/unit check
	$(MAKE) -C tests/unit valgrind

fuzz-smoke:
	$(MAKE) -C tests/fuzz smoke

fuzz:
	$(MAKE) -C tests/fuzz run

integration: build
	tests/integration/run.sh

browser: build
	tests/browser/run.sh

h2: build
	tests/h2/run.sh

prod-test: cert build
	tests/prod/run.sh

chaos: deps cert build
	tests/chaos/run.sh $(CHAOS_SECONDS)

bench: deps cert build
	tests/bench/run.sh

clean:
	rm -rf build
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/fuzz clean

distclean: clean db-stop
	rm -rf var
