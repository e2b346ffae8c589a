// Package export copies a whole iMednet study into a database or a directory of files:
// every form's records (wide, one table per form, and long, one row per value), the raw JSON
// of every record, and the study's reference tables, with a ledger that lets an interrupted
// run resume and a later run fetch only what changed.
package export

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }
