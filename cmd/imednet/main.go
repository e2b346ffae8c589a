// Command imednet works with the iMednet EDC REST API from the command line: it lists every
// resource of a study, submits records and follows their jobs, shows a study's structure,
// and serves a sandbox. Run "imednet --help".
package main

import (
	"os"

	"github.com/imednet/imednet-go/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
