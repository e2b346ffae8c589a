//go:build unix

package cli

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// mainArgsEnv holds, in a child process of TestMainSignal, the arguments that
// TestMainInChild runs Main with, separated by newlines.
const mainArgsEnv = "IMEDNET_CLI_TEST_MAIN_ARGS"

// TestMainInChild runs Main as the process's main when the test binary is started by
// TestMainSignal, and exits with its code; otherwise it does nothing.
func TestMainInChild(t *testing.T) {
	args, ok := os.LookupEnv(mainArgsEnv)
	if !ok {
		return
	}
	os.Args = append([]string{"imednet"}, strings.Split(args, "\n")...)
	os.Exit(Main())
}

// A real SIGINT or SIGTERM, sent while the command waits for the API, ends the process with
// 128 plus the signal's number and a message on stderr.
func TestMainSignal(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
		want string
	}{
		{syscall.SIGINT, 130, "imednet: interrupted (SIGINT)\n"},
		{syscall.SIGTERM, 143, "imednet: interrupted (SIGTERM)\n"},
	} {
		arrived := make(chan struct{}, 1)
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case arrived <- struct{}{}:
			default:
			}
			<-r.Context().Done() // answer nothing until the client gives up
		}))
		cmd := exec.Command(os.Args[0], "-test.run=^TestMainInChild$")
		cmd.Env = append(os.Environ(),
			mainArgsEnv+"=--base-url\n"+api.URL+"\nstudies\nlist",
			"IMEDNET_API_KEY=test-api-key", "IMEDNET_SECURITY_KEY=test-security-key")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
		select {
		case <-arrived: // Main has set up its signals before the command sent its request
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			err = <-exited
		case err = <-exited:
			t.Errorf("%v: the command ended before its request: %v", tc.sig, err)
		}
		api.Close()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != tc.code || stderr.String() != tc.want {
			t.Errorf("%v: %v, stderr %q; want exit %d, %q", tc.sig, err, stderr.String(), tc.code, tc.want)
		}
	}
}
