package report_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/imednet/imednet-go/report"
)

// chromium returns the Chromium to drive: IMEDNET_TEST_CHROMIUM, else chromium on PATH. Without
// one the test skips, or fails when IMEDNET_REQUIRE_CHROMIUM=1 or CI=true (.ci/run installs
// it and sets the first).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("IMEDNET_TEST_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("IMEDNET_TEST_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		msg := "no Chromium: install Debian's chromium package or set IMEDNET_TEST_CHROMIUM to its path"
		if os.Getenv("IMEDNET_REQUIRE_CHROMIUM") == "1" || os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// browser is a headless Chromium tab that records what went wrong on the pages it loads:
// console errors, uncaught exceptions, dialogs (a script that ran), failed requests and
// responses of status 400 or more.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // Chromium refuses its sandbox as root, as in CI containers
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) { // starts the browser
		var p string
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				p = "console." + string(e.Type) + ": " + argsText(e.Args)
			}
		case *runtime.EventExceptionThrown:
			p = "uncaught exception: " + e.ExceptionDetails.Text
			if x := e.ExceptionDetails.Exception; x != nil {
				p += " " + x.Description
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				p = "console error (" + string(e.Entry.Source) + "): " + e.Entry.Text + " " + e.Entry.URL
			}
		case *network.EventLoadingFailed:
			p = "failed request (" + string(e.Type) + "): " + e.ErrorText
			if e.BlockedReason != "" {
				p += " blocked: " + string(e.BlockedReason)
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				p = fmt.Sprintf("response %d for %s", e.Response.Status, e.Response.URL)
			}
		case *page.EventJavascriptDialogOpening:
			p = "a script opened a dialog: " + e.Message
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
		if p != "" {
			b.mu.Lock()
			b.problems = append(b.problems, p)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

func argsText(args []*runtime.RemoteObject) string {
	var s []string
	for _, a := range args {
		if a.Description != "" {
			s = append(s, a.Description)
		} else {
			s = append(s, string(a.Value))
		}
	}
	return strings.Join(s, " ")
}

// chartSize is the size of a chart's SVG as the browser laid it out.
type chartSize struct {
	Figure        int
	Width, Height float64
}

// check loads url and checks it: no problem recorded while it loads, a heading of the study,
// as many charts as figures (at least min), each of a non-zero size with its labels inside it
// and clear of each other; and takes a screenshot into dir.
func (b *browser) check(t *testing.T, url, dir, shot string, minCharts int) {
	t.Helper()
	b.mu.Lock()
	b.problems = nil
	b.mu.Unlock()
	err := chromedp.Do(b.ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	h1, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	figures, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("figure").length`))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	sizes, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]chartSize](`Array.from(document.querySelectorAll("figure")).flatMap((f, i) =>
		Array.from(f.querySelectorAll(":scope > svg")).map(s => {
			const r = s.getBoundingClientRect();
			return {Figure: i, Width: r.width, Height: r.height};
		}))`))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	// Every label of a chart lies inside it and clear of the others: a long site name cut
	// short, not drawn over its neighbour or off the edge.
	clashes, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("figure > svg")).flatMap((s, i) => {
		const out = [];
		// check reports the elements that reach outside box or overlap one another.
		const check = (elements, box, what) => {
			const items = Array.from(elements).map(e => ({t: JSON.stringify(e.textContent), r: e.getBoundingClientRect()}));
			items.forEach((a, j) => {
				if (a.r.width <= 0 || a.r.left < box.left - 1 || a.r.right > box.right + 1 || a.r.top < box.top - 1 || a.r.bottom > box.bottom + 1) {
					out.push("chart " + i + ": " + what + " " + a.t + " is not laid out within its box");
				}
				items.slice(j + 1).forEach(b => {
					const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
					const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
					if (w > 1 && h > 1) {
						out.push("chart " + i + ": " + what + " " + a.t + " overlaps " + b.t);
					}
				});
			});
		};
		check(s.querySelectorAll("text"), s.getBoundingClientRect(), "label");
		check(s.parentElement.querySelectorAll(".legend li"), s.parentElement.getBoundingClientRect(), "legend entry");
		return out;
	})`))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	for _, c := range clashes {
		t.Errorf("%s: %s", url, c)
	}
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	// The favicon and any late request are asked for after the load event: leave them the
	// time to answer before the problems are read.
	if err := chromedp.Do(b.ctx, chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h1, "Study ") {
		t.Errorf("%s: heading %q, want the study's", url, h1)
	}
	if figures < minCharts || len(sizes) != figures {
		t.Errorf("%s: %d figures holding %d SVG charts, want at least %d figures each with its chart", url, figures, len(sizes), minCharts)
	}
	for _, s := range sizes {
		if s.Width <= 0 || s.Height <= 0 {
			t.Errorf("%s: chart %d is %gx%g pixels", url, s.Figure, s.Width, s.Height)
		}
	}
	path := filepath.Join(dir, shot)
	if err := os.WriteFile(path, png, 0o600); err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 || string(png[1:4]) != "PNG" {
		t.Errorf("%s: the screenshot %s is not an image (%d bytes)", url, path, len(png))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("%s: %s", url, p)
	}
}

// TestBrowser loads the HTML file and every page of the dashboard in headless Chromium, over a
// study whose site names, query texts and comments hold markup: no console error, no failed
// request, no script run, every chart laid out with a size, a screenshot of each.
func TestBrowser(t *testing.T) {
	b := newBrowser(t)
	src := injected(t)
	dir := t.TempDir()
	rep, err := src.Build(context.Background(), report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "report.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteHTML(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b.check(t, "file://"+file, dir, "file.png", 10)

	srv := httptest.NewServer(report.Handler(func(ctx context.Context, s ...report.Section) (*report.Report, error) {
		return src.Build(ctx, report.Options{}, s...)
	}))
	defer srv.Close()
	b.check(t, srv.URL+"/", dir, "overview.png", 2)
	for _, s := range report.AllSections {
		b.check(t, srv.URL+"/"+string(s), dir, string(s)+".png", 1)
	}
	shots, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(shots) != 2+len(report.AllSections) {
		t.Errorf("%d screenshots in %s, want %d", len(shots), dir, 2+len(report.AllSections))
	}
	t.Logf("screenshots in %s", dir)

	// A dashboard served WithRefresh reloads itself in the browser, under its content
	// security policy and without a script: each reload builds the report again.
	var loads atomic.Int32
	live := httptest.NewServer(report.Handler(func(ctx context.Context, s ...report.Section) (*report.Report, error) {
		loads.Add(1)
		return src.Build(ctx, report.Options{}, s...)
	}, report.WithRefresh(time.Second)))
	defer live.Close()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(live.URL+"/queries")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); loads.Load() < 3; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) { // a liveness bound, not a timing assertion
			t.Errorf("the page loaded %d times in 20 s with a refresh every second", loads.Load())
			break
		}
	}
	if err := chromedp.Do(b.ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
}
