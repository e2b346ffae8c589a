package imednet_test

import (
	"fmt"

	"github.com/imednet/imednet-go"
)

// A client kept under the API's budget of 100 requests a minute, retries included; Stats
// tells what a piece of work cost.
func ExampleWithRateLimit() {
	rate, err := imednet.ParseRate("100/m")
	if err != nil {
		panic(err)
	}
	c, err := imednet.New(imednet.WithAPIKey("my-api-key", "my-security-key"), imednet.WithRateLimit(rate))
	if err != nil {
		panic(err)
	}
	before := c.Stats()
	// ... list, export ...
	used := c.Stats().Sub(before)
	fmt.Println(rate, used.Requests, used.Retries, used.RateLimited)
	// Output: 100/m 0 0 0
}
