package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imednet/imednet-go/export"
)

// LoadLedger reads the ledger from the schema's tables _imednet_forms and _imednet_runs.
// Times come back in UTC, with microsecond precision.
func (s *Sink) LoadLedger(ctx context.Context) (*export.Ledger, error) {
	l := &export.Ledger{Forms: make(map[string]export.FormState), Tables: make(map[string]export.TableState)}
	sch := quoteIdent(s.schema)
	rows, err := s.pool.Query(ctx, "SELECT form_key, status, records, error, started, finished, watermark, run_id FROM "+
		sch+"."+quoteIdent(formsTable)+" ORDER BY form_key")
	if err != nil {
		return nil, fmt.Errorf("postgres: loading the ledger: %w", err)
	}
	var (
		f                           export.FormState
		status                      string
		started, finished, watermrk *time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&f.FormKey, &status, &f.Records, &f.Error, &started, &finished, &watermrk, &f.RunID}, func() error {
		f.Status = export.Status(status)
		f.Started, f.Finished, f.Watermark = fromDB(started), fromDB(finished), fromDB(watermrk)
		l.Forms[f.FormKey] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: loading the ledger's forms: %w", err)
	}

	rows, err = s.pool.Query(ctx, "SELECT id, study, mode, started, finished, forms, failed_forms, records, error FROM "+
		sch+"."+quoteIdent(runsTable)+" ORDER BY started NULLS FIRST, id")
	if err != nil {
		return nil, fmt.Errorf("postgres: loading the ledger: %w", err)
	}
	var (
		r            export.RunState
		forms, faild int64
	)
	_, err = pgx.ForEachRow(rows, []any{&r.ID, &r.Study, &r.Mode, &started, &finished, &forms, &faild, &r.Records, &r.Error}, func() error {
		r.Started, r.Finished = fromDB(started), fromDB(finished)
		r.Forms, r.FailedForms = int(forms), int(faild)
		l.Runs = append(l.Runs, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: loading the ledger's runs: %w", err)
	}

	rows, err = s.pool.Query(ctx, "SELECT table_name, mark, refused, run_id, finished FROM "+sch+"."+quoteIdent(tablesTable))
	if err != nil {
		return nil, fmt.Errorf("postgres: loading the ledger: %w", err)
	}
	var (
		t    export.TableState
		mark *time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&t.Table, &mark, &t.Refused, &t.RunID, &finished}, func() error {
		t.Mark, t.Finished = fromDB(mark), fromDB(finished)
		l.Tables[t.Table] = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: loading the ledger's tables: %w", err)
	}
	if l.Shape, err = s.loadShape(ctx); err != nil {
		return nil, fmt.Errorf("postgres: loading the target's shape: %w", err)
	}
	if l.Shape == nil && len(l.Runs) > 0 {
		if l.Shape, err = s.legacyShape(ctx); err != nil {
			return nil, fmt.Errorf("postgres: telling the target's shape: %w", err)
		}
	}
	rows, err = s.pool.Query(ctx, "SELECT version, first_seen, run_id, fingerprint, dictionary::text FROM "+sch+"."+quoteIdent(dictionariesTable)+" ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("postgres: loading the ledger: %w", err)
	}
	var (
		dv      export.DictionaryVersion
		version int64
		doc     string
	)
	_, err = pgx.ForEachRow(rows, []any{&version, &started, &dv.RunID, &dv.Fingerprint, &doc}, func() error {
		dv.Version, dv.FirstSeen, dv.Dictionary = int(version), fromDB(started), json.RawMessage(doc)
		l.Dictionaries = append(l.Dictionaries, dv)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: loading the ledger's dictionary versions: %w", err)
	}
	return l, nil
}

// legacyShape tells the shape of a target written before targets recorded theirs from its
// tables (see export.LegacyShape).
func (s *Sink) legacyShape(ctx context.Context) (*export.Shape, error) {
	sch := quoteIdent(s.schema) + "."
	var long, hasColumns bool
	if err := s.pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL, to_regclass($2) IS NOT NULL",
		sch+quoteIdent(export.LongTable), sch+quoteIdent(export.ColumnsTable)).Scan(&long, &hasColumns); err != nil {
		return nil, err
	}
	if !hasColumns {
		return export.LegacyShape(false, long, 0, 0), nil
	}
	var rows, variables, labelled int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*), count(variable), count(*) FILTER (WHERE variable IS NOT NULL AND "columnName" <> variable) FROM `+
		sch+quoteIdent(export.ColumnsTable)).Scan(&rows, &variables, &labelled); err != nil {
		return nil, err
	}
	return export.LegacyShape(rows > 0, long, variables, labelled), nil
}

// SaveTable records the state of one reference listing, replacing its earlier state.
func (s *Sink) SaveTable(ctx context.Context, t export.TableState) error {
	if t.Table == "" {
		return fmt.Errorf("postgres: saving a table's state: the table is empty")
	}
	err := s.exec(ctx, "INSERT INTO "+quoteIdent(s.schema)+"."+quoteIdent(tablesTable)+
		" (table_name, mark, refused, run_id, finished) VALUES ($1, $2, $3, $4, $5)"+
		" ON CONFLICT (table_name) DO UPDATE SET mark = EXCLUDED.mark, refused = EXCLUDED.refused,"+
		" run_id = EXCLUDED.run_id, finished = EXCLUDED.finished",
		cleanText(t.Table), toDB(t.Mark), cleanText(t.Refused), cleanText(t.RunID), toDB(t.Finished))
	if err != nil {
		return fmt.Errorf("postgres: saving the state of table %q: %w", t.Table, err)
	}
	return nil
}

// SaveForm records the state of one form, replacing its earlier state.
func (s *Sink) SaveForm(ctx context.Context, f export.FormState) error {
	if f.FormKey == "" {
		return fmt.Errorf("postgres: saving a form's state: the form key is empty")
	}
	err := s.exec(ctx, "INSERT INTO "+quoteIdent(s.schema)+"."+quoteIdent(formsTable)+
		" (form_key, status, records, error, started, finished, watermark, run_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"+
		" ON CONFLICT (form_key) DO UPDATE SET status = EXCLUDED.status, records = EXCLUDED.records, error = EXCLUDED.error,"+
		" started = EXCLUDED.started, finished = EXCLUDED.finished, watermark = EXCLUDED.watermark, run_id = EXCLUDED.run_id",
		cleanText(f.FormKey), cleanText(string(f.Status)), f.Records, cleanText(f.Error),
		toDB(f.Started), toDB(f.Finished), toDB(f.Watermark), cleanText(f.RunID))
	if err != nil {
		return fmt.Errorf("postgres: saving the state of form %q: %w", f.FormKey, err)
	}
	return nil
}

// SaveRun records a run, replacing an earlier record with the same ID.
func (s *Sink) SaveRun(ctx context.Context, r export.RunState) error {
	if r.ID == "" {
		return fmt.Errorf("postgres: saving a run: the run ID is empty")
	}
	err := s.exec(ctx, "INSERT INTO "+quoteIdent(s.schema)+"."+quoteIdent(runsTable)+
		" (id, study, mode, started, finished, forms, failed_forms, records, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"+
		" ON CONFLICT (id) DO UPDATE SET study = EXCLUDED.study, mode = EXCLUDED.mode, started = EXCLUDED.started,"+
		" finished = EXCLUDED.finished, forms = EXCLUDED.forms, failed_forms = EXCLUDED.failed_forms,"+
		" records = EXCLUDED.records, error = EXCLUDED.error",
		cleanText(r.ID), cleanText(r.Study), cleanText(r.Mode), toDB(r.Started), toDB(r.Finished),
		int64(r.Forms), int64(r.FailedForms), r.Records, cleanText(r.Error))
	if err != nil {
		return fmt.Errorf("postgres: saving run %q: %w", r.ID, err)
	}
	return nil
}

// toDB maps the zero time to NULL.
func toDB(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// fromDB maps NULL to the zero time and the others to UTC.
func fromDB(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// SaveDictionaryVersion records a version of the study's dictionary in the schema's
// _imednet_dictionary_versions.
func (s *Sink) SaveDictionaryVersion(ctx context.Context, v export.DictionaryVersion) error {
	err := s.exec(ctx, "INSERT INTO "+quoteIdent(s.schema)+"."+quoteIdent(dictionariesTable)+
		" (version, first_seen, run_id, fingerprint, dictionary) VALUES ($1, $2, $3, $4, $5::jsonb)",
		v.Version, toDB(v.FirstSeen), v.RunID, v.Fingerprint, string(v.Dictionary))
	if err != nil {
		return fmt.Errorf("postgres: saving dictionary version %d: %w", v.Version, err)
	}
	return nil
}

// loadShape reads the target's shape from _imednet_meta; nil when it records none.
func (s *Sink) loadShape(ctx context.Context) (*export.Shape, error) {
	rows, err := s.pool.Query(ctx, "SELECT name, value FROM "+quoteIdent(s.schema)+"."+quoteIdent(metaTable))
	if err != nil {
		return nil, err
	}
	meta := map[string]string{}
	var name, value string
	if _, err := pgx.ForEachRow(rows, []any{&name, &value}, func() error { meta[name] = value; return nil }); err != nil {
		return nil, err
	}
	return export.ShapeFromMeta(meta)
}

// SaveShape records the target's shape in the schema's _imednet_meta, where readers such as
// the report find its layout version.
func (s *Sink) SaveShape(ctx context.Context, sh export.Shape) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for name, value := range sh.Meta() {
			if _, err := tx.Exec(ctx, "INSERT INTO "+quoteIdent(s.schema)+"."+quoteIdent(metaTable)+
				" (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value", name, value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: saving the shape: %w", err)
	}
	return nil
}

// Rebuild drops every table an export wrote into the schema (see export.IsExportTable), in
// one transaction, and empties the ledger: the schema is then as a new target (it still
// belongs to the study, and the sink still holds its lock). Other tables and views stay.
func (s *Sink) Rebuild(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tables)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'", s.schema)
		if err != nil {
			return err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		ledger := map[string]bool{metaTable: true, formsTable: true, runsTable: true, tablesTable: true, dictionariesTable: true}
		for _, name := range names {
			if export.IsExportTable(name) && !ledger[name] {
				if _, err := tx.Exec(ctx, "DROP TABLE "+quoteIdent(s.schema)+"."+quoteIdent(name)); err != nil {
					return fmt.Errorf("drop %s: %w", name, err)
				}
			}
		}
		sch := quoteIdent(s.schema) + "."
		_, err = tx.Exec(ctx, "TRUNCATE "+sch+quoteIdent(formsTable)+", "+sch+quoteIdent(runsTable)+", "+sch+quoteIdent(tablesTable)+", "+sch+quoteIdent(dictionariesTable)+
			"; DELETE FROM "+sch+quoteIdent(metaTable)+" WHERE name NOT IN ('study', '"+holderRow+"')")
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: rebuilding schema %q: %w", s.schema, err)
	}
	return nil
}

var (
	_ export.ShapeLedger      = (*Sink)(nil)
	_ export.Rebuilder        = (*Sink)(nil)
	_ export.DictionaryLedger = (*Sink)(nil)
)
