package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"supportd/internal/embed"
	"supportd/internal/store"
)

func TestZZExact(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Params{URL: "postgres://supportd:supportd@127.0.0.1:5432/supportd?sslmode=disable", MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kb, err := st.KB(ctx, "default", "bench-retrieval-1-100000")
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := embed.New(embed.Params{})
	for i, q := range []string{"rename dashboard policy", "export invoice", "reset password", "billing seat", "webhook token", "profile email", "audit log", "backup restore"} {
		v, _ := emb.EmbedQuery(ctx, q)
		for _, exact := range []bool{false, true} {
			s := time.Now()
			ps, err := st.Search(ctx, store.SearchParams{KB: kb, Query: q, Vector: v, Candidates: 10, SkipText: true, Exact: exact})
			fmt.Println(i, exact, len(ps), err, time.Since(s))
		}
	}
}
