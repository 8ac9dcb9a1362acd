package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"supportd/internal/config"
)

// cmdline is the command line of one subcommand: its flags, and how it
// explains itself when asked (--help) or misused.
type cmdline struct {
	*flag.FlagSet
	env      *environment
	name     string
	synopsis string
	about    string
}

// newCmdline makes the flag set of "supportd name". The synopsis follows
// the name on the usage line; about, when set, says what the command does.
func newCmdline(env *environment, name, synopsis, about string) *cmdline {
	c := &cmdline{FlagSet: flag.NewFlagSet("supportd "+name, flag.ContinueOnError), env: env, name: name,
		synopsis: synopsis, about: about}
	c.SetOutput(env.stderr)
	c.Usage = c.help
	return c
}

func (c *cmdline) usageLine() string {
	return strings.TrimSpace("usage: supportd " + c.name + " " + c.synopsis)
}

// help prints the usage line, what the command does and its flags.
func (c *cmdline) help() {
	w := c.env.stderr
	fmt.Fprintln(w, c.usageLine())
	if c.about != "" {
		fmt.Fprintf(w, "\n%s\n", c.about)
	}
	hasFlags := false
	c.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nflags:")
		c.PrintDefaults()
	}
}

// shortUsage prints the usage line and where to find the flags.
func (c *cmdline) shortUsage() {
	fmt.Fprintf(c.env.stderr, "%s\nRun 'supportd %s --help' for its flags.\n", c.usageLine(), c.name)
}

// misuse reports a mistake on the command line the way a bad flag is
// reported: the problem on one line, then the short usage.
func (c *cmdline) misuse(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintf(c.env.stderr, "supportd %s: %v\n", c.name, err)
	c.shortUsage()
	return reported{err}
}

// reported is an error already printed for the user; it matches
// errReported, so main does not print it again.
type reported struct{ error }

func (r reported) Unwrap() error        { return r.error }
func (r reported) Is(target error) bool { return target == errReported }

// parseArgs parses args as the command's flags and arguments.
func (c *cmdline) parseArgs(args []string) error {
	return c.explain(func() error { return c.Parse(args) })
}

// explain runs parse, which parses the flag set. --help prints the whole
// help; a bad flag, which the flag package has already named, is followed
// by the short usage instead of every flag.
func (c *cmdline) explain(parse func() error) error {
	misused := false
	c.Usage = func() { misused = true }
	err := parse()
	c.Usage = c.help
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.help()
		return err
	case err != nil && misused:
		c.shortUsage()
		return reported{err}
	}
	return err
}

// answerSettings are the configuration areas that answering a question
// reads.
const answerSettings = config.General | config.Database | config.Embedding | config.Retrieval | config.Answer | config.LLM

// loadConfig parses a subcommand's flags (its own, and the settings of the
// configuration areas it reads) and the environment, which supplies every
// setting.
func loadConfig(env *environment, name, synopsis string, areas config.Area, args []string, own func(fs *flag.FlagSet)) (config.Config, *cmdline, error) {
	c := newCmdline(env, name, synopsis, "")
	if own != nil {
		own(c.FlagSet)
	}
	var cfg config.Config
	err := c.explain(func() error {
		var err error
		cfg, err = config.Load(c.FlagSet, args, env.getenv, areas)
		return err
	})
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errReported) {
		return cfg, c, fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	return cfg, c, err
}
