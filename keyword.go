package imednet

// Keyword is a label attached to a subject or a record, such as "Data Entry Error".
type Keyword struct {
	KeywordName string    `json:"keywordName"`
	KeywordKey  string    `json:"keywordKey"` // short code, e.g. "DEE"
	KeywordID   int       `json:"keywordId"`
	DateAdded   Timestamp `json:"dateAdded"`
	Extra       Extra     `json:"-"` // members this version does not know
}
