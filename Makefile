# vitctl build and test entry points. `make test` is what CI runs.
GO ?= go

.PHONY: build test test-purego vet race fuzz bench

# CGO_ENABLED=0: a static binary (cobra's flags and the progress bar pull in
# package net, which links libc when cgo is on).
build:
	CGO_ENABLED=0 $(GO) build -o bin/vitctl ./cmd/vitctl

# The purego leg runs -short: it checks the assembly-free build and the Go
# twins; the long real-model runs (75 pasted-object canvases through ViT-Ti)
# stay in the first.
test: vet
	$(GO) test -timeout 30m ./...
	$(GO) test -timeout 30m -short -tags purego ./...
	$(GO) -C internal/kernels/_asm test ./...
	$(GO) -C internal/imageio/_asm test ./...

# arm64 too: the files that build without assembly on other machines are
# checked here, not first on someone's Mac. Windows and macOS too (the
# release's other systems): their files (the !unix, _windows ones) and the
# tests that build there are type-checked, which no Linux run does; about
# a minute on CI's two cores. The tests themselves run only under Wine, by
# hand: see docs/portability.md.
vet:
	@test -z "$$(gofmt -l cmd internal)" || { gofmt -l cmd internal; echo "gofmt needed"; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags purego ./...
	GOARCH=arm64 $(GO) vet ./...
	GOARCH=arm64 $(GO) vet -tags purego ./...
	GOOS=windows $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) vet ./...
	$(GO) -C internal/kernels/_asm vet ./...
	$(GO) -C internal/imageio/_asm vet ./...

# The race detector slows internal/cli's tests about tenfold, to near go test's
# default 10-minute limit on a busy 2-core machine: hence the longer one.
race:
	$(GO) test -race -short -timeout 30m ./internal/kernels ./internal/model ./internal/train ./internal/cli

# Brief runs of every fuzz target; long runs are done by hand with -fuzztime=10m.
# The brief runs count executions rather than seconds: Go 1.26's coordinator can
# report its own -fuzztime deadline as a failure (go.dev/issue/75804, fixed in
# Go 1.27), which failed CI once on FuzzOpenList with no crasher written.
FUZZTIME ?= 20000x
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2x ./...
