package exportcmd

import (
	"context"

	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/csv"
	"github.com/imednet/imednet-go/export/jsonl"
	"github.com/imednet/imednet-go/export/parquet"
	"github.com/imednet/imednet-go/export/postgres"
)

// init registers the targets whose packages do not register themselves: postgres://,
// parquet:DIR, csv:DIR and jsonl:DIR (sqlite: registers itself when imported).
func init() {
	have := map[string]bool{}
	for _, s := range export.TargetSchemes() {
		have[s] = true
	}
	for scheme, open := range map[string]export.Opener{
		"postgres": func(ctx context.Context, t export.Target) (export.Sink, error) {
			return postgres.OpenTarget(ctx, t.Location, t.Study)
		},
		"parquet": func(ctx context.Context, t export.Target) (export.Sink, error) { return parquet.Open(t.Location) },
		"csv":     func(ctx context.Context, t export.Target) (export.Sink, error) { return csv.Open(t.Location) },
		"jsonl":   func(ctx context.Context, t export.Target) (export.Sink, error) { return jsonl.Open(t.Location) },
	} {
		if !have[scheme] {
			export.RegisterTarget(scheme, open)
		}
	}
}
