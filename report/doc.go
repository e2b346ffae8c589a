// Package report computes a study's oversight metrics from an export target that package
// export wrote (a SQLite file or a PostgreSQL schema), never from the API: enrollment, the
// queries and their age, the completeness of the expected forms, a line per site, the audit
// trail's activity and what changed since the previous run. A report is thus offline,
// reproducible for one data cut (the end of the ledger's last finished run) and costs no API
// request.
//
// Every metric is SQL run in the target, in its dialect, whose result rows are aggregates:
// the study's records never travel into the process, so a report over a large export takes
// the memory of its figures only.
//
// [Open] opens a target, [Source.Build] computes a [Report], and the report renders itself
// as tables ([Report.Tables]), JSON (encoding/json), one self-contained HTML page
// ([Report.WriteHTML]) or a served dashboard ([Handler]).
package report
