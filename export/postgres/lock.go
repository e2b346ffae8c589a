package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imednet/imednet-go/export"
)

// holderRow is the row of _imednet_meta that names the sink holding the schema's lock.
const holderRow = "lockHolder"

// lockKey is the text whose hash keys the schema's session advisory lock. (Setting up a
// schema takes a transaction lock keyed by another text: see lockSchema.)
func lockKey(schema string) string { return "imednet-go target " + schema }

// lock connects a connection of its own and takes the schema's session advisory lock on it,
// or fails with an *export.LockedError naming the holder.
func (s *Sink) lock(ctx context.Context, cfg *pgx.ConnConfig) error {
	s.target = fmt.Sprintf("schema %q of database %q on %s", s.schema, cfg.Database, cfg.Host)
	host, _ := os.Hostname()
	s.holder = export.LockHolder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Truncate(time.Second)}
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	var got bool
	var key int64
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(k), k FROM (SELECT hashtextextended($1, 0) AS k) AS lock",
		lockKey(s.schema)).Scan(&got, &key); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("postgres: locking %s: %w", s.target, err)
	}
	if !got {
		h := readHolder(ctx, conn, s.schema)
		conn.Close(context.WithoutCancel(ctx))
		return &export.LockedError{Target: s.target, Holder: h}
	}
	s.lockConn = conn
	s.lockPID = conn.PgConn().PID()
	// pg_locks shows a bigint advisory key as its high and low halves, objsubid 1.
	s.lockClass, s.lockObj = uint32(uint64(key)>>32), uint32(key)
	return nil
}

// ErrLockLost is returned (wrapped) by a write made after the session holding the schema's
// lock ended behind the sink's back: the server restarted, a network failure cut the
// connection, or an administrator ended the session. PostgreSQL released the lock then, and
// another run may have taken it, so the sink writes nothing more: what it wrote is as an
// interrupted run leaves it, and the next run (on a new sink) resumes or syncs from there.
var ErrLockLost = errors.New("the schema's lock was lost: the connection holding it ended")

// inTx runs fn in a transaction of the pool, after checking in that transaction that the
// sink's session still holds the schema's lock; fn's writes and the check commit together
// or not at all. Every write of the sink goes through it.
func (s *Sink) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if s.lockPID == 0 {
			return fn(tx) // a test's sink that shares its schema, without the lock
		}
		var held bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"+
			" AND pid = $1 AND classid = $2 AND objid = $3 AND objsubid = 1)", s.lockPID, s.lockClass, s.lockObj).Scan(&held); err != nil {
			return err
		}
		if !held {
			return fmt.Errorf("%s: %w", s.target, ErrLockLost)
		}
		return fn(tx)
	})
}

// exec runs one statement through inTx.
func (s *Sink) exec(ctx context.Context, sql string, args ...any) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sql, args...)
		return err
	})
}

// readHolder reads the holder of the schema's lock from _imednet_meta, waiting briefly for a
// holder that has just taken the lock to record itself; zero when it cannot be told.
func readHolder(ctx context.Context, conn *pgx.Conn, schema string) export.LockHolder {
	q := "SELECT value FROM " + quoteIdent(schema) + "." + quoteIdent(metaTable) + " WHERE name = $1"
	for range 10 {
		var v string
		err := conn.QueryRow(ctx, q, holderRow).Scan(&v)
		var h export.LockHolder
		if err == nil && json.Unmarshal([]byte(v), &h) == nil {
			return h
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			var pgErr interface{ SQLState() string }
			if !errors.As(err, &pgErr) || pgErr.SQLState() != "42P01" { // undefined_table: not set up yet
				return export.LockHolder{}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return export.LockHolder{}
}

// recordHolder records the sink as the holder of the schema's lock in _imednet_meta, noting
// a holder recorded there before: one that ended without releasing the lock.
func (s *Sink) recordHolder(ctx context.Context) error {
	meta := quoteIdent(s.schema) + "." + quoteIdent(metaTable)
	var v string
	switch err := s.lockConn.QueryRow(ctx, "SELECT value FROM "+meta+" WHERE name = $1", holderRow).Scan(&v); {
	case err == nil:
		var h export.LockHolder
		if json.Unmarshal([]byte(v), &h) == nil {
			s.tookOver = &h
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: locking %s: %w", s.target, err)
	}
	b, _ := json.Marshal(s.holder)
	if _, err := s.lockConn.Exec(ctx, "INSERT INTO "+meta+" (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
		holderRow, cleanText(string(b))); err != nil {
		return fmt.Errorf("postgres: locking %s: %w", s.target, err)
	}
	return nil
}

// unlock forgets the holder, releases the lock and closes its connection.
func (s *Sink) unlock() {
	if s.lockConn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Errors are left: closing the session releases the lock all the same, and a holder
	// left recorded is taken over by the next Open.
	s.lockConn.Exec(ctx, "DELETE FROM "+quoteIdent(s.schema)+"."+quoteIdent(metaTable)+" WHERE name = $1", holderRow)
	// Released before the session ends: the server ends a closed session's backend (and so
	// releases its locks) a moment after the client has gone, and an Open made at once by
	// the same process would find the schema still locked.
	s.lockConn.Exec(ctx, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", lockKey(s.schema))
	s.lockConn.Close(ctx)
	s.lockConn = nil
}

// TookOver returns the holder of the schema's lock that a process left recorded when it
// ended without releasing it (the session's end released the lock), which Open took over;
// nil when the schema was free.
func (s *Sink) TookOver() *export.LockHolder { return s.tookOver }

var _ export.LockTaker = (*Sink)(nil)
