package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"supportd/internal/embed"
	"supportd/internal/store"
)

func TestZZSweep(t *testing.T) {
	ctx := context.Background()
	emb, _ := embed.New(embed.Params{})
	corpus := Synthetic(SyntheticParams{Seed: 1, Chunks: 100000, Tokens: chunker().CountTokens})
	qs := Queries(corpus, 1, 50)
	st0, _ := store.Open(ctx, store.Params{URL: "postgres://supportd:supportd@127.0.0.1:5432/supportd?sslmode=disable", MaxConns: 1})
	kb, _ := st0.KB(ctx, "default", "bench-retrieval-1-100000")
	exact := map[string][]int64{}
	for _, q := range qs {
		v, _ := emb.EmbedQuery(ctx, q.Text)
		exact[q.Text], _ = st0.ExactNeighbours(ctx, kb, v, 10)
	}
	st0.Close()
	for _, ef := range []int{40, 100, 200, 400, 1000} {
		st, _ := store.Open(ctx, store.Params{URL: "postgres://supportd:supportd@127.0.0.1:5432/supportd?sslmode=disable", MaxConns: 1, EfSearch: ef})
		var sum float64
		var ts []time.Duration
		for _, q := range qs {
			v, _ := emb.EmbedQuery(ctx, q.Text)
			s := time.Now()
			ps, _ := st.Search(ctx, store.SearchParams{KB: kb, Query: q.Text, Vector: v, Candidates: 10, SkipText: true})
			ts = append(ts, time.Since(s))
			var ids []int64
			for _, p := range ps {
				ids = append(ids, p.ChunkID)
			}
			sum += Recall(ids, exact[q.Text])
		}
		fmt.Printf("ef_search %d: recall@10 %.3f p50 %s\n", ef, sum/float64(len(qs)), Percentile(ts, 50))
		st.Close()
	}
}
