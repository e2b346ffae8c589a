package imednettest

import (
	"errors"
	"fmt"
)

// A portfolio: several studies of different sizes and forms on one server, as a sponsor's
// keys see them, for tests of tools that work on many studies at once.

// portfolioShape is how one study of a portfolio differs from the first: its sizes as
// fractions of the first study's, and its own number of forms and sites.
type portfolioShape struct {
	key                  string
	subjectsNum, subjDen int
	recordsNum, recDen   int
	forms, sites         int
}

// portfolioShapes are the studies after the first, in order; past them the shapes repeat
// under the keys STUDY07, STUDY08, ...
var portfolioShapes = []portfolioShape{
	{key: "CARDIO", subjectsNum: 2, subjDen: 1, recordsNum: 2, recDen: 3, forms: 8, sites: 6},
	{key: "ONCO", subjectsNum: 1, subjDen: 2, recordsNum: 3, recDen: 2, forms: 14, sites: 3},
	{key: "NEURO", subjectsNum: 1, subjDen: 1, recordsNum: 1, recDen: 1, forms: 11, sites: 2},
	{key: "DERM", subjectsNum: 3, subjDen: 2, recordsNum: 1, recDen: 2, forms: 6, sites: 5},
	{key: "RESP", subjectsNum: 1, subjDen: 4, recordsNum: 1, recDen: 1, forms: 12, sites: 1},
}

// MaxPortfolio is the most studies [WithPortfolio] adds.
const MaxPortfolio = 100

// WithPortfolio adds n studies (1 to [MaxPortfolio]) of different sizes and forms: first
// base, with its Key defaulting to [DemoStudyKey], then CARDIO, ONCO, NEURO, DERM and RESP,
// then STUDY07, STUDY08, ... Each study after the first scales base's subjects and records
// per subject by its own fractions (CARDIO has twice the subjects with two thirds of the
// records each, ONCO half the subjects with half again the records, ...) and uses its own
// number of catalogue forms (6 to 14) and sites; base's other fields (Users, the fractions)
// apply to all. The first study is exactly the one WithStudy(base) would add, so a server
// with a portfolio serves the same data for it as a server with that study alone (the
// studies' data depend on their place and key, not on the studies after them).
func WithPortfolio(n int, base StudyConfig) Option {
	return func(c *config) error {
		if n < 1 || n > MaxPortfolio {
			return fmt.Errorf("imednettest: WithPortfolio: %d studies is outside 1..%d", n, MaxPortfolio)
		}
		if base.Key == "" {
			base.Key = DemoStudyKey
		}
		full, err := base.withDefaults()
		if err != nil {
			return err
		}
		for _, sc := range portfolio(n, base, full) {
			if err := WithStudy(sc)(c); err != nil {
				return errors.New("imednettest: WithPortfolio: " + err.Error())
			}
		}
		return nil
	}
}

// portfolio returns the configurations of n studies: base, then the shapes applied to full
// (base with its defaults).
func portfolio(n int, base, full StudyConfig) []StudyConfig {
	out := []StudyConfig{base}
	for i := 1; i < n; i++ {
		sh := portfolioShapes[(i-1)%len(portfolioShapes)]
		sc := base
		sc.Key, sc.Name, sc.Description, sc.Intervals = sh.key, "", "", 0
		if i > len(portfolioShapes) {
			sc.Key = fmt.Sprintf("STUDY%02d", i+1)
		}
		if full.Subjects == 0 {
			sc.Subjects = None
		} else {
			sc.Subjects = max(1, full.Subjects*sh.subjectsNum/sh.subjDen)
		}
		sc.RecordsPerSubject = max(1, full.RecordsPerSubject*sh.recordsNum/sh.recDen)
		sc.Forms, sc.Sites = sh.forms, sh.sites
		out = append(out, sc)
	}
	return out
}
