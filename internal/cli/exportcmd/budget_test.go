package exportcmd_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/imednettest"
	"github.com/imednet/imednet-go/internal/cli"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// fastClock is a clock running speed times faster than real time, shared by the sandbox
// (which measures its rate-limit windows with it) and the client (whose limiter and retries
// wait with it), so that a per-minute budget is tested in seconds.
type fastClock struct {
	start, real time.Time
	speed       float64
}

func (c *fastClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.real)) * c.speed))
}

func (c *fastClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(time.Duration(float64(d) / c.speed))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// budgetSpeed is how much faster than real time the budget tests' clock runs. The run's own
// work (building, writing SQLite, the race detector on a busy machine) is stretched by it
// too, so it is kept low enough that a second of such work counts for half a minute, which
// budgetSlack allows for.
const budgetSpeed = 30

// budgetSlack is what a run under a budget may take beyond one and a half times the
// budget's minimum: its own work, on the sandbox's clock.
const budgetSlack = 60 * time.Second

var requestsRe = regexp.MustCompile(`; (\d+) requests \((\d+) retries, (\d+) answered 429\)`)

// budgetRun exports the sandbox's AE form through a server allowing 10 requests a minute,
// with the given extra arguments, and returns the requests made, the 429s the client met and
// the server refused, and the duration on the sandbox's clock.
func budgetRun(t *testing.T, args ...string) (requests, met, refused int, took time.Duration) {
	t.Helper()
	clk := &fastClock{start: imednettest.DefaultStart, real: time.Now(), speed: budgetSpeed}
	srv, err := imednettest.New(imednettest.WithClock(clk.Now), imednettest.WithRateLimit(10, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	io, _, _, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" },
		NewSandbox:    func() (*imednettest.Server, error) { return srv, nil },
		ClientOptions: []imednet.Option{imednet.WithClock(clk), imednet.WithMaxRetries(20)}}
	db := filepath.Join(t.TempDir(), "b.db")
	start := clk.Now()
	code := cli.Run(context.Background(), f, append([]string{"--sandbox", "export", "--forms", "AE", "--to", "sqlite:" + db}, args...))
	took = clk.Now().Sub(start)
	m := requestsRe.FindStringSubmatch(errOut.String())
	if code != 0 || m == nil {
		t.Fatalf("export %v: exit %d, stderr %q", args, code, errOut.String())
	}
	requests, _ = strconv.Atoi(m[1])
	met, _ = strconv.Atoi(m[3])
	return requests, met, srv.Stats().Faults[imednettest.FaultRateLimit], took
}

// TestRateBudget: under --rate-limit 10/m, an export through a server that allows 10
// requests a minute meets no 429 and takes about as long as the budget requires: not less
// than its minimum, (requests-1) times 6 s, and not much more. Without the budget the same
// export meets the server's 429s, so the server does enforce the limit.
func TestRateBudget(t *testing.T) {
	requests, met, refused, took := budgetRun(t, "--rate-limit", "10/m")
	if requests <= 10 {
		t.Fatalf("%d requests: the export must need more than the server's 10 a minute", requests)
	}
	if met != 0 || refused != 0 {
		t.Errorf("under the budget: the client met %d 429s, the server refused %d requests; want none", met, refused)
	}
	minimum := time.Duration(requests-1) * 6 * time.Second
	if took < minimum || took > minimum*3/2+budgetSlack {
		t.Errorf("%d requests under 10/m took %v; want at least %v and not much more", requests, took, minimum)
	}

	_, met, refused, _ = budgetRun(t)
	if met == 0 || refused == 0 {
		t.Errorf("without the budget: the client met %d 429s, the server refused %d; want some (the server enforces its limit)", met, refused)
	}
}

// TestRateBudgetManyStudies: the studies of one run share its budget. Three studies under
// --rate-limit 10/m, through a server that allows 10 requests a minute in all, meet no 429
// and take as long as the run's requests need at 10 a minute (a budget per study would let
// three times as many through and meet the server's 429s).
func TestRateBudgetManyStudies(t *testing.T) {
	clk := &fastClock{start: imednettest.DefaultStart, real: time.Now(), speed: budgetSpeed}
	srv, err := imednettest.New(imednettest.WithClock(clk.Now), imednettest.WithRateLimit(10, time.Minute),
		imednettest.WithPortfolio(3, imednettest.StudyConfig{Sites: 2, Subjects: 4, RecordsPerSubject: 10}))
	if err != nil {
		t.Fatal(err)
	}
	io, _, _, errOut := cmdutil.TestStreams()
	f := &cmdutil.Factory{IO: io, Version: "test", Getenv: func(string) string { return "" },
		NewSandbox:    func() (*imednettest.Server, error) { return srv, nil },
		ClientOptions: []imednet.Option{imednet.WithClock(clk), imednet.WithMaxRetries(20)}}
	start := clk.Now()
	code := cli.Run(context.Background(), f, []string{"--sandbox", "export", "--all-studies", "--forms", "AE", "--records-only",
		"--rate-limit", "10/m", "--to", "sqlite:" + filepath.Join(t.TempDir(), "{study}.db")})
	took := clk.Now().Sub(start)
	all := requestsRe.FindAllStringSubmatch(errOut.String(), -1)
	if code != 0 || len(all) != 4 { // three studies' lines and the closing line
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	requests, _ := strconv.Atoi(all[3][1])
	met, _ := strconv.Atoi(all[3][3])
	if requests <= 10 {
		t.Fatalf("%d requests: the run must need more than the server's 10 a minute", requests)
	}
	if refused := srv.Stats().Faults[imednettest.FaultRateLimit]; met != 0 || refused != 0 {
		t.Errorf("the client met %d 429s, the server refused %d requests; want none", met, refused)
	}
	if minimum := time.Duration(requests-1) * 6 * time.Second; took < minimum || took > minimum*3/2+budgetSlack {
		t.Errorf("%d requests under 10/m took %v; want at least %v and not much more", requests, took, minimum)
	}
}
