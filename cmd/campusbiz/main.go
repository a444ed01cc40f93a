// Command campusbiz is the one binary of the campusbiz workflow backend.
//
//	campusbiz serve     HTTP API
//	campusbiz worker    Asynq workers, outbox relay and reconciler
//	campusbiz migrate   create the database if missing and apply migrations
//	campusbiz seed      partner colleges and the first admin (idempotent)
//	campusbiz dev       migrate, seed, serve and worker in one process
//	campusbiz seed --students N   also bulk-load N students (scale tests)
//	campusbiz loadgen   simulated applicants through the HTTP API
//	campusbiz health    probe the local /healthz or /readyz (container healthchecks)
//
// Configuration comes from environment variables; see the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/campusbiz/campusbiz/internal/config"
	"github.com/campusbiz/campusbiz/internal/logging"
	"github.com/campusbiz/campusbiz/internal/tracing"
)

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, cfg config.Config, log *slog.Logger) error
}

var commands = []command{
	{"serve", "run the HTTP API", runServe},
	{"worker", "run the Asynq workers, the outbox relay and the reconciler", runWorker},
	{"migrate", "create the database if missing and apply the embedded migrations", runMigrate},
	{"seed", "load partner colleges and the first admin (idempotent)", runSeed},
	{"dev", "migrate, seed, then serve and work in one process: what a newcomer runs first", runDev},
	{"loadgen", "simulated applicants against a running system through the HTTP API; prints a summary", nil},
	{"health", "probe this container's API (or -worker) /healthz or /readyz; exit status 0 when it answers 2xx", nil},
}

// commandFlags are the subcommands that take flags: each defines its flags
// on the set and returns the run function that reads them, which replaces
// the table's.
var commandFlags = map[string]func(fs *flag.FlagSet) func(ctx context.Context, cfg config.Config, log *slog.Logger) error{
	"seed":    seedFlags,
	"loadgen": loadgenFlags,
	"health":  healthFlags,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "campusbiz:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return errors.New("name a subcommand")
		}
		return flag.ErrHelp
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		fs.SetOutput(stdout)
		fs.Usage = func() {
			fmt.Fprintf(stdout, "usage: campusbiz %s\n\n%s.\n\nConfigured by environment variables (DATABASE_URL, REDIS_URL, HTTP_ADDR, ...);\nthe README's configuration table lists them all.\n", c.name, c.summary)
			fs.PrintDefaults()
		}
		if define, ok := commandFlags[c.name]; ok {
			c.run = define(fs)
		}
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("%s takes no arguments, got %q", c.name, fs.Args())
		}
		cfg, err := config.Load()
		if err != nil {
			return err
		}
		log := logging.New(stderr, cfg.LogLevel)
		slog.SetDefault(log)
		stopTraces, err := tracing.Setup(ctx, "campusbiz-"+c.name)
		if err != nil {
			return err
		}
		defer flushTraces(stopTraces, log)
		return c.run(ctx, cfg, log)
	}
	usage(stderr)
	return fmt.Errorf("unknown subcommand %q", args[0])
}

// flushTraces exports the spans still buffered at exit, for a few seconds
// at most.
func flushTraces(stop func(context.Context) error, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := stop(ctx); err != nil {
		log.Warn("traces: flush at exit failed", "err", err)
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: campusbiz <subcommand> [--help]")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
}
