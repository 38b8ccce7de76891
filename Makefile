# 小服 kiosk. `make run` opens the kiosk on the embedded demo knowledge base;
# `make test` runs every test (it starts Xvfb and a virtual microphone when
# they are not running). Both install missing Debian/Ubuntu packages first.

# FTS5 is compiled into SQLite only with sqlite_fts5; a binary built without
# it refuses to start with a message saying so. no_emoji leaves Fyne's 4 MB
# colour-emoji font out: the kiosk shows no emoji, and parsing it cost 11 MB
# of idle memory.
TAGS    := sqlite_fts5,no_emoji
BIN     := bin/xiaofu
GO      ?= go
export LANG := zh_CN.UTF-8
export CGO_ENABLED := 1

.PHONY: run build test bench deps deps-test vet clean

run: build
	scripts/run-kiosk.sh $(BIN) $(ARGS)

build: deps
	$(GO) build -tags $(TAGS) -o $(BIN) .

test: deps-test
	$(GO) build -tags $(TAGS) -o $(BIN) .
	$(GO) vet -tags $(TAGS) ./...
	TAGS=$(TAGS) scripts/test.sh $(BIN)

bench: build
	$(BIN) bench

deps:
	scripts/deps.sh build

deps-test:
	scripts/deps.sh test

clean:
	rm -rf bin
