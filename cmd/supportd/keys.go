package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"supportd/internal/auth"
	"supportd/internal/config"
	"supportd/internal/store"
)

func runKeys(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprintln(env.stderr, "usage: supportd keys create|list|revoke [flags]\n\n"+
			"  create --tenant T --scope chat,ingest,eval,agent,admin [--name N] [--expires 720h]\n"+
			"  create --tenant T --widget --origin https://www.example.com [--origin ...]\n"+
			"  list   --tenant T\n"+
			"  revoke --tenant T KEY_ID")
		return errors.New("keys needs a subcommand: create, list or revoke")
	}
	var scopes, name string
	var origins multiFlag
	var widget bool
	var expires time.Duration
	cfg, fs, err := loadConfig(env, "keys "+args[0], keySynopsis(args[0]), config.General|config.Database, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&scopes, "scope", "", "comma-separated scopes: chat, ingest, eval, agent (support agents: conversations, review, feedback), admin")
		fs.StringVar(&name, "name", "", "a label for the key")
		fs.Var(&origins, "origin", "allowed browser origin of a widget key (repeatable)")
		fs.BoolVar(&widget, "widget", false, "a publishable chat-only key for the web widget, bound to --origin")
		fs.DurationVar(&expires, "expires", 0, "lifetime, e.g. 720h (default: no expiry)")
	})
	if err != nil {
		return err
	}
	tenant := cfg.Tenant // --tenant
	st, err := store.Open(ctx, store.Params{URL: cfg.DatabaseURL, MaxConns: 2})
	if err != nil {
		return fmt.Errorf("connect to the database: %w", err)
	}
	defer st.Close()
	svc := auth.New(st, nil)
	switch args[0] {
	case "create":
		if widget && scopes == "" {
			scopes = auth.ScopeChat
		}
		var scopeList []string
		if scopes != "" {
			scopeList = strings.Split(scopes, ",")
		}
		key, k, err := svc.Create(ctx, auth.CreateParams{Tenant: tenant, Name: name, Scopes: scopeList,
			Widget: widget, Origins: origins, TTL: expires, Actor: "cli"})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stderr, "created %s (this is the only time the key is shown; store it now)\n", svc.Describe(k))
		fmt.Fprintln(env.stdout, key)
	case "list":
		keys, err := svc.List(ctx, tenant)
		if err != nil {
			return err
		}
		for _, k := range keys {
			fmt.Fprintln(env.stdout, svc.Describe(k))
		}
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("keys revoke takes one key id")
		}
		if err := svc.Revoke(ctx, tenant, fs.Arg(0), "cli"); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "revoked %s\n", fs.Arg(0))
	}
	return nil
}

// keySynopsis is the usage line of a keys subcommand.
func keySynopsis(sub string) string {
	switch sub {
	case "create":
		return "[--tenant T] --scope chat,ingest,eval,agent,admin [--name N] [--expires 720h] | --widget --origin URL [--origin URL...]"
	case "revoke":
		return "[--tenant T] KEY_ID"
	}
	return "[--tenant T]"
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
