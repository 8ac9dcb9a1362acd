package config

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of supportd.
type Config struct {
	DatabaseURL string
	// DatabaseOwnerURL connects as the schema's owner, for migrations;
	// empty means DatabaseURL.
	DatabaseOwnerURL string
	DatabaseReadURL  string
	ReadMaxLag       time.Duration
	DBMaxConns       int
	HNSWEfSearch     int
	Addr             string
	Tenant           string
	LogLevel         string
	ShutdownTimeout  time.Duration

	Embedder       string
	EmbedModel     string
	EmbedDim       int
	EmbedBaseURL   string
	EmbedAPIKey    string
	EmbedBatchSize int
	EmbedTimeout   time.Duration

	ChunkTokens  int
	ChunkOverlap int
	MaxUploadMB  int

	TopK             int
	Candidates       int
	RetrieveTimeout  time.Duration
	RequestTimeout   time.Duration
	SSEKeepalive     time.Duration
	MaxQuestionChars int
	MinConfidence    float64
	ExtractSentences int
	DemoKB           string
	DemoCorpus       string
	DemoKey          string

	LLMProvider       string
	LLMModel          string
	LLMBaseURL        string
	LLMAPIKey         string
	LLMAPIKeyFile     string
	FallbackProvider  string
	FallbackModel     string
	FallbackBaseURL   string
	FallbackAPIKey    string
	FirstTokenTimeout time.Duration
	LLMTimeout        time.Duration
	LLMMaxAttempts    int
	LLMOpeningTokens  int
	LLMMaxTokens      int
	LLMTemperature    float64
	BreakerFailures   int
	BreakerCooldown   time.Duration
	ProviderRPM       int
	ProviderTPM       int
	ClientRPM         int
	DailyTokenBudget  int
	LLMPrices         string
	CacheSize         int
	CacheTTL          time.Duration
	RedisURL          string
	PromptsDir        string
	ProductName       string
	HistoryTurns      int

	EvalSchedule   string
	EvalGolden     string
	EvalKB         string
	EvalThresholds string
	EvalWebhookURL string
	Jobs           bool

	JudgeProvider string
	JudgeModel    string
	JudgeBaseURL  string
	JudgeAPIKey   string

	Auth           string
	WidgetRPM      int
	TrustedProxies []netip.Prefix
	PublicURL      string
	RetentionDays  int
	// ModelAliases name knowledge bases as models on the OpenAI-compatible
	// routes, besides kb:<name>: alias → knowledge base.
	ModelAliases map[string]string

	OTLPEndpoint string
	TraceSample  float64

	ReviewConfidence float64
	ReviewWebhookURL string

	DriftSchedule     string
	DriftRecent       time.Duration
	DriftReference    time.Duration
	DriftMinQuestions int
	DriftWebhookURL   string

	DigestSchedule   string
	DigestPeriod     time.Duration
	DigestWebhookURL string

	MetricsAddr string
	DebugAddr   string
	// MemoryLimitMB is serve's soft memory limit in MiB (0: none).
	MemoryLimitMB int

	InjectionAction    string
	InjectionThreshold float64
	RedactStored       bool

	// RRFK, TextWeight and VectorWeight override the embedder's default
	// fusion when set (nil: not set).
	RRFK         *float64
	TextWeight   *float64
	VectorWeight *float64
}

// Area is a set of groups of settings, one bit per group. A subcommand
// names the areas it reads, so that its help lists only the flags it uses;
// the environment variables of every area still apply.
type Area uint

// The groups of settings.
const (
	General   Area = 1 << iota // tenant and log level
	Database                   // connection and query tuning
	HTTP                       // the API server: address, auth, limits, uploads
	Embedding                  // the embedder
	Chunking                   // how documents are cut into chunks
	Retrieval                  // hybrid search and fusion
	Answer                     // one turn: thresholds, guard, redaction, review
	LLM                        // models, resilience, cache, token budgets
	Eval                       // golden-set evaluation and its judge
	Jobs                       // scheduled work: evaluation, drift, retention
	Drift                      // the drift report's windows
	Digest                     // the weekly digest
	Review                     // which turns go to human review
	Telemetry                  // metrics and tracing
	Demo                       // the demo corpus
)

// All is every area: what supportd serve reads.
const All = Demo<<1 - 1

// Var is one setting: its environment variable, the flag that overrides it,
// its default, the areas that read it and how it is stored into Config.
type Var struct {
	Env     string
	Area    Area
	Default string
	Help    string
	Secret  bool
	set     func(c *Config, v string) error
}

// Flag is the command-line name of the variable: lower case with dashes.
func (v Var) Flag() string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(v.Env, "SUPPORTD_")), "_", "-")
}

func str(dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *dst(c) = v; return nil }
}

// schedule accepts a five-field cron expression or one of the
// descriptors the job scheduler knows: @hourly, @daily, @weekly, @monthly,
// @yearly, @midnight, @annually and "@every DURATION" (at least a second).
func schedule(dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		v = strings.TrimSpace(v)
		switch d, every := strings.CutPrefix(v, "@every "); {
		case v == "" || len(strings.Fields(v)) == 5:
		case every:
			if n, err := time.ParseDuration(strings.TrimSpace(d)); err != nil || n < time.Second {
				return fmt.Errorf("%q: @every needs a duration of at least 1s", v)
			}
		case slices.Contains([]string{"@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@midnight", "@annually"}, v):
		default:
			return fmt.Errorf("%q is neither a five-field cron expression nor @hourly, @daily, @weekly or @every DURATION", v)
		}
		*dst(c) = v
		return nil
	}
}

func integer(lo, hi int, dst func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		if n < lo || n > hi {
			return fmt.Errorf("%d is outside %d..%d", n, lo, hi)
		}
		*dst(c) = n
		return nil
	}
}

func duration(lo, hi time.Duration, dst func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 500ms or 2s", v)
		}
		if d < lo || d > hi {
			return fmt.Errorf("%s is outside %s..%s", d, lo, hi)
		}
		*dst(c) = d
		return nil
	}
}

func fraction(dst func(*Config) *float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return fmt.Errorf("%q is not a number between 0 and 1", v)
		}
		*dst(c) = f
		return nil
	}
}

// optional parses an unset ("") or a number from lo to 1000; a knowledge
// base's tuned settings, or its embedder's defaults, apply when unset.
func optional(lo float64, dst func(*Config) **float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" {
			*dst(c) = nil
			return nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < lo || f > 1000 {
			return fmt.Errorf("%q is not a number from %g to 1000", v, lo)
		}
		*dst(c) = &f
		return nil
	}
}

// modelAlias is an alias's form: it cannot start with "kb:", which names a
// knowledge base itself.
var modelAlias = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$`)

// aliases reads SUPPORTD_MODEL_ALIASES: alias=kb pairs.
func aliases(c *Config, v string) error {
	out := map[string]string{}
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		alias, kb, ok := strings.Cut(f, "=")
		alias, kb = strings.TrimSpace(alias), strings.TrimSpace(kb)
		switch {
		case !ok || kb == "":
			return fmt.Errorf("%q is not alias=kb", f)
		case !modelAlias.MatchString(alias) || strings.HasPrefix(alias, "kb:"):
			return fmt.Errorf("alias %q must be letters, digits and _.:/- (at most 128) and not start with \"kb:\"", alias)
		case out[alias] != "":
			return fmt.Errorf("alias %q is given twice", alias)
		}
		out[alias] = kb
	}
	c.ModelAliases = out
	return nil
}

// prefixes reads a comma-separated list of addresses (a single host) and
// CIDR ranges.
func prefixes(dst func(*Config) *[]netip.Prefix) func(*Config, string) error {
	return func(c *Config, v string) error {
		var out []netip.Prefix
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if a, err := netip.ParseAddr(f); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return fmt.Errorf("%q is neither an address nor a CIDR range", f)
			}
			out = append(out, p.Masked())
		}
		*dst(c) = out
		return nil
	}
}

// publicURL accepts an http(s) URL without query, stored without a
// trailing slash.
func publicURL(c *Config, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", v)
	}
	c.PublicURL = strings.TrimRight(v, "/")
	return nil
}

func oneOf(choices []string, dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		for _, ch := range choices {
			if v == ch {
				*dst(c) = v
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(choices, ", "))
	}
}

// postgresURL sets a PostgreSQL connection URL; empty leaves it unset.
func postgresURL(dst func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" {
			*dst(c) = ""
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return errors.New("must be a postgres:// URL")
		}
		*dst(c) = v
		return nil
	}
}

// Vars returns the registry of settings in documentation order.
func Vars() []Var {
	return []Var{
		{Env: "DATABASE_URL", Area: Database, Default: "postgres://supportd_app:supportd_app@127.0.0.1:5432/supportd?sslmode=disable", Secret: true,
			Help: "PostgreSQL (with pgvector) connection URL of the application role, which row-level security binds (not the tables' owner, not a superuser, no BYPASSRLS)",
			set:  postgresURL(func(c *Config) *string { return &c.DatabaseURL })},
		{Env: "SUPPORTD_DATABASE_OWNER_URL", Area: Database, Default: "", Secret: true,
			Help: "connection URL of the role that owns the schema, used by supportd migrate, which also grants the application role its rights; empty: DATABASE_URL",
			set:  postgresURL(func(c *Config) *string { return &c.DatabaseOwnerURL })},
		{Env: "SUPPORTD_DATABASE_READ_URL", Area: Database, Secret: true,
			Help: "a streaming read replica of DATABASE_URL: retrieval reads from it while it is up and within SUPPORTD_READ_MAX_LAG, the primary otherwise (and always for what must read its own writes)",
			set:  postgresURL(func(c *Config) *string { return &c.DatabaseReadURL })},
		{Env: "SUPPORTD_READ_MAX_LAG", Area: Database, Default: "5s", Help: "replication lag beyond which reads leave the replica for the primary until it catches up", set: duration(time.Millisecond, time.Hour, func(c *Config) *time.Duration { return &c.ReadMaxLag })},
		{Env: "SUPPORTD_DB_MAX_CONNS", Area: Database, Default: "10", Help: "connection pool size", set: integer(1, 1000, func(c *Config) *int { return &c.DBMaxConns })},
		{Env: "SUPPORTD_HNSW_EF_SEARCH", Area: Database, Default: "100", Help: "HNSW candidate list size at query time (recall vs. latency)", set: integer(1, 1000, func(c *Config) *int { return &c.HNSWEfSearch })},
		{Env: "SUPPORTD_ADDR", Area: HTTP, Default: ":8080", Help: "HTTP listen address", set: str(func(c *Config) *string { return &c.Addr })},
		{Env: "SUPPORTD_TENANT", Area: General, Default: "default", Help: "tenant that unauthenticated requests and the CLI act for", set: str(func(c *Config) *string { return &c.Tenant })},
		{Env: "SUPPORTD_LOG_LEVEL", Area: General, Default: "info", Help: "debug, info, warn or error", set: oneOf([]string{"debug", "info", "warn", "error"}, func(c *Config) *string { return &c.LogLevel })},
		{Env: "SUPPORTD_MEMORY_LIMIT_MB", Area: HTTP, Default: "200", Help: "serve's soft memory limit in MiB (Go's runtime/debug.SetMemoryLimit): the garbage collector works harder as the heap nears it, instead of letting it grow to twice the live heap; 0: none; ignored when GOMEMLIMIT is set", set: integer(0, 1<<20, func(c *Config) *int { return &c.MemoryLimitMB })},
		{Env: "SUPPORTD_SHUTDOWN_TIMEOUT", Area: HTTP, Default: "20s", Help: "how long SIGTERM waits for in-flight requests", set: duration(time.Second, 10*time.Minute, func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
		{Env: "SUPPORTD_EMBEDDER", Area: Embedding, Default: "hash", Help: "hash (built-in, offline), openai (any OpenAI-compatible server) or ollama", set: oneOf([]string{"hash", "openai", "ollama"}, func(c *Config) *string { return &c.Embedder })},
		{Env: "SUPPORTD_EMBED_MODEL", Area: Embedding, Default: "", Help: "embedding model name for openai/ollama (the built-in embedder names itself)", set: str(func(c *Config) *string { return &c.EmbedModel })},
		{Env: "SUPPORTD_EMBED_DIM", Area: Embedding, Default: "384", Help: "embedding dimension; part of a knowledge base's identity", set: integer(64, 2000, func(c *Config) *int { return &c.EmbedDim })},
		{Env: "SUPPORTD_EMBED_BASE_URL", Area: Embedding, Default: "", Help: "base URL of the embedding server for openai/ollama", set: str(func(c *Config) *string { return &c.EmbedBaseURL })},
		{Env: "SUPPORTD_EMBED_API_KEY", Area: Embedding, Default: "", Secret: true, Help: "API key of the embedding server", set: str(func(c *Config) *string { return &c.EmbedAPIKey })},
		{Env: "SUPPORTD_EMBED_BATCH_SIZE", Area: Embedding, Default: "64", Help: "texts per embedding request", set: integer(1, 2048, func(c *Config) *int { return &c.EmbedBatchSize })},
		{Env: "SUPPORTD_EMBED_TIMEOUT", Area: Embedding, Default: "10s", Help: "deadline of one embedding call", set: duration(10*time.Millisecond, 5*time.Minute, func(c *Config) *time.Duration { return &c.EmbedTimeout })},
		{Env: "SUPPORTD_CHUNK_TOKENS", Area: Chunking, Default: "300", Help: "chunk size in tokens (cl100k_base)", set: integer(32, 4000, func(c *Config) *int { return &c.ChunkTokens })},
		{Env: "SUPPORTD_CHUNK_OVERLAP", Area: Chunking, Default: "50", Help: "tokens carried over between consecutive chunks of a section", set: integer(0, 1000, func(c *Config) *int { return &c.ChunkOverlap })},
		{Env: "SUPPORTD_MAX_UPLOAD_MB", Area: HTTP, Default: "20", Help: "largest document accepted by POST /v1/kbs/{kb}/documents", set: integer(1, 1024, func(c *Config) *int { return &c.MaxUploadMB })},
		{Env: "SUPPORTD_TOP_K", Area: Retrieval, Default: "5", Help: "passages retrieved per question", set: integer(1, 50, func(c *Config) *int { return &c.TopK })},
		{Env: "SUPPORTD_CANDIDATES", Area: Retrieval, Default: "50", Help: "candidates per list (vector, full text) before fusion", set: integer(1, 1000, func(c *Config) *int { return &c.Candidates })},
		{Env: "SUPPORTD_RRF_K", Area: Retrieval, Default: "", Help: "rank offset of Reciprocal Rank Fusion; empty: the embedder's default (60)", set: optional(1, func(c *Config) **float64 { return &c.RRFK })},
		{Env: "SUPPORTD_TEXT_WEIGHT", Area: Retrieval, Default: "", Help: "weight of the full-text (BM25) ranking in the fusion; empty: the embedder's default (1)", set: optional(0, func(c *Config) **float64 { return &c.TextWeight })},
		{Env: "SUPPORTD_VECTOR_WEIGHT", Area: Retrieval, Default: "", Help: "weight of the vector ranking in the fusion (0: it only adds candidates BM25 missed); empty: the embedder's default (0 for the built-in hash embedder, 1 for a model)", set: optional(0, func(c *Config) **float64 { return &c.VectorWeight })},
		{Env: "SUPPORTD_RETRIEVE_TIMEOUT", Area: Retrieval, Default: "3s", Help: "deadline of retrieval (embedding the question included)", set: duration(10*time.Millisecond, time.Minute, func(c *Config) *time.Duration { return &c.RetrieveTimeout })},
		{Env: "SUPPORTD_SSE_KEEPALIVE", Area: HTTP, Default: "5s", Help: "a streamed answer with nothing to send sends an SSE comment this often", set: duration(100*time.Millisecond, time.Minute, func(c *Config) *time.Duration { return &c.SSEKeepalive })},
		{Env: "SUPPORTD_REQUEST_TIMEOUT", Area: HTTP, Default: "30s", Help: "deadline of a whole answer", set: duration(100*time.Millisecond, 10*time.Minute, func(c *Config) *time.Duration { return &c.RequestTimeout })},
		{Env: "SUPPORTD_MAX_QUESTION_CHARS", Area: Answer, Default: "16000", Help: "longest question accepted, in characters", set: integer(10, 100000, func(c *Config) *int { return &c.MaxQuestionChars })},
		{Env: "SUPPORTD_MIN_CONFIDENCE", Area: Answer | Review | Drift, Default: "0.40", Help: "below this confidence the assistant hands off to a human instead of answering", set: fraction(func(c *Config) *float64 { return &c.MinConfidence })},
		{Env: "SUPPORTD_EXTRACT_SENTENCES", Area: Answer, Default: "3", Help: "sentences in an extractive answer", set: integer(1, 10, func(c *Config) *int { return &c.ExtractSentences })},
		{Env: "SUPPORTD_LLM_PROVIDER", Area: LLM, Default: "", Help: "empty (built-in extractive answers), openai (any OpenAI-compatible server), anthropic or ollama", set: oneOf([]string{"", "openai", "anthropic", "ollama"}, func(c *Config) *string { return &c.LLMProvider })},
		{Env: "SUPPORTD_LLM_MODEL", Area: LLM, Default: "", Help: "model name, e.g. gpt-4o-mini, claude-3-5-haiku-latest, llama3.1", set: str(func(c *Config) *string { return &c.LLMModel })},
		{Env: "SUPPORTD_LLM_BASE_URL", Area: LLM, Default: "", Help: "endpoint; empty for the vendor's (OpenAI-compatible servers: http://host:port/v1)", set: str(func(c *Config) *string { return &c.LLMBaseURL })},
		{Env: "SUPPORTD_LLM_API_KEY", Area: LLM, Default: "", Secret: true, Help: "API key of the primary model", set: str(func(c *Config) *string { return &c.LLMAPIKey })},
		{Env: "SUPPORTD_LLM_API_KEY_FILE", Area: LLM, Default: "", Help: "file holding the API key (instead of SUPPORTD_LLM_API_KEY)", set: str(func(c *Config) *string { return &c.LLMAPIKeyFile })},
		{Env: "SUPPORTD_LLM_FALLBACK_PROVIDER", Area: LLM, Default: "", Help: "secondary model's provider, tried when the primary fails", set: oneOf([]string{"", "openai", "anthropic", "ollama"}, func(c *Config) *string { return &c.FallbackProvider })},
		{Env: "SUPPORTD_LLM_FALLBACK_MODEL", Area: LLM, Default: "", Help: "secondary model name", set: str(func(c *Config) *string { return &c.FallbackModel })},
		{Env: "SUPPORTD_LLM_FALLBACK_BASE_URL", Area: LLM, Default: "", Help: "secondary model's endpoint", set: str(func(c *Config) *string { return &c.FallbackBaseURL })},
		{Env: "SUPPORTD_LLM_FALLBACK_API_KEY", Area: LLM, Default: "", Secret: true, Help: "secondary model's API key", set: str(func(c *Config) *string { return &c.FallbackAPIKey })},
		{Env: "SUPPORTD_LLM_FIRST_TOKEN_TIMEOUT", Area: LLM, Default: "5s", Help: "the answer's first-token deadline, counted from the request's arrival: a model whose opening has not arrived by then is abandoned (not retried) for the fallback model or the extractive answer", set: duration(10*time.Millisecond, 5*time.Minute, func(c *Config) *time.Duration { return &c.FirstTokenTimeout })},
		{Env: "SUPPORTD_LLM_TIMEOUT", Area: LLM, Default: "20s", Help: "whole model answer, retries and fallback model included", set: duration(10*time.Millisecond, 10*time.Minute, func(c *Config) *time.Duration { return &c.LLMTimeout })},
		{Env: "SUPPORTD_LLM_OPENING_TOKENS", Area: LLM, Default: "16", Help: "streamed tokens that make an answer's opening: it must arrive by the first-token deadline (a model that trickles slower is abandoned like a stall) and is held back from the client until it has", set: integer(1, 1000, func(c *Config) *int { return &c.LLMOpeningTokens })},
		{Env: "SUPPORTD_LLM_MAX_ATTEMPTS", Area: LLM, Default: "3", Help: "attempts per model for retryable failures (timeouts, 429, 5xx)", set: integer(1, 10, func(c *Config) *int { return &c.LLMMaxAttempts })},
		{Env: "SUPPORTD_LLM_MAX_TOKENS", Area: LLM, Default: "512", Help: "longest model answer in tokens", set: integer(16, 32000, func(c *Config) *int { return &c.LLMMaxTokens })},
		{Env: "SUPPORTD_LLM_TEMPERATURE", Area: LLM, Default: "0", Help: "sampling temperature (0..2)", set: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 2 {
				return fmt.Errorf("%q is not a number between 0 and 2", v)
			}
			c.LLMTemperature = f
			return nil
		}},
		{Env: "SUPPORTD_BREAKER_FAILURES", Area: LLM, Default: "5", Help: "consecutive failures that open a model's circuit breaker", set: integer(1, 1000, func(c *Config) *int { return &c.BreakerFailures })},
		{Env: "SUPPORTD_BREAKER_COOLDOWN", Area: LLM, Default: "30s", Help: "how long an open breaker skips its model", set: duration(10*time.Millisecond, time.Hour, func(c *Config) *time.Duration { return &c.BreakerCooldown })},
		{Env: "SUPPORTD_PROVIDER_RPM", Area: LLM, Default: "0", Help: "requests per minute to each model; over it the next model answers (0: unlimited)", set: integer(0, 1000000, func(c *Config) *int { return &c.ProviderRPM })},
		{Env: "SUPPORTD_PROVIDER_TPM", Area: LLM, Default: "0", Help: "tokens per minute to each model (0: unlimited)", set: integer(0, 100000000, func(c *Config) *int { return &c.ProviderTPM })},
		{Env: "SUPPORTD_CLIENT_RPM", Area: HTTP, Default: "120", Help: "chat requests per minute per client (API key or address); over it: 429 (0: unlimited)", set: integer(0, 1000000, func(c *Config) *int { return &c.ClientRPM })},
		{Env: "SUPPORTD_DAILY_TOKEN_BUDGET", Area: LLM, Default: "0", Help: "model tokens per client per UTC day; when spent: 429 budget_exhausted (0: unlimited)", set: integer(0, 2000000000, func(c *Config) *int { return &c.DailyTokenBudget })},
		{Env: "SUPPORTD_LLM_PRICES", Area: LLM, Default: "", Help: "USD per million tokens, model=prompt/completion, comma-separated (e.g. gpt-4o-mini=0.15/0.60)", set: str(func(c *Config) *string { return &c.LLMPrices })},
		{Env: "SUPPORTD_CACHE_SIZE", Area: LLM, Default: "10000", Help: "model answers kept in process (0: no cache)", set: integer(0, 10000000, func(c *Config) *int { return &c.CacheSize })},
		{Env: "SUPPORTD_CACHE_TTL", Area: LLM, Default: "24h", Help: "how long a cached answer lives", set: duration(time.Second, 30*24*time.Hour, func(c *Config) *time.Duration { return &c.CacheTTL })},
		{Env: "REDIS_URL", Area: LLM | HTTP, Default: "", Secret: true, Help: "optional Redis shared by replicas for the answer cache and rate limits", set: func(c *Config, v string) error {
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
					return errors.New("must be a redis:// or rediss:// URL")
				}
			}
			c.RedisURL = v
			return nil
		}},
		{Env: "SUPPORTD_PROMPTS_DIR", Area: LLM, Default: "", Help: "folder overriding the built-in prompt templates", set: str(func(c *Config) *string { return &c.PromptsDir })},
		{Env: "SUPPORTD_PRODUCT_NAME", Area: LLM, Default: "", Help: "product named in the system prompt", set: str(func(c *Config) *string { return &c.ProductName })},
		{Env: "SUPPORTD_HISTORY_TURNS", Area: Answer, Default: "6", Help: "earlier turns used to understand a follow-up question", set: integer(1, 50, func(c *Config) *int { return &c.HistoryTurns })},
		{Env: "SUPPORTD_EVAL_SCHEDULE", Area: Jobs, Default: "0 6 * * 1", Help: "schedule of the golden-set evaluation: cron (UTC) or @hourly, @daily, @weekly, @every 10m; empty disables it", set: schedule(func(c *Config) *string { return &c.EvalSchedule })},
		{Env: "SUPPORTD_EVAL_GOLDEN", Area: Eval | Jobs, Default: "goldenset/demo.jsonl", Help: "golden set the scheduled evaluation runs", set: str(func(c *Config) *string { return &c.EvalGolden })},
		{Env: "SUPPORTD_EVAL_KB", Area: Eval | Jobs | Drift, Default: "demo", Help: "knowledge base the scheduled evaluation runs against", set: str(func(c *Config) *string { return &c.EvalKB })},
		{Env: "SUPPORTD_EVAL_THRESHOLDS", Area: Eval | Jobs, Default: "goldenset/thresholds.json", Help: "per-metric regression thresholds", set: str(func(c *Config) *string { return &c.EvalThresholds })},
		{Env: "SUPPORTD_EVAL_WEBHOOK_URL", Area: Jobs, Default: "", Secret: true, Help: "URL that receives a JSON POST when a scheduled evaluation regresses", set: str(func(c *Config) *string { return &c.EvalWebhookURL })},
		{Env: "SUPPORTD_JOBS", Area: Jobs, Default: "true", Help: "work background jobs (scheduled evaluation) inside serve; false leaves them to supportd worker", set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			c.Jobs = b
			return nil
		}},
		{Env: "SUPPORTD_JUDGE_PROVIDER", Area: Eval, Default: "", Help: "optional LLM-as-judge for evaluations: openai, anthropic or ollama (empty: deterministic metrics only)", set: oneOf([]string{"", "openai", "anthropic", "ollama"}, func(c *Config) *string { return &c.JudgeProvider })},
		{Env: "SUPPORTD_JUDGE_MODEL", Area: Eval, Default: "", Help: "judge model name", set: str(func(c *Config) *string { return &c.JudgeModel })},
		{Env: "SUPPORTD_JUDGE_BASE_URL", Area: Eval, Default: "", Help: "judge model's endpoint", set: str(func(c *Config) *string { return &c.JudgeBaseURL })},
		{Env: "SUPPORTD_JUDGE_API_KEY", Area: Eval, Default: "", Secret: true, Help: "judge model's API key", set: str(func(c *Config) *string { return &c.JudgeAPIKey })},
		{Env: "SUPPORTD_AUTH", Area: HTTP, Default: "required", Help: "required: every /v1 request needs an API key (supportd keys create); off: development mode, all requests act for SUPPORTD_TENANT", set: oneOf([]string{"required", "off"}, func(c *Config) *string { return &c.Auth })},
		{Env: "SUPPORTD_WIDGET_RPM", Area: HTTP, Default: "20", Help: "chat requests per minute per visitor of a widget (publishable) key", set: integer(0, 100000, func(c *Config) *int { return &c.WidgetRPM })},
		{Env: "SUPPORTD_TRUSTED_PROXIES", Area: HTTP, Default: "", Help: "comma-separated addresses or CIDR ranges of your load balancers: only a peer among them is believed about the visitor's address (the nearest untrusted X-Forwarded-For entry); empty: the peer is the visitor", set: prefixes(func(c *Config) *[]netip.Prefix { return &c.TrustedProxies })},
		{Env: "SUPPORTD_MODEL_ALIASES", Area: HTTP, Default: "", Help: "comma-separated alias=kb pairs: OpenAI-compatible clients may name knowledge base kb as model alias (besides kb:<name>), e.g. support=billing,docs-bot=docs", set: aliases},
		{Env: "SUPPORTD_PUBLIC_URL", Area: HTTP, Default: "http://localhost:8080", Help: "the address people reach supportd at: links in webhooks point to its console, and the demo page's widget loads from it", set: publicURL},
		{Env: "SUPPORTD_RETENTION_DAYS", Area: Jobs, Default: "90", Help: "turns (questions, answers, feedback) older than this are purged daily; 0 keeps them", set: integer(0, 36500, func(c *Config) *int { return &c.RetentionDays })},
		{Env: "SUPPORTD_METRICS_ADDR", Area: Telemetry, Default: "", Help: "serve /metrics on this separate address (e.g. 127.0.0.1:9090) instead of the API's port; also makes supportd worker expose its metrics", set: str(func(c *Config) *string { return &c.MetricsAddr })},
		{Env: "SUPPORTD_DEBUG_ADDR", Area: Telemetry, Default: "", Help: "serve Go's profiler (/debug/pprof/) on this separate address, e.g. 127.0.0.1:6060; keep it off public networks (profiles reveal code paths and memory); empty: no profiler", set: str(func(c *Config) *string { return &c.DebugAddr })},
		{Env: "SUPPORTD_OTLP_ENDPOINT", Area: Telemetry, Default: "", Help: "OpenTelemetry collector (OTLP/HTTP), e.g. http://otel-collector:4318; empty disables tracing", set: str(func(c *Config) *string { return &c.OTLPEndpoint })},
		{Env: "SUPPORTD_TRACE_SAMPLE", Area: Telemetry, Default: "1", Help: "share of new traces kept (callers' sampling decisions are honoured)", set: fraction(func(c *Config) *float64 { return &c.TraceSample })},
		{Env: "SUPPORTD_REVIEW_CONFIDENCE", Area: Answer | Review, Default: "0.5", Help: "answers below this confidence join the human review queue (as do handoffs, refusals and thumbs-down)", set: fraction(func(c *Config) *float64 { return &c.ReviewConfidence })},
		{Env: "SUPPORTD_REVIEW_WEBHOOK_URL", Area: Answer | Review, Default: "", Secret: true, Help: "URL that receives a JSON POST for every new review-queue item (e.g. a helpdesk)", set: str(func(c *Config) *string { return &c.ReviewWebhookURL })},
		{Env: "SUPPORTD_DRIFT_SCHEDULE", Area: Jobs, Default: "0 * * * *", Help: "schedule of the drift report over every knowledge base (as SUPPORTD_EVAL_SCHEDULE); empty disables it", set: schedule(func(c *Config) *string { return &c.DriftSchedule })},
		{Env: "SUPPORTD_DRIFT_RECENT", Area: Jobs | Drift, Default: "24h", Help: "recent window the drift report examines", set: duration(time.Minute, 90*24*time.Hour, func(c *Config) *time.Duration { return &c.DriftRecent })},
		{Env: "SUPPORTD_DRIFT_REFERENCE", Area: Jobs | Drift, Default: "168h", Help: "reference window before it", set: duration(time.Minute, 365*24*time.Hour, func(c *Config) *time.Duration { return &c.DriftReference })},
		{Env: "SUPPORTD_DRIFT_MIN_QUESTIONS", Area: Jobs | Drift, Default: "100", Help: "questions each drift window needs before the report may alert", set: integer(1, 1000000, func(c *Config) *int { return &c.DriftMinQuestions })},
		{Env: "SUPPORTD_DRIFT_WEBHOOK_URL", Area: Jobs | Drift, Default: "", Secret: true, Help: "URL that receives a JSON POST when a drift report alerts", set: str(func(c *Config) *string { return &c.DriftWebhookURL })},
		{Env: "SUPPORTD_DIGEST_SCHEDULE", Area: Jobs, Default: "0 7 * * 1", Help: "schedule of the weekly digest of every knowledge base (as SUPPORTD_EVAL_SCHEDULE); empty disables it", set: schedule(func(c *Config) *string { return &c.DigestSchedule })},
		{Env: "SUPPORTD_DIGEST_PERIOD", Area: Jobs | Digest, Default: "168h", Help: "how far back the digest looks; the period before it gives the trend", set: duration(time.Hour, 365*24*time.Hour, func(c *Config) *time.Duration { return &c.DigestPeriod })},
		{Env: "SUPPORTD_DIGEST_WEBHOOK_URL", Area: Jobs | Digest, Default: "", Secret: true, Help: "URL that receives each digest as a JSON POST (its Markdown and figures)", set: str(func(c *Config) *string { return &c.DigestWebhookURL })},
		{Env: "SUPPORTD_INJECTION_ACTION", Area: Answer, Default: "handoff", Help: "what a question taken for a prompt-injection attempt gets: answer (log and count only), refuse, or handoff", set: oneOf([]string{"answer", "refuse", "handoff"}, func(c *Config) *string { return &c.InjectionAction })},
		{Env: "SUPPORTD_INJECTION_THRESHOLD", Area: Answer, Default: "0.5", Help: "injection score (0..1) at which SUPPORTD_INJECTION_ACTION applies", set: fraction(func(c *Config) *float64 { return &c.InjectionThreshold })},
		{Env: "SUPPORTD_REDACT_STORED", Area: Answer, Default: "true", Help: "replace emails, phone numbers, card numbers, IBANs and secrets in stored questions, answers and feedback with placeholders; false keeps them raw", set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			c.RedactStored = b
			return nil
		}},
		{Env: "SUPPORTD_DEMO_KB", Area: Demo, Default: "demo", Help: "knowledge base the make run target fills with the demo corpus", set: str(func(c *Config) *string { return &c.DemoKB })},
		{Env: "SUPPORTD_DEMO_CORPUS", Area: Demo, Default: "goldenset/corpus", Help: "folder of the demo corpus", set: str(func(c *Config) *string { return &c.DemoCorpus })},
		{Env: "SUPPORTD_DEMO_KEY", Area: Demo, Default: "", Help: "publishable widget key (pk_…) the /demo page embeds (make run creates one; ?key= on the page overrides it)", set: func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "pk_") {
				return fmt.Errorf("%q is not a publishable widget key (pk_…)", v)
			}
			c.DemoKey = v
			return nil
		}},
	}
}

// Load builds a Config from defaults, then getenv, then the flags in args
// (which may also hold other flags the caller registered on fs). Only the
// settings of areas become flags; every setting is read from getenv. It
// returns every invalid value at once, each naming its variable.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string, areas Area) (Config, error) {
	var c Config
	vars := Vars()
	values := make(map[string]*string, len(vars))
	for _, v := range vars {
		val := v.Default
		if env := getenv(v.Env); env != "" {
			val = env
		}
		p := new(string)
		*p = val
		values[v.Env] = p
		shown := val
		if v.Secret && val != "" {
			shown = "(set)"
		}
		if v.Area&areas != 0 {
			fs.Func(v.Flag(), fmt.Sprintf("%s (env %s, default %q)", v.Help, v.Env, shown), func(s string) error { *p = s; return nil })
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var errs []error
	for _, v := range vars {
		if err := v.set(&c, *values[v.Env]); err != nil {
			errs = append(errs, fmt.Errorf("%s (--%s): %w", v.Env, v.Flag(), err))
		}
	}
	if err := c.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.readKeyFile(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// readKeyFile loads the model API key from a file, the usual way to pass
// secrets to containers.
func (c *Config) readKeyFile() error {
	if c.LLMAPIKeyFile == "" {
		return nil
	}
	if c.LLMAPIKey != "" {
		return errors.New("set SUPPORTD_LLM_API_KEY or SUPPORTD_LLM_API_KEY_FILE, not both")
	}
	b, err := os.ReadFile(c.LLMAPIKeyFile)
	if err != nil {
		return fmt.Errorf("SUPPORTD_LLM_API_KEY_FILE (--llm-api-key-file): %w", err)
	}
	c.LLMAPIKey = strings.TrimSpace(string(b))
	if c.LLMAPIKey == "" {
		return fmt.Errorf("SUPPORTD_LLM_API_KEY_FILE (--llm-api-key-file): %s is empty", c.LLMAPIKeyFile)
	}
	return nil
}

// validate checks rules that span several settings.
func (c Config) validate() error {
	var errs []error
	if c.ChunkOverlap >= c.ChunkTokens {
		errs = append(errs, fmt.Errorf("SUPPORTD_CHUNK_OVERLAP (%d) must be smaller than SUPPORTD_CHUNK_TOKENS (%d)", c.ChunkOverlap, c.ChunkTokens))
	}
	if c.Embedder != "hash" && c.EmbedModel == "" {
		errs = append(errs, fmt.Errorf("SUPPORTD_EMBED_MODEL is required with SUPPORTD_EMBEDDER=%s", c.Embedder))
	}
	if c.LLMProvider != "" && c.LLMModel == "" {
		errs = append(errs, fmt.Errorf("SUPPORTD_LLM_MODEL is required with SUPPORTD_LLM_PROVIDER=%s", c.LLMProvider))
	}
	if c.FallbackProvider != "" && c.FallbackModel == "" {
		errs = append(errs, fmt.Errorf("SUPPORTD_LLM_FALLBACK_MODEL is required with SUPPORTD_LLM_FALLBACK_PROVIDER=%s", c.FallbackProvider))
	}
	if c.FallbackProvider != "" && c.LLMProvider == "" {
		errs = append(errs, errors.New("SUPPORTD_LLM_FALLBACK_PROVIDER needs a primary SUPPORTD_LLM_PROVIDER"))
	}
	if c.JudgeProvider != "" && c.JudgeModel == "" {
		errs = append(errs, fmt.Errorf("SUPPORTD_JUDGE_MODEL is required with SUPPORTD_JUDGE_PROVIDER=%s", c.JudgeProvider))
	}
	if c.FirstTokenTimeout > c.LLMTimeout {
		errs = append(errs, fmt.Errorf("SUPPORTD_LLM_FIRST_TOKEN_TIMEOUT (%s) must not exceed SUPPORTD_LLM_TIMEOUT (%s)", c.FirstTokenTimeout, c.LLMTimeout))
	}
	if c.Candidates < c.TopK {
		errs = append(errs, fmt.Errorf("SUPPORTD_CANDIDATES (%d) must be at least SUPPORTD_TOP_K (%d)", c.Candidates, c.TopK))
	}
	return errors.Join(errs...)
}

// Markdown renders the registry as README's configuration table.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| variable | flag | default | meaning |\n| --- | --- | --- | --- |\n")
	for _, v := range Vars() {
		def := v.Default
		if v.Secret && def != "" {
			def = "(local dev database)"
		}
		if def == "" {
			def = "—"
		} else {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `%s` | `--%s` | %s | %s |\n", v.Env, v.Flag(), def, v.Help)
	}
	return b.String()
}
