// Package export copies a whole iMednet study into a database or a directory of files:
// every form's records (wide, one table per form, and long, one row per value), the raw JSON
// of every record, and the study's reference tables, with a ledger that lets an interrupted
// run resume and a later run fetch only what changed.
//
// # Running an export
//
// A run takes an SDK client, a study key, a [Sink] and [Options]:
//
//	sink, err := sqlite.Open("PHARMADEMO.db") // package export/sqlite
//	if err != nil {
//		return err
//	}
//	defer sink.Close()
//	sum, err := export.Run(ctx, client, "PHARMADEMO", sink, export.Options{Layout: export.Both})
//	var failed *export.RunError
//	if errors.As(err, &failed) {
//		log.Printf("forms that failed: %v", failed.Failed) // the others were exported
//	}
//
// [Sync] (or Options.Mode ModeSync) brings the same target up to date later. [ParseTarget]
// reads a target string such as "sqlite:DEMO.db" or "postgres://...", and each sink
// package's OpenTarget opens it (sqlite.OpenTarget, postgres.OpenTarget, parquet.OpenTarget,
// csv.OpenTarget, jsonl.OpenTarget: one shape, see [Target]); the command line maps the
// schemes of --to to them in one table.
//
// # What lands in the target
//
//   - form_KEY, one table per form: one row per record, keyed by recordId, with the columns
//     recordId, subjectKey, subjectId, siteId, intervalId, visitId, recordStatus, recordType,
//     deleted, dateCreated, dateModified, then one column per variable of the form (in
//     sequence order), typed by the data dictionary: NUMBER real, DATE date, CHECKBOX boolean,
//     every other type text. Columns are named after the variables, or after their labels
//     with Options.Labels (letters, digits and underscores); either way names are unique
//     regardless of case, a clash taking a suffix _2, _3, .... A missing value is NULL
//     whatever the column's type: a variable absent from the record's data, null, or blank
//     ("" or only whitespace, as the API sends an unanswered variable). A value that does not
//     convert to its column's type is NULL there too; it is never lost, as the long and raw
//     tables keep it. When the sink limits the columns of a table ([ColumnLimiter]; SQLite: 2,000), a
//     wider form continues in form_KEY_part2, form_KEY_part3, ..., each keyed by recordId:
//     join them on it.
//   - wide_columns ([ColumnsTable]): for each column of the wide tables, its table, part and
//     position, and for a variable's column the variable, its label and its type.
//   - record_values ([LongTable], with the Long or Both layout): one row per record and
//     variable of its form, keyed by (recordId, variable): the value as text (NULL when the
//     record's data lacks it or holds null or a blank string, an object or array as its JSON) and, where the
//     variable's type allows and the value converts, typed in valueNumber, valueDate or
//     valueBool. Members of recordData that are not variables of the form get a row too,
//     except the system keys dateCreated and dateModified.
//   - records_raw ([RawTable]): the JSON of every record, byte for byte as the API sent it.
//   - with Options.Dictionary (the vendor's dictionary files): choices ([ChoicesTable]), the
//     choice lists keyed by (formKey, variable, value); after each wide column of a coded
//     variable (radio, dropdown, checkbox with choices) its decoded text, named with
//     [LabelSuffix] (AESEV, AESEV_label); and valueLabel in record_values. A value missing
//     from its choice list keeps its code, its label NULL, counted in Summary.UnknownCodes.
//   - the reference tables, with the API's field names as columns: studies (the exported
//     study), sites, subjects and subject_keywords, intervals and interval_forms, forms,
//     variables, visits, queries and query_comments, record_revisions, codings, users
//     (inactive ones included) and user_roles.
//
// Dates are time.Time at midnight UTC, timestamps time.Time in UTC; each sink stores them in
// its own way. Every table has a key, and rows are upserted by it, so that running again
// never duplicates.
//
// # The engine
//
// Forms are worked on concurrently (Options.Concurrency, default 4), and within a form its
// pages are fetched ahead of the one being written. Every listing goes through the client's
// services (Records.Pages, Sites.Pages, ..., and dictionary.Fetch), each page request
// through one [imednet.Gate] of Concurrency slots that Options.RateLimit paces, or through
// Options.Gate, shared by the runs of many studies. The SDK client retries failed requests and
// honours 429s. Records stream from pages to batches of Options.BatchSize rows, each batch
// one [Sink.Write] (one transaction in a database), so memory stays bounded however large
// the form. A form that still fails is marked failed in the ledger with its error, the other
// forms go on, and the run returns a *[RunError] naming the failed forms (and reference
// tables) together with a [Summary].
//
// # The ledger, resuming and syncing
//
// The sink keeps a ledger: per form its status (pending, running, succeeded, failed), the
// records written, the error, start and end, and the high-water mark of dateModified; per
// run a row with its totals. A run records itself first, marks its forms pending, each form
// running then succeeded or failed as it goes, and the run's end last, so a run interrupted
// anyhow (a cancelled context, a crash, SIGKILL) leaves its run unfinished.
//
// An export that follows an export that did not finish cleanly (interrupted, or with failed
// forms) resumes it: it skips the forms that run completed and does the others; a form
// skipped this way is recorded under the new run, so a chain of interruptions keeps
// skipping it. Options.Full fetches every form regardless.
//
// A sync fetches per form only the records whose dateModified is after the form's high-water
// mark less Options.Overlap (default 5 minutes), with the filter dateModified>T, and upserts
// them; the API deletes softly (deleted true and a new dateModified), so deletions arrive as
// updates. The high-water mark is the newest dateModified written, capped at the server's
// clock when the form's first page was served, so that a record changed while the form was
// being paged is fetched again. A form without a high-water mark (never exported, or
// without records) is fetched whole. The reference listings the API filters by a change
// mark are fetched the same way, each from its own mark in the ledger (record revisions by
// dateCreated, codings by dateCoded, sites and intervals by dateModified; visits by the
// subjects named in the revisions since, see [TableState] and [TableLedger]); the others
// (studies, subjects, queries, users) are fetched whole. A listing whose filter the service
// refuses (400) is fetched whole, and the ledger remembers it until a run with Options.Full.
// Options.RecordsOnly leaves the reference listings out, for a frequent sync of the data
// alone.
// Afterwards the target holds what a fresh export would, with one limit: a row whose item
// disappears from the API altogether (a reference item removed, a record's data member
// that is no variable of its form dropped) stays in the target, as the sink interface has
// no deletion. The API deletes records softly, so they are not concerned.
//
// # One run at a time, one shape per target
//
// Every sink of this module locks its target from Open to Close (a lock file beside a SQLite
// database or in a directory, a session advisory lock on a PostgreSQL schema): a second Open
// fails at once with a *[LockedError] naming the holder's process, host and start time.
//
// A target records the [Shape] of its first run (layout, labels, names, whether it is
// decoded, [LayoutVersion]). A sync whose Layout is empty, Labels false (and NoLabels too) and Names
// empty takes the target's; a run asking for another shape is refused with a *[ShapeError] (errors.Is
// [ErrShape]) before it writes anything, unless Options.Full, which rebuilds the target
// ([Rebuilder]) first. A sync without Options.Dictionary into a decoded target is refused
// with [ErrNeedDictionary]: it could not decode the records it fetches.
//
// # Dictionary versions
//
// A target keeps each version of the study's forms and variables its runs saw
// ([DictionaryVersion], [DictionaryLedger]). A run that sees a new one records it, and its
// summary lists the changes from the version before (Summary.DictionaryChanges, as
// dictionary.Diff tells them): a CRF amendment between two syncs does not pass unnoticed.
package export

import "strconv"

func itoa(n int) string { return strconv.Itoa(n) }
