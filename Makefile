# dashbox: `make run` serves https://localhost:8443 with the local CA; `make test` runs every test.
# Both install what they need on a fresh Debian machine with Go (apt-get, as root or through sudo).

GO         ?= go
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT     ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# The commit's date, not the clock's: two builds of one commit stay identical.
BUILD_DATE ?= $(shell git log -1 --format=%cI 2>/dev/null || echo unknown)
CLI        := github.com/dashbox/dashbox/cmd
LDFLAGS    := -s -w -X $(CLI).version=$(VERSION) -X $(CLI).commit=$(COMMIT) -X $(CLI).buildDate=$(BUILD_DATE)
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# command:Debian-package pairs the tests need.
TEST_TOOLS := goaccess:goaccess setpriv:util-linux unshare:util-linux ip:iproute2 \
	systemd-nspawn:systemd-container debootstrap:debootstrap systemd-analyze:systemd logrotate:logrotate \
	chromium:chromium strace:strace htpasswd:apache2-utils script:bsdutils \
	/usr/lib/postgresql/15/bin/initdb:postgresql-15 haproxy:haproxy named:bind9 tsig-keygen:bind9-utils \
	dig:bind9-dnsutils nsupdate:bind9-dnsutils prometheus:prometheus promtool:prometheus wrk:wrk \
	nft:nftables iptables:iptables ip6tables:iptables xtables-legacy-multi:iptables

.PHONY: all build generate run test test-go test-offline test-cross test-deps test-fuzz bench clean

all: build

## build: bin/dashbox, static (no cgo), version stamped
build: generate
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/dashbox ./cmd/dashbox

## generate: precompress the embedded assets (gzip, brotli) once, at build time
generate: vendor
	$(GO) generate ./static/...
	DASHBOX_NODE_MODULES=$(NPM_DIR)/node_modules $(GO) generate ./notices

## run: serve the dashboards at https://localhost:8443 (HTTP on :8080 redirects)
run: build
	./bin/dashbox serve --https-addr :8443 --http-addr :8080

## test: vet, unit and end-to-end tests, then the self-signed mode with no network at all
test: test-deps test-pebble generate
	$(GO) vet ./...
	$(GO) vet -tags pprof ./cmd/dashbox ./bench/fileserver
	cd examples/hello && GOFLAGS=-mod=readonly $(GO) vet ./...
	$(MAKE) test-go test-offline test-cross test-airgap test-fuzz

## test-cross: the other systems kardianos/service supports must at least build
test-cross:
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./cmd/dashbox
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null ./cmd/dashbox

# The timeout leaves room for the first run on a new machine, which builds the service tests' container
# root file system (debootstrap, cached outside the clone).
test-go:
	$(GO) test -race -count=1 -timeout 30m ./...

# Every Go fuzz target for FUZZTIME beyond its seed corpus (see .ci/fuzz: a crash writes the failing input to
# testdata/fuzz/FuzzXxx/ in the package; commit it as a regression case).
FUZZTIME ?= 4s
## test-fuzz: run each fuzz target for $(FUZZTIME)
test-fuzz:
	GO=$(GO) bash .ci/fuzz $(FUZZTIME)

## test-offline: the end-to-end tests again inside a network namespace with only loopback up
test-offline: generate
	$(GO) test -c -o bin/dashbox-e2e.test ./cmd
	$(GO) build -o bin/dashbox-e2e ./cmd/dashbox
	unshare $(if $(filter 0,$(shell id -u)),-n,-rn) sh -c 'ip link set lo up && \
		DASHBOX_TEST_BINARY=$(CURDIR)/bin/dashbox-e2e bin/dashbox-e2e.test -test.count=1 -test.run "TestServe|TestAccessLog|TestSIG"'

# Pebble, Let's Encrypt's ACME test server, and pebble-challtestsrv (its DNS) for the ACME end-to-end tests in
# cmd: built once with `go install` at a pinned version into a cache outside the clone, one folder per
# version. The tests find them through DASHBOX_PEBBLE_BIN_DIR (exported to every recipe) and fail, saying to run
# `make test-pebble`, when they are missing.
PEBBLE_VERSION ?= v2.10.3
PEBBLE_BIN_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/dashbox-test/pebble-$(PEBBLE_VERSION)
export DASHBOX_PEBBLE_BIN_DIR := $(PEBBLE_BIN_DIR)

.PHONY: test-pebble
## test-pebble: install Pebble and pebble-challtestsrv (pinned, cached) for the ACME tests
test-pebble: $(PEBBLE_BIN_DIR)/pebble $(PEBBLE_BIN_DIR)/pebble-challtestsrv

$(PEBBLE_BIN_DIR)/pebble $(PEBBLE_BIN_DIR)/pebble-challtestsrv:
	GOBIN=$(PEBBLE_BIN_DIR) $(GO) install github.com/letsencrypt/pebble/v2/cmd/$(@F)@$(PEBBLE_VERSION)

.PHONY: release test-airgap
# Release platforms: Linux, plus the other systems kardianos/service supports that dashbox serves on.
RELEASE_PLATFORMS ?= linux/amd64 linux/arm64 windows/amd64 darwin/arm64

## release: dist/ with one archive per platform (static binary, README, docs/, LICENSE, third-party notices) and SHA256SUMS
release: generate
	rm -rf dist
	$(GO) run ./release -out dist -version '$(VERSION)' -date '$(BUILD_DATE)' -ldflags '$(LDFLAGS)' $(RELEASE_PLATFORMS)

## test-airgap: this machine's release archive twice (reproducible), alone in an empty folder, and in a network
## namespace with only loopback, under strace, with Chromium loading every page
test-airgap: test-deps generate
	$(GO) vet -tags airgap ./release/...
	$(GO) test -tags airgap -count=1 -timeout 10m -v ./release/...

## test-deps: install the Debian packages the tests use, when missing
test-deps:
	@missing=""; for pair in $(TEST_TOOLS); do \
		command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## bench: Go benchmarks of the hot paths, then dashbox against nginx, Caddy and a plain Go file server (docs/performance.md,
## method and results); installs nginx, caddy, wrk and h2load from Debian when missing; about 6 minutes; JSON in bench/out/
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./...
	sh bench/install-deps.sh
	$(GO) build -o bin/dashbox-bench ./bench
	$(GO) build -o bin/bench-fileserver ./bench/fileserver
	bin/dashbox-bench -dashbox bin/dashbox -fileserver bin/bench-fileserver -out bench/out

clean:
	rm -rf bin dist

# Browser libraries come from npm, pinned by package.json and package-lock.json. `npm ci` installs them into a
# cache outside the clone, one folder per lock file, so a fresh clone (CI) reinstalls nothing; the files the
# pages use are copied (not linked: go:embed refuses symlinks) into static/assets/vendor, which is gitignored
# and embedded. A plain `go build` without make has no ECharts, and `dashbox serve` refuses to start, saying so.
NPM_CACHE ?= $(HOME)/.cache/dashbox/npm
NPM_DIR   := $(NPM_CACHE)/$(shell sha256sum package-lock.json 2>/dev/null | cut -c1-16)
VENDOR    := static/assets/vendor
VENDOR_TMP := .cache/vendor.tmp

.PHONY: vendor screenshots

## vendor: install the npm packages (npm ci, cached) and copy ECharts with its licences into static/assets/vendor
vendor: $(VENDOR)/echarts/echarts.min.js

# npm's own marker file in the cache: its folder is named by the lock file's hash, so it needs no other
# prerequisite, and when the cache is deleted it is installed again and the vendored copy refreshed.
NPM_STAMP := $(NPM_DIR)/node_modules/.package-lock.json

$(NPM_STAMP):
	@command -v npm >/dev/null 2>&1 || { echo "installing: nodejs npm"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	rm -rf $(NPM_DIR) && mkdir -p $(NPM_DIR) && cp package.json package-lock.json $(NPM_DIR)/
	cd $(NPM_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

$(VENDOR)/echarts/echarts.min.js: $(NPM_STAMP)
	rm -rf $(VENDOR_TMP) && mkdir -p $(VENDOR_TMP)/echarts $(VENDOR_TMP)/zrender
	cp $(NPM_DIR)/node_modules/echarts/dist/echarts.min.js $(VENDOR_TMP)/echarts/echarts.min.js
	cp $(NPM_DIR)/node_modules/echarts/LICENSE $(VENDOR_TMP)/echarts/LICENSE.txt
	cp $(NPM_DIR)/node_modules/echarts/NOTICE $(VENDOR_TMP)/echarts/NOTICE.txt
	cp $(NPM_DIR)/node_modules/echarts/licenses/LICENSE-d3 $(VENDOR_TMP)/echarts/LICENSE-d3.txt
	cp $(NPM_DIR)/node_modules/zrender/LICENSE $(VENDOR_TMP)/zrender/LICENSE.txt
	rm -rf $(VENDOR) && mv $(VENDOR_TMP) $(VENDOR)

## screenshots: a PNG of every page at desktop and phone width, light and dark, into ./screenshots (ignored)
screenshots: test-deps generate
	DASHBOX_SCREENSHOTS=$(CURDIR)/screenshots $(GO) test -count=1 -run '^TestBrowserScreenshots$$' ./cmd
