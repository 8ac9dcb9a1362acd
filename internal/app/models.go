package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"supportd/internal/eval"
	"supportd/internal/limit"
	"supportd/internal/llm"
	"supportd/internal/prompt"
	"supportd/prompts"
)

// openRedis connects the optional shared tier. A Redis that does not answer
// at start-up is logged, not fatal: cache and limits fail open.
func openRedis(ctx context.Context, url string, log *slog.Logger) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	opts.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		log.Warn("redis does not answer; cache and limits run per replica until it does", "err", err)
	}
	return rdb, nil
}

// limiter returns the limiter of rate r named name: one limit across the
// replicas through Redis when there is one, and per replica while Redis
// fails, with a warning and the supportd_redis_fallback metric.
func (a *App) limiter(r limit.Rate, name string) limit.Limiter {
	if r.Unlimited() || a.Redis == nil {
		return limit.New(r, nil, "")
	}
	return limit.NewFailover(limit.NewRedis(a.Redis, r, "supportd:rl:"+name+":").WithTimeout(limitRedisTimeout),
		limit.FailoverParams{OnChange: a.redisFallback("limit:" + name)})
}

// limitRedisTimeout bounds a limiter's call to Redis. It is longer than
// the limiter's default because a limiter that gives up on Redis decides
// per replica for a second, admitting up to a burst per replica: on a
// busy host, scheduling delays alone passed 50 ms often enough to lift a
// limit by a third (make scale-test at load average 35 on two cores). A
// stalled Redis costs at most one such wait per second and limiter.
const limitRedisTimeout = 250 * time.Millisecond

// redisFallback returns what component calls when Redis starts failing
// (it then runs in process) and when Redis answers again.
func (a *App) redisFallback(component string) func(down bool, err error) {
	a.Metrics.RedisFallback(component, false)
	return func(down bool, err error) {
		if down {
			a.Log.Warn("redis fails: running in process until it answers", "component", component, "err", err)
		} else {
			a.Log.Info("redis answers again: shared across replicas", "component", component)
		}
		a.Metrics.RedisFallback(component, down)
	}
}

// loadPrompts reads the templates from dir, or the built-in ones.
func loadPrompts(dir string) (*prompt.Set, error) {
	if dir != "" {
		return prompt.LoadDir(dir)
	}
	return prompt.Load(prompts.FS)
}

// newGateway builds the model chain, or returns nil when no model is
// configured (the assistant then answers extractively).
func (a *App) newGateway(s Settings) (*llm.Gateway, error) {
	if len(s.Models) == 0 {
		return nil, nil
	}
	var chain []llm.Member
	for _, spec := range s.Models {
		spec.CountTokens = a.Chunker.CountTokens
		p, err := llm.NewProvider(spec)
		if err != nil {
			return nil, err
		}
		chain = append(chain, llm.Member{
			Provider: p,
			Requests: Limiter{a.limiter(s.ModelRate, "provider-rpm")},
			Tokens:   Limiter{a.limiter(s.ModelTokens, "provider-tpm")},
		})
	}
	g := s.Gateway
	g.CountTokens = a.Chunker.CountTokens
	if g.OnBreakerChange == nil {
		g.OnBreakerChange = func(p, from, to string) {
			a.Log.Warn("circuit breaker", "provider", p, "from", from, "to", to)
			a.Metrics.Breaker(p, to)
		}
	}
	if g.Observe == nil {
		g.Observe = a.Metrics.Stage
	}
	if g.OnConfigError == nil {
		g.OnConfigError = func(p, model string, failing bool) {
			if failing {
				a.Log.Error("model refuses calls as misconfigured: check its API key and model name", "provider", p)
			} else {
				a.Log.Info("model accepts calls again", "provider", p)
			}
			a.Metrics.LLMConfigError(p, model, failing)
		}
		for _, spec := range s.Models {
			a.Metrics.LLMConfigError(spec.Kind+":"+spec.Model, spec.Model, false)
		}
	}
	if g.OnSkip == nil {
		g.OnSkip = func(_ string, kind llm.Kind) {
			if kind == llm.KindProviderLimited {
				a.Metrics.RateLimited("provider")
			}
		}
	}
	return llm.NewGateway(chain, g)
}

// newJudge builds the optional LLM-as-judge for evaluations; nil when no
// judge model is configured.
func (a *App) newJudge(s Settings) (*eval.Judge, error) {
	if s.Judge == nil {
		return nil, nil
	}
	spec := *s.Judge
	spec.CountTokens = a.Chunker.CountTokens
	p, err := llm.NewProvider(spec)
	if err != nil {
		return nil, err
	}
	g, err := llm.NewGateway([]llm.Member{{Provider: p}}, llm.GatewayParams{Total: time.Minute, FirstToken: 30 * time.Second,
		OnBreakerChange: func(p, from, to string) { a.Log.Warn("judge circuit breaker", "provider", p, "from", from, "to", to) }})
	if err != nil {
		return nil, err
	}
	set, err := loadPrompts(a.Config.PromptsDir)
	if err != nil {
		return nil, err
	}
	return eval.NewJudge(g, set), nil
}
