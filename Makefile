# ventanilla — the two commands a newcomer needs are `make run` and `make test`.
GO      ?= go
BIN     := bin/ventanilla
PKG     := ./cmd/ventanilla
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
DATA    ?= ./var
# staticcheck is pinned (release 2026.2.2): `go run` fetches and caches that
# version, so a fresh machine and a developer's get the same findings.
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME ?= 10s

.PHONY: run build test lint bench fuzz cross vuln clean

## run: the kiosk in demo mode (simulated camera, modem emulator, local mail catcher), data in ./var
##      (CONFIG=FILE for another configuration, e.g. other SSH/metrics ports)
run: build
	./$(BIN) run --demo --data $(DATA) $(if $(CONFIG),--config $(CONFIG))

## build: build bin/ventanilla (pure Go)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) $(PKG)

## test: vet, then every test with the race detector (needs a C compiler: gcc),
## then the camera quality matrix whole without it (-race runs a sample of it)
test:
	@command -v "$$($(GO) env CC)" >/dev/null || { echo "make test: the race detector needs a C compiler; install gcc (apt-get install gcc libc6-dev)"; exit 2; }
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 15m ./...
	$(GO) test -count=1 -timeout 10m ./devices/camera/quality/

## lint: vet + staticcheck + gofmt
lint:
	$(GO) vet ./...
	$(STATICCHECK) ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)

## bench: every benchmark, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: a short run of each fuzz target (FUZZTIME each)
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## cross: static builds for the kiosks' ARM boards
cross:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ventanilla-linux-arm64 $(PKG)
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ventanilla-linux-armv7 $(PKG)
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ventanilla-linux-amd64 $(PKG)

## vuln: known vulnerabilities in the dependencies
vuln:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@latest ./...

clean:
	rm -rf bin
