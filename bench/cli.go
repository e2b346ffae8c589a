package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	imednet "github.com/imednet/imednet-go"
	"github.com/imednet/imednet-go/internal/cli"
	"github.com/imednet/imednet-go/internal/cli/cmdutil"
)

// cliList runs the CLI's "records list -o format" in this process, as a user would from a
// shell with its output piped: the client from the environment, the CLI's own prefetch, and
// its output written to a pipe that a reader drains and discards. It returns the number of
// records the output holds, counted from its lines.
func cliList(ctx context.Context, srv server, size int, format string) (int64, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	lines := make(chan int64, 1)
	go func() {
		defer r.Close()
		var n int64
		buf := make([]byte, 64<<10)
		for {
			k, err := r.Read(buf)
			n += int64(bytes.Count(buf[:k], []byte{'\n'}))
			if err != nil {
				break
			}
		}
		lines <- n
	}()
	var errOut bytes.Buffer
	env := map[string]string{imednet.EnvBaseURL: srv.URL, imednet.EnvAPIKey: srv.APIKey,
		imednet.EnvSecurityKey: srv.SecurityKey, cmdutil.EnvStudy: studyKey}
	f := &cmdutil.Factory{IO: &cmdutil.IOStreams{In: strings.NewReader(""), Out: w, ErrOut: &errOut},
		Version: "bench", Getenv: func(k string) string { return env[k] }}
	code := cli.Run(ctx, f, []string{"records", "list", "--page-size", strconv.Itoa(size), "-o", format})
	w.Close()
	n := <-lines
	if code != 0 {
		return 0, fmt.Errorf("exit %d: %s", code, strings.TrimSpace(errOut.String()))
	}
	// JSON Lines: a line per record; CSV: a header line too; JSON: the array's brackets on
	// lines of their own.
	switch format {
	case "csv":
		n--
	case "json":
		n -= 2
	}
	return n, nil
}
