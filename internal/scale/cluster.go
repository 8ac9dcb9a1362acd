package scale

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// ClusterParams says what to start.
type ClusterParams struct {
	Spawner
	// DB is the database the replicas share, already created.
	DB Database
	// RedisURL is the Redis they share; empty runs without one.
	RedisURL string
	Replicas int
	// BasePort is the fake model's port, the replicas' are the next ones;
	// 0 lets the system choose free ports.
	BasePort int
	// Corpus is the folder ingested as knowledge base KB.
	Corpus string
	// Filled says DB is already migrated and holds the corpus.
	Filled bool
	// ServeEnv is added to every replica's environment.
	ServeEnv []string
}

// KB is the knowledge base the harness ingests and asks.
const KB = "demo"

// Cluster is a fake model and the replicas of one run.
type Cluster struct {
	p        ClusterParams
	Model    *Proc
	Replicas []*Proc
}

// addr returns the listen address of the i-th process of the run.
func (p ClusterParams) addr(i int) string {
	if p.BasePort == 0 {
		return "127.0.0.1:0"
	}
	return fmt.Sprintf("127.0.0.1:%d", p.BasePort+i)
}

func (p ClusterParams) dbEnv() []string {
	return []string{"DATABASE_URL=" + p.DB.AppURL, "SUPPORTD_DATABASE_OWNER_URL=" + p.DB.OwnerURL}
}

// StartCluster migrates and fills the database, then starts the fake model
// and the replicas.
func StartCluster(ctx context.Context, p ClusterParams) (*Cluster, error) {
	if err := p.fill(ctx); err != nil {
		return nil, err
	}
	c := &Cluster{p: p}
	var err error
	if c.Model, err = p.Start("fakellm", "fake LLM listening on ", []string{"fake-llm", "--addr", p.addr(0)}); err != nil {
		return nil, err
	}
	for i := range p.Replicas {
		if _, err := c.StartReplica(i); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// fill migrates the database and ingests the corpus, unless it is Filled.
func (p ClusterParams) fill(ctx context.Context) error {
	if p.Filled {
		return nil
	}
	if _, err := p.run(ctx, []string{"migrate"}, p.dbEnv()...); err != nil {
		return err
	}
	_, err := p.run(ctx, []string{"ingest", "--kb", KB, p.Corpus}, p.dbEnv()...)
	return err
}

// StartReplica starts replica i, or starts it again after it stopped.
func (c *Cluster) StartReplica(i int) (*Proc, error) {
	env := append(c.p.dbEnv(),
		"REDIS_URL="+c.p.RedisURL,
		"SUPPORTD_AUTH=off",
		// The load generator names its visitors in X-Forwarded-For.
		"SUPPORTD_TRUSTED_PROXIES=127.0.0.1/32",
		"SUPPORTD_LLM_PROVIDER=openai", "SUPPORTD_LLM_MODEL=fake", "SUPPORTD_LLM_API_KEY=fake",
		"SUPPORTD_LLM_BASE_URL="+c.Model.URL+"/v1")
	env = append(env, c.p.ServeEnv...)
	p, err := c.p.Start(fmt.Sprintf("replica%d", i), "supportd listening on ", []string{"serve", "--addr", c.p.addr(1 + i)}, env...)
	if err != nil {
		return nil, err
	}
	if i < len(c.Replicas) {
		c.Replicas[i] = p
	} else {
		c.Replicas = append(c.Replicas, p)
	}
	return p, nil
}

// URLs are the replicas' base URLs.
func (c *Cluster) URLs() []string {
	urls := make([]string, len(c.Replicas))
	for i, r := range c.Replicas {
		urls[i] = r.URL
	}
	return urls
}

// Stop stops every process still running.
func (c *Cluster) Stop() {
	for _, r := range c.Replicas {
		if r.Alive() {
			r.Stop(20 * time.Second)
		}
	}
	if c.Model != nil && c.Model.Alive() {
		c.Model.Stop(5 * time.Second)
	}
}

// Questions reads the golden set's questions that stand on their own
// (follow-ups, which need the conversation before them, are left out).
func Questions(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var g struct {
			Question string `json:"question"`
		}
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if first := g.Question[:1]; first == strings.ToUpper(first) {
			qs = append(qs, g.Question)
		}
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("%s: no questions", path)
	}
	return qs, sc.Err()
}
