// Command supportd serves grounded, cited answers from a company's help
// centre and keeps the knowledge base behind them in sync.
//
// This file is the composition root: main only calls run, and run reads the
// configuration once and wires the concrete types together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var exit exitCode
		if !errors.Is(err, errReported) && !errors.Is(err, flag.ErrHelp) && !errors.As(err, &exit) {
			fmt.Fprintln(os.Stderr, "supportd:", err)
		}
		if errors.As(err, &exit) {
			os.Exit(int(exit))
		}
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(1)
	}
}

// errReported marks an error whose details were already printed.
var errReported = errors.New("failed")

// exitCode is an error that asks for a specific process exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what a subcommand gets from the process.
type environment struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "serve the HTTP API", runServe},
		{"ingest", "sync files into a knowledge base", runIngest},
		{"reembed", "embed a knowledge base's chunks again with the configured embedder", runReembed},
		{"migrate", "apply database migrations", runMigrate},
		{"config", "print the configuration table (Markdown)", runConfig},
		{"eval", "score the assistant on a golden set (run, show, list)", runEval},
		{"worker", "work background jobs (the scheduled evaluation) without serving HTTP", runWorker},
		{"keys", "create, list and revoke API keys", runKeys},
		{"tune", "choose a knowledge base's fusion, candidates and handoff threshold on its golden set", runTune},
		{"quarantine", "list the documents flagged at ingestion that retrieval skips, or release one", runQuarantine},
		{"drift", "compare recent questions with a reference window (report)", runDrift},
		{"digest", "the weekly digest of a knowledge base (Markdown or JSON; --send posts it to the webhook)", runDigest},
		{"simulate", "send a normal and optionally a shifted question stream to a running server", runSimulate},
		{"goldenset", "grow the golden set: export relabelled review items, add cases, draft candidates", runGoldenset},
		{"bench", "measure ingestion, retrieval latency and retrieval quality", runBench},
		{"fake-llm", "run the deterministic fake OpenAI-compatible LLM server (tests, demos)", runFakeLLM},
		{"soak", "hold supportd serve (a process of its own) under a steady realistic load, sampling RSS, goroutines, heap and connections; PASS or FAIL", runSoak},
		{"scale-test", "start replicas of this binary sharing Postgres and Redis and check them under load and a SIGKILL", runScaleTest},
		{"faults", "inject model, Postgres, Redis and replica faults into replicas of this binary under load and account for every request", runFaults},
	}
}

// run dispatches to a subcommand.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	env := &environment{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return flag.ErrHelp
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: supportd <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'supportd <command> --help' for the flags of a command; every flag can also be set by its environment variable.")
}
