package imednet

import "github.com/imednet/imednet-go/internal/wire"

// Timestamp is a date-time as the API sends it, read tolerantly: `2006-01-02 15:04:05` (UTC),
// RFC 3339 with or without fraction and zone, date-only values (DateOnly is set), and
// `[y,m,d,h,mi,s,ns]` arrays. Its Time field holds the instant in UTC; a text in no known
// layout is kept in Raw with a zero Time, so nothing is lost. It encodes to JSON as RFC 3339
// in UTC (a date as 2006-01-02), and the zero Timestamp as null.
type Timestamp = wire.Time

// Extra holds the members of a JSON object that a model does not know, or could not read as
// the documented type, as raw JSON keyed by member name.
type Extra = wire.Extra
