package postgres_test

import (
	"context"
	"log"

	"github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/export"
	"github.com/imednet/imednet-go/export/postgres"
)

// Export a study into its own schema of a PostgreSQL database, then later fetch only what
// changed.
func Example() {
	ctx := context.Background()
	client, err := imednet.NewFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	sink, err := postgres.Open(ctx, "postgres://etl@db.example.org/trials", "PHARMADEMO")
	if err != nil {
		log.Fatal(err)
	}
	defer sink.Close()
	// The tables land in the schema "pharmademo": "form_VS", "records_raw", "subjects", ...
	if _, err := export.Run(ctx, client, "PHARMADEMO", sink, export.Options{Layout: export.Both}); err != nil {
		log.Fatal(err)
	}
	// A later run: only the records modified since.
	if _, err := export.Sync(ctx, client, "PHARMADEMO", sink, export.Options{Layout: export.Both}); err != nil {
		log.Fatal(err)
	}
}

// Open a target as the command line's --to gives it: a connection URL whose schema
// parameter chooses the schema.
func ExampleOpenTarget() {
	ctx := context.Background()
	target, err := export.ParseTarget("postgresql://etl@db.example.org/trials?schema=trial_a&sslmode=require", "PHARMADEMO")
	if err != nil {
		log.Fatal(err)
	}
	sink, err := postgres.OpenTarget(ctx, target)
	if err != nil {
		log.Fatal(err)
	}
	defer sink.Close()
}
