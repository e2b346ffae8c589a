package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The tests run against a real PostgreSQL server: the one IMEDNET_TEST_POSTGRES names (a
// connection string), else a throwaway server that TestMain starts from the PostgreSQL
// binaries on this machine (Debian's /usr/lib/postgresql/*/bin, or initdb on the PATH), as
// the postgres user when the tests run as root, and stops at the end. Without either the tests skip, unless IMEDNET_REQUIRE_POSTGRES=1, when
// they fail.

var (
	serverOnce    sync.Once
	testServer    *server // the server TestMain stops, if one was started
	testConn      string  // the server's connection string, "" when there is none
	testNoServer  string  // why there is none
	serverTimeout = 60 * time.Second
)

func TestMain(m *testing.M) {
	code := m.Run()
	if testServer != nil {
		testServer.stop()
	}
	os.Exit(code)
}

// connString returns the test server's connection string, starting a throwaway server at the
// first call when IMEDNET_TEST_POSTGRES is not set, or skips the test (fails it when
// IMEDNET_REQUIRE_POSTGRES=1) when there is no server.
func connString(tb testing.TB) string {
	tb.Helper()
	serverOnce.Do(func() {
		testConn = os.Getenv("IMEDNET_TEST_POSTGRES")
		if testConn != "" {
			return
		}
		srv, err := startServer()
		if err != nil {
			testNoServer = err.Error()
			return
		}
		testServer, testConn = srv, srv.conn
	})
	if testConn == "" {
		msg := "no PostgreSQL server: set IMEDNET_TEST_POSTGRES to a connection string or install PostgreSQL's server binaries (" + testNoServer + ")"
		if os.Getenv("IMEDNET_REQUIRE_POSTGRES") == "1" {
			tb.Fatal(msg + "; IMEDNET_REQUIRE_POSTGRES=1 forbids skipping")
		}
		tb.Skip(msg)
	}
	return testConn
}

// connURL returns the test server's connection string as a postgres:// URL.
func connURL(tb testing.TB) string {
	tb.Helper()
	cs := connString(tb)
	if IsTarget(cs) {
		return cs
	}
	cfg, err := pgconn.ParseConfig(cs)
	if err != nil {
		tb.Fatal(err)
	}
	q := url.Values{}
	q.Set("host", cfg.Host)
	q.Set("port", strconv.Itoa(int(cfg.Port)))
	q.Set("sslmode", "disable")
	if cfg.TLSConfig != nil {
		q.Set("sslmode", "require")
	}
	u := url.URL{Scheme: "postgres", Path: "/" + cfg.Database, RawQuery: q.Encode()}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	} else {
		u.User = url.User(cfg.User)
	}
	return u.String()
}

// server is a throwaway PostgreSQL server listening on a unix socket in a temporary directory,
// a child process of the test binary (on Linux it gets SIGQUIT, PostgreSQL's immediate
// shutdown, if the test binary dies without stopping it).
type server struct {
	dir  string
	cred *credential // the server's owner when the tests run as root, else nil
	proc *exec.Cmd
	done chan struct{} // closed when the server process has exited
	conn string
}

// credential is the user the cluster belongs to.
type credential struct{ uid, gid int }

// startServer creates a database cluster in a temporary directory and starts a server on it.
// initdb refuses to run as root: as root, the cluster belongs to the postgres user.
func startServer() (*server, error) {
	initdb, err := findInitdb()
	if err != nil {
		return nil, err
	}
	bin := filepath.Dir(initdb)
	srv := &server{done: make(chan struct{})}
	srv.dir, err = os.MkdirTemp("", "imednet-pg-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(srv.dir)
		}
	}()
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and there is no postgres user to own a test server: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		srv.cred = &credential{uid, gid}
		if err := os.Chown(srv.dir, uid, gid); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(srv.dir, "data")
	ctx, cancel := context.WithTimeout(context.Background(), serverTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, initdb, "-D", data, "--username=postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
	cmd.SysProcAttr, err = procAttr(srv.cred, false)
	if err != nil {
		return nil, err
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}

	// A unix socket only: no TCP port to collide with anything. Durability is not needed.
	log, err := os.Create(filepath.Join(srv.dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	srv.proc = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", srv.dir, "-p", "5432",
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	srv.proc.Stdout, srv.proc.Stderr = log, log
	if srv.proc.SysProcAttr, err = procAttr(srv.cred, true); err != nil {
		return nil, err
	}
	if err := srv.proc.Start(); err != nil {
		return nil, fmt.Errorf("starting postgres: %v", err)
	}
	go func() { srv.proc.Wait(); close(srv.done) }()
	srv.conn = "host=" + srv.dir + " port=5432 user=postgres dbname=postgres sslmode=disable"
	for {
		c, err := pgconn.Connect(ctx, srv.conn)
		if err == nil {
			c.Close(ctx)
			break
		}
		select {
		case <-srv.done:
			out, _ := os.ReadFile(log.Name())
			return nil, fmt.Errorf("postgres exited: %v\n%s", srv.proc.ProcessState, out)
		case <-ctx.Done():
			srv.stop()
			return nil, fmt.Errorf("postgres did not accept connections within %v: %v", serverTimeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	ok = true
	return srv, nil
}

// stop shuts the server down (fast shutdown: it ends the sessions) and removes its files.
func (srv *server) stop() {
	srv.proc.Process.Signal(syscall.SIGINT)
	select {
	case <-srv.done:
	case <-time.After(serverTimeout):
		srv.proc.Process.Kill()
		<-srv.done
	}
	os.RemoveAll(srv.dir)
}

// findInitdb finds PostgreSQL's initdb: the newest in Debian's /usr/lib/postgresql, else on
// the PATH.
func findInitdb() (string, error) {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) > 0 {
		slices.SortFunc(found, func(a, b string) int {
			va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
			vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
			return va - vb
		})
		return found[len(found)-1], nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return p, nil
	}
	return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or on the PATH")
}

// uniqueStudy returns base with a random suffix, so that tests running at once, or again
// against the same server, never share a schema.
func uniqueStudy(base string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return base + "-" + strings.ToUpper(hex.EncodeToString(b))
}
