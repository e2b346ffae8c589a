package parquet

// SetValuesPerRowGroup sets the bound on the values of a row group, for tests, and returns a
// function that restores it.
func SetValuesPerRowGroup(n int64) func() {
	old := valuesPerRowGroup
	valuesPerRowGroup = n
	return func() { valuesPerRowGroup = old }
}
