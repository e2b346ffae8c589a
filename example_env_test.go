package imednet_test

import (
	"fmt"
	"log"

	"github.com/imednet/imednet-go"
)

// Read the client's configuration from an environment (here a map; os.Getenv for the
// process's), then build a client with an explicit option that wins over it, as the imednet
// command's flags do.
func ExampleReadEnv() {
	vars := map[string]string{
		imednet.EnvAPIKey:      "my-api-key",
		imednet.EnvSecurityKey: "my-security-key",
		imednet.EnvTimeout:     "2.5",
	}
	env, err := imednet.ReadEnv(func(name string) string { return vars[name] })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(env) // the keys are never shown

	c, err := imednet.New(append(env.Options(), imednet.WithBaseURL("https://edc.example.org"))...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL())

	// An invalid value is an error naming the variable and what it should hold.
	vars[imednet.EnvTimeout] = "100000"
	_, err = imednet.ReadEnv(func(name string) string { return vars[name] })
	fmt.Println(err)
	// Output:
	// imednet.Env{APIKey: set, SecurityKey: set, BaseURL: "", Timeout: 2.5s}
	// https://edc.example.org
	// imednet: IMEDNET_TIMEOUT="100000": want a timeout above 0 and at most 24h (86400 seconds)
}
