package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"time"

	"supportd/internal/scale"
)

// scaleFlags are what scale-test and faults share: where the processes
// come from and what they use.
type scaleFlags struct {
	binary, template, corpus, golden, logs, redis *string
	port                                          *int
}

func addScaleFlags(fs *cmdline, port int, redis string) scaleFlags {
	self, _ := os.Executable()
	return scaleFlags{
		binary:   fs.String("binary", self, "the supportd binary to start"),
		template: fs.String("template", "supportd_test", "database the run's database is created from (holds the vector extension)"),
		corpus:   fs.String("corpus", "goldenset/corpus", "folder ingested as knowledge base demo"),
		golden:   fs.String("golden", "goldenset/demo.jsonl", "golden set whose questions are asked"),
		logs:     fs.String("logs", "", "folder for the processes' logs (default: a new temporary folder)"),
		redis:    fs.String("redis-url", redis, "Redis the replicas share"),
		port:     fs.Int("port", port, "first port: the fake model's; the replicas take the next ones"),
	}
}

// cluster turns the flags into cluster parameters over a new database,
// returned with the function that drops it.
func (f scaleFlags) cluster(ctx context.Context, env *environment, base scale.Database) (scale.ClusterParams, func(), error) {
	logs := *f.logs
	if logs == "" {
		var err error
		if logs, err = os.MkdirTemp("", "supportd-scale-"); err != nil {
			return scale.ClusterParams{}, nil, err
		}
	} else if err := os.MkdirAll(logs, 0o755); err != nil {
		return scale.ClusterParams{}, nil, err
	}
	db, drop, err := scale.CreateDatabase(ctx, base, fmt.Sprintf("supportd_scale_%d", time.Now().UnixNano()), *f.template)
	if err != nil {
		return scale.ClusterParams{}, nil, err
	}
	fmt.Fprintf(env.stderr, "process logs in %s\n", logs)
	return scale.ClusterParams{Spawner: scale.Spawner{Binary: *f.binary, LogDir: logs}, DB: db, RedisURL: *f.redis,
		BasePort: *f.port, Corpus: *f.corpus}, drop, nil
}

// baseDatabase is the server the run creates its database on, from the
// same variables serve and migrate read.
func baseDatabase(env *environment) scale.Database {
	app := cmp.Or(env.getenv("DATABASE_URL"), "postgres://supportd_app:supportd_app@127.0.0.1:5432/supportd?sslmode=disable")
	return scale.Database{AppURL: app, OwnerURL: cmp.Or(env.getenv("SUPPORTD_DATABASE_OWNER_URL"), app)}
}

// runScaleTest starts replicas of this binary and checks what they share.
func runScaleTest(ctx context.Context, env *environment, args []string) error {
	fs := newCmdline(env, "scale-test", "[--replicas 3] [--load 20s] [--port 18200] [--redis-url URL]",
		"Starts a fake model and REPLICAS `supportd serve` processes sharing a new database (created\n"+
			"on DATABASE_URL's server from --template, dropped afterwards) and Redis, then checks with a\n"+
			"round-robin load generator: the per-client rate limit and daily budget hold globally within\n"+
			"5%, a cache entry made on one replica is hit on another, the scheduled drift report runs\n"+
			"once per period, and after a SIGKILL of one replica under load no acknowledged turn is\n"+
			"lost and clients see only retriable errors. Prints the accounting; exits 1 if a check fails.")
	sf := addScaleFlags(fs, 18200, "redis://127.0.0.1:6391/0")
	replicas := fs.Int("replicas", 3, "supportd serve processes")
	workers := fs.Int("workers", 6, "load clients asking at once")
	load := fs.Duration("load", 20*time.Second, "how long the load runs after the limit checks; the kill comes a third of the way in")
	if err := fs.parseArgs(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.misuse("takes no arguments, got %q", fs.Args())
	}
	cp, drop, err := sf.cluster(ctx, env, baseDatabase(env))
	if err != nil {
		return err
	}
	defer drop()
	cp.Replicas = *replicas
	rep, err := scale.Run(ctx, scale.Params{Cluster: cp, Golden: *sf.golden, Workers: *workers, Load: *load, Kill: true})
	if err != nil {
		return err
	}
	rep.Print(env.stdout)
	if !rep.OK() {
		return exitCode(1)
	}
	return nil
}

// runFaults injects faults into replicas of this binary under load.
func runFaults(ctx context.Context, env *environment, args []string) error {
	fs := newCmdline(env, "faults", "[--phase 8s] [--port 18220] [--pg-port 5440] [--redis-port 6392]",
		"Starts a throw-away PostgreSQL cluster (scripts/throwaway-pg.sh) and Redis (scripts/redis.sh) of\n"+
			"its own, a fake model and REPLICAS `supportd serve` processes, and while a round-robin load\n"+
			"runs throughout (most questions new to the cache) makes the model answer 500s, then hang,\n"+
			"restarts Postgres, stops Redis and brings it back, and SIGKILLs a replica. After each fault\n"+
			"it accounts for every request (answered, degraded, or refused with 429/503 and Retry-After)\n"+
			"and checks /readyz, the Redis fallback, the turns and the logs. Exits 1 if a check fails.")
	sf := addScaleFlags(fs, 18220, "")
	replicas := fs.Int("replicas", 3, "supportd serve processes")
	workers := fs.Int("workers", 6, "load clients asking at once")
	phase := fs.Duration("phase", 8*time.Second, "how long each fault lasts")
	pgDir := fs.String("pg-dir", "/tmp/supportd-faults-pg", "folder of the throw-away PostgreSQL cluster")
	pgPort := fs.Int("pg-port", 5440, "port of the throw-away PostgreSQL cluster")
	redisPort := fs.Int("redis-port", 6392, "port of the throw-away Redis")
	scripts := fs.String("scripts", "scripts", "folder of throwaway-pg.sh and redis.sh")
	if err := fs.parseArgs(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fs.misuse("takes no arguments, got %q", fs.Args())
	}
	pg := func(cmd string) func(context.Context) error {
		return scale.Script(*scripts+"/throwaway-pg.sh", cmd, *pgDir, fmt.Sprint(*pgPort))
	}
	if err := pg("start")(ctx); err != nil {
		return err
	}
	redisURL := fmt.Sprintf("redis://127.0.0.1:%d/0", *redisPort)
	startRedis := scale.Script("env", "REDIS_URL="+redisURL, *scripts+"/redis.sh")
	if err := startRedis(ctx); err != nil {
		return err
	}
	*sf.redis = redisURL
	base := scale.Database{AppURL: fmt.Sprintf("postgres://supportd_app:supportd_app@127.0.0.1:%d/supportd?sslmode=disable", *pgPort),
		OwnerURL: fmt.Sprintf("postgres://supportd:supportd@127.0.0.1:%d/supportd?sslmode=disable", *pgPort)}
	cp, drop, err := sf.cluster(ctx, env, base)
	if err != nil {
		return err
	}
	defer drop()
	cp.Replicas = *replicas
	rep, err := scale.Faults(ctx, scale.FaultsParams{Cluster: cp, Golden: *sf.golden, Workers: *workers, Phase: *phase,
		RestartPostgres: pg("restart"), StartRedis: startRedis,
		StopRedis: scale.Script("redis-cli", "-p", fmt.Sprint(*redisPort), "shutdown", "nosave")})
	if err != nil {
		return err
	}
	rep.Print(env.stdout)
	if !rep.OK() {
		return exitCode(1)
	}
	return nil
}
